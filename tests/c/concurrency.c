/* Concurrency: 8 threads share one const wxface_client * and each terminates its own users.
 *
 * usage: concurrency ORG FIRST_INDEX [CALLS_PER_THREAD]      (default 25)
 * Thread t, call i terminates user U<FIRST_INDEX + t * CALLS_PER_THREAD + i>, written as U plus
 * 10 digits; all of them must be contracted. Env: see support.h. */
#include <pthread.h>

#include "support.h"

#define THREADS 8

struct job {
    const wxface_client *client;
    const char *org;
    unsigned long first;
    unsigned long calls;
};

static void *run(void *arg) {
    const struct job *job = arg;
    for (unsigned long i = 0; i < job->calls; i++) {
        char user[32];
        snprintf(user, sizeof user, "U%010lu", job->first + i);
        wxface_error *err = NULL;
        wxface_status st = wxface_terminate_contract(job->client, job->org, user, &err);
        if (st != WXFACE_OK) {
            fprintf(stderr, "%s: %s: %s\n", user, wxface_status_str(st),
                    wxface_error_message(err));
        }
        CHECK_STATUS(st, WXFACE_OK, err);
        CHECK(err == NULL);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s ORG FIRST_INDEX [CALLS_PER_THREAD]\n", argv[0]);
        return 2;
    }
    unsigned long first = strtoul(argv[2], NULL, 10);
    unsigned long calls = argc == 4 ? strtoul(argv[3], NULL, 10) : 25;
    CHECK(first >= 1 && calls >= 1 && first + THREADS * calls - 1 <= 99999);

    wxface_client *client = client_from_sim_config();

    pthread_t threads[THREADS];
    struct job jobs[THREADS];
    for (int t = 0; t < THREADS; t++) {
        jobs[t] = (struct job){client, argv[1], first + (unsigned long)t * calls, calls};
        CHECK(pthread_create(&threads[t], NULL, run, &jobs[t]) == 0);
    }
    for (int t = 0; t < THREADS; t++) {
        CHECK(pthread_join(threads[t], NULL) == 0);
    }
    wxface_client_free(client);
    return 0;
}
