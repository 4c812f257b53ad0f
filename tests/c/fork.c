/* Fork: a client made and used in the parent is then used at the same moment by the parent and
 * 4 children after fork() — what prefork servers do (gunicorn --preload, PHP-FPM, Python
 * multiprocessing). No process may write on a connection another one opened (same TLS keys and
 * record numbers): every call succeeds, once.
 *
 * usage: fork ORG FIRST_INDEX ROUNDS CALLS
 * A warm-up call terminates U<FIRST_INDEX> (the parent now holds a pooled connection); then,
 * ROUNDS times: fork 4 children, release all five processes together, each terminates CALLS
 * users of its own (numbered on from FIRST_INDEX + 1), the parent waits for the children.
 * Prints the number of calls made. Env: see support.h. */
#define _POSIX_C_SOURCE 200809L
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

#define CHILDREN 4

/* Terminates users U<first> .. U<first + calls - 1>; returns how many calls failed. */
static int terminate_users(const wxface_client *client, const char *org, unsigned long first,
                           unsigned long calls) {
    int failures = 0;
    for (unsigned long i = 0; i < calls; i++) {
        char user[32];
        snprintf(user, sizeof user, "U%010lu", first + i);
        wxface_error *err = NULL;
        wxface_status st = wxface_terminate_contract(client, org, user, &err);
        if (st != WXFACE_OK) {
            fprintf(stderr, "pid %ld, %s: %s: %s\n", (long)getpid(), user, wxface_status_str(st),
                    wxface_error_message(err));
            failures++;
        }
        wxface_error_free(err);
    }
    return failures;
}

/* Blocks until every process has closed the gate's write end: then all start together. */
static void wait_at_gate(int gate) {
    char byte;
    while (read(gate, &byte, 1) > 0) {
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s ORG FIRST_INDEX ROUNDS CALLS\n", argv[0]);
        return 2;
    }
    const char *org = argv[1];
    unsigned long first = strtoul(argv[2], NULL, 10);
    unsigned long rounds = strtoul(argv[3], NULL, 10);
    unsigned long calls = strtoul(argv[4], NULL, 10);
    CHECK(first >= 1 && rounds >= 1 && calls >= 1);
    CHECK(first + rounds * (CHILDREN + 1) * calls <= 99999);

    wxface_client *client = client_from_sim_config();

    CHECK_EQ_U(terminate_users(client, org, first, 1), 0);
    unsigned long next = first + 1, made = 1;
    int failures = 0;
    for (unsigned long round = 0; round < rounds; round++) {
        int gate[2];
        CHECK(pipe(gate) == 0);
        pid_t children[CHILDREN];
        for (int c = 0; c < CHILDREN; c++) {
            pid_t pid = fork();
            CHECK(pid >= 0);
            if (pid == 0) {
                CHECK(close(gate[1]) == 0);
                wait_at_gate(gate[0]);
                int child_failures =
                    terminate_users(client, org, next + (unsigned long)(c + 1) * calls, calls);
                /* The child's copy of the client is freed like any other: this must not
                 * disturb the connections the parent still uses. */
                wxface_client_free(client);
                exit(child_failures > 100 ? 100 : child_failures);
            }
            children[c] = pid;
        }
        CHECK(close(gate[0]) == 0);
        CHECK(close(gate[1]) == 0); /* opens the gate */
        failures += terminate_users(client, org, next, calls);
        for (int c = 0; c < CHILDREN; c++) {
            int status = 0;
            CHECK(waitpid(children[c], &status, 0) == children[c]);
            CHECK(WIFEXITED(status));
            failures += WEXITSTATUS(status);
        }
        next += (CHILDREN + 1) * calls;
        made += (CHILDREN + 1) * calls;
    }
    wxface_client_free(client);
    printf("%lu calls, %d failed\n", made, failures);
    CHECK_EQ_U(failures, 0);
    return 0;
}
