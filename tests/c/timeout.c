/* Timeout: the harness makes the simulator wait (fault delay:5000) before answering; clients with
 * a 1 s whole-request deadline give up in time with WXFACE_ERR_TIMEOUT.
 *
 * usage: timeout ORG USER_JSON USER_BUILDER     (users contracted) Env: see support.h. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "support.h"

static double now_seconds(void) {
    struct timespec ts;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void expect_timeout(const wxface_client *client, const char *org, const char *user) {
    wxface_error *err = NULL;
    double start = now_seconds();
    CHECK_STATUS(wxface_terminate_contract(client, org, user, &err), WXFACE_ERR_TIMEOUT, err);
    double elapsed = now_seconds() - start;
    CHECK_ERROR(err, WXFACE_ERR_TIMEOUT);
    CHECK_EQ_U(wxface_error_http_status(err), 0); /* no response arrived */
    printf("%s after %.2f s: %s\n", wxface_status_str(wxface_error_status(err)), elapsed,
           wxface_error_message(err));
    wxface_error_free(err);
    /* Not before the 1 s deadline, and well before the simulator's 5 s delay ends. */
    CHECK(elapsed >= 0.9);
    CHECK(elapsed < 4.0);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s ORG USER_JSON USER_BUILDER\n", argv[0]);
        return 2;
    }
    char *json = sim_config_json();
    char *short_deadline = json_with_member(json, "\"request_timeout_ms\":1000");
    wxface_client *from_json = client_from_json(short_deadline);
    free(short_deadline);
    free(json);
    expect_timeout(from_json, argv[1], argv[2]);
    wxface_client_free(from_json);

    wxface_client_builder *b = builder_from_env(0);
    wxface_error *err = NULL;
    CHECK_STATUS(wxface_client_builder_set_timeouts(b, 1000, 1000, &err), WXFACE_OK, err);
    wxface_client *from_builder = build(b);
    expect_timeout(from_builder, argv[1], argv[3]);
    wxface_client_free(from_builder);
    return 0;
}
