/* A resolver that stops answering: each call still ends by its connect deadline, a client keeps
 * at most 4 lookups outstanding and then fails at once instead of piling up threads, an
 * IP-literal host needs no lookup and no thread, and the lookup threads end when the resolver
 * responses again.
 *
 * usage: dns_stall ORG USER      (USER contracted) Env: see support.h.
 * Linked with tests/c/shim/stall_dns.c, whose getaddrinfo() stalls until released. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "shim/stall_dns.h"
#include "support.h"

#define MAX_OUTSTANDING_LOOKUPS 4

static double now_seconds(void) {
    struct timespec ts;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One call that must fail with `want`; returns its duration, checks what it says. */
static double expect_failure(const wxface_client *client, const char *org, const char *user,
                             wxface_status want, const char *says) {
    wxface_error *err = NULL;
    double start = now_seconds();
    CHECK_STATUS(wxface_terminate_contract(client, org, user, &err), want, err);
    double elapsed = now_seconds() - start;
    CHECK_ERROR(err, want);
    CHECK_EQ_U(wxface_error_request_sent(err), 0);
    if (says != NULL) {
        CHECK_STR_CONTAINS(wxface_error_message(err), says);
    }
    printf("%s after %.3f s: %s\n", wxface_status_str(want), elapsed, wxface_error_message(err));
    wxface_error_free(err);
    return elapsed;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s ORG USER\n", argv[0]);
        return 2;
    }
    const char *org = argv[1];
    wxface_error *err = NULL;

    /* A host name that needs the (stalled) resolver; 200 ms to connect. */
    wxface_client_builder *b = builder_from_env(0);
    CHECK_STATUS(wxface_client_builder_set_base_url(b, "https://wxface-stall.invalid", &err),
                 WXFACE_OK, err);
    CHECK_STATUS(wxface_client_builder_set_timeouts(b, 200, 1000, &err), WXFACE_OK, err);
    wxface_client *stalled = build(b);

    for (int i = 1; i <= MAX_OUTSTANDING_LOOKUPS; i++) {
        double elapsed = expect_failure(stalled, org, "U0000000001", WXFACE_ERR_TIMEOUT, NULL);
        CHECK(elapsed >= 0.15 && elapsed < 0.9);
        CHECK_EQ_U(shim_lookups_started(), i);
    }
    for (int i = 0; i < 3; i++) {
        double elapsed = expect_failure(stalled, org, "U0000000001", WXFACE_ERR_NETWORK,
                                        "DNS lookups are not answering");
        CHECK(elapsed < 0.1);
    }
    CHECK_EQ_U(shim_lookups_started(), MAX_OUTSTANDING_LOOKUPS);
    CHECK(shim_threads_running() <= MAX_OUTSTANDING_LOOKUPS);

    /* The simulator's base URL is an IP literal: no lookup, no thread. */
    int threads_before = shim_threads_created();
    wxface_client *direct = client_from_sim_config();
    CHECK_STATUS(wxface_terminate_contract(direct, org, argv[2], &err), WXFACE_OK, err);
    CHECK_EQ_U(shim_threads_created(), threads_before);
    CHECK_EQ_U(shim_lookups_started(), MAX_OUTSTANDING_LOOKUPS);

    /* The resolver responses again: the stalled lookups end, their threads with them ... */
    shim_release_lookups();
    CHECK(shim_wait_threads_running(0, 5000));
    /* ... and the client looks up again (the response is a DNS failure, reported at once). */
    double elapsed = expect_failure(stalled, org, "U0000000001", WXFACE_ERR_NETWORK, "DNS");
    CHECK(elapsed < 0.5);
    CHECK_EQ_U(shim_lookups_started(), MAX_OUTSTANDING_LOOKUPS + 1);
    CHECK(shim_wait_threads_running(0, 5000));

    wxface_client_free(stalled);
    wxface_client_free(direct);
    return 0;
}
