/* The C row of the cold-start benchmark (bench/src/cold.rs): a process that makes one call,
 * as a short-lived program on a POS terminal or a cron job does. Linked against libwxface.so,
 * so the dynamic loader's work on the library counts too.
 *
 *   cold_call CONFIG.json ORGANIZATION_ID USER_ID
 *
 * Creates a client from the JSON file, makes one wxface_terminate_contract call, frees the
 * client and exits 0; any failure is reported on stderr (exit 1). Prints nothing else: the
 * benchmark measures the whole process from the outside (wait4). */
#include <stdio.h>

#include "wxface.h"

static int fail(const char *what, wxface_status status, wxface_error *err) {
    fprintf(stderr, "cold_call: %s: %s: %s\n", what, wxface_status_str(status),
            wxface_error_message(err));
    wxface_error_free(err);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s CONFIG.json ORGANIZATION_ID USER_ID\n", argv[0]);
        return 2;
    }
    wxface_client *client = NULL;
    wxface_error *err = NULL;
    wxface_status status = wxface_client_new_from_json_file(argv[1], &client, &err);
    if (status != WXFACE_OK) {
        return fail("client", status, err);
    }
    status = wxface_terminate_contract(client, argv[2], argv[3], &err);
    wxface_client_free(client);
    if (status != WXFACE_OK) {
        return fail("terminate_contract", status, err);
    }
    return 0;
}
