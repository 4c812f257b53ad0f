/* The C side of the wrapper benchmark (bench/src/wrappers.rs): terminate calls straight on
 * the C ABI, the baseline that the Python and PHP loops are compared with.
 *
 *   terminate_loop CONFIG.json ORGANIZATION_ID USER_ID
 *
 * Makes one client, prints "ready <description>", then for each line N read on stdin makes N
 * wxface_terminate_contract calls and prints the process CPU (user + system, getrusage) they
 * took, in µs. Client creation and start-up stay outside every figure. Exits at end of input;
 * any failed call stops it with the error on stderr (exit 1). */
#define _POSIX_C_SOURCE 200809L /* getrusage under -std=c11 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "wxface.h"

static double cpu_us(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 + usage.ru_utime.tv_usec +
           usage.ru_stime.tv_usec;
}

static int fail(wxface_status status, wxface_error *err) {
    fprintf(stderr, "terminate_loop: %s: %s\n", wxface_status_str(status),
            wxface_error_message(err));
    wxface_error_free(err);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s CONFIG.json ORGANIZATION_ID USER_ID\n", argv[0]);
        return 2;
    }
    const char *organization_id = argv[2], *user_id = argv[3];
    wxface_client *client = NULL;
    wxface_error *err = NULL;
    wxface_status status = wxface_client_new_from_json_file(argv[1], &client, &err);
    if (status != WXFACE_OK) {
        return fail(status, err);
    }
    printf("ready C, %s\n", wxface_version());
    fflush(stdout);

    char line[32];
    while (fgets(line, sizeof line, stdin) != NULL) {
        long calls = strtol(line, NULL, 10);
        double before = cpu_us();
        for (long i = 0; i < calls; i++) {
            status = wxface_terminate_contract(client, organization_id, user_id, &err);
            if (status != WXFACE_OK) {
                wxface_client_free(client);
                return fail(status, err);
            }
        }
        printf("%.0f\n", cpu_us() - before);
        fflush(stdout);
    }
    wxface_client_free(client);
    return 0;
}
