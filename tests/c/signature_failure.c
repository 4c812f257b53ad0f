/* Signature failure: the simulator (fault set by the harness: bad_signature, probe_signature,
 * missing_header:..., unknown_serial, timestamp_offset:-400) answers 2xx with a response that
 * must not be trusted.
 *
 * usage: signature_failure ORG USER     (USER contracted) Env: see support.h. */
#include "support.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s ORG USER\n", argv[0]);
        return 2;
    }
    wxface_client *client = client_from_sim_config();

    wxface_error *err = NULL;
    CHECK_STATUS(wxface_terminate_contract(client, argv[1], argv[2], &err), WXFACE_ERR_SIGNATURE,
                 err);
    CHECK_ERROR(err, WXFACE_ERR_SIGNATURE);
    /* A response arrived: its status and Request-ID are kept for support. */
    CHECK(wxface_error_http_status(err) >= 200 && wxface_error_http_status(err) <= 299);
    CHECK_STR_NONEMPTY(wxface_error_request_id(err));
    CHECK_STR_EQ(wxface_error_api_code(err), "");
    printf("%s: %s\n", wxface_status_str(wxface_error_status(err)), wxface_error_message(err));
    wxface_error_free(err);

    wxface_client_free(client);
    return 0;
}
