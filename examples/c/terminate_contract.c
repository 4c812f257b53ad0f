/* Terminate the face-payment contract of one K12 user.
 *
 *   terminate_contract CONFIG.json ORGANIZATION_ID USER_ID
 *
 * CONFIG.json holds the client configuration (mchid, merchant_serial_no, private key, WeChat Pay
 * public key or platform certificates, ...; see the README).
 * Exit status: 0 terminated, 1 failed (details on stderr), 2 usage error. */
#include <stdio.h>

#include "wxface.h"

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s CONFIG.json ORGANIZATION_ID USER_ID\n", argv[0]);
        return 2;
    }
    const char *config_path = argv[1], *organization_id = argv[2], *user_id = argv[3];

    wxface_client *client = NULL;
    wxface_error *err = NULL; /* must be NULL before each call that may fill it */
    /* The library reads the file (relative key paths in it are relative to its folder). */
    wxface_status status = wxface_client_new_from_json_file(config_path, &client, &err);
    if (status == WXFACE_OK) {
        /* A client is thread-safe and reusable: real POS software keeps one for its lifetime. */
        status = wxface_terminate_contract(client, organization_id, user_id, &err);
        wxface_client_free(client);
    }

    if (status != WXFACE_OK) {
        /* Returned strings belong to err: never NULL, valid until wxface_error_free. */
        fprintf(stderr, "error: %s: %s\n", wxface_status_str(status), wxface_error_message(err));
        fprintf(stderr, "  http status: %u\n", (unsigned)wxface_error_http_status(err));
        fprintf(stderr, "  api code:    %s\n", wxface_error_api_code(err));
        fprintf(stderr, "  request id:  %s\n", wxface_error_request_id(err));
        fprintf(stderr, "  detail:      %s\n", wxface_error_detail_json(err));
        wxface_error_free(err);
        return 1;
    }

    printf("terminated: the contract of user %s in organization %s was terminated\n", user_id,
           organization_id);
    return 0;
}
