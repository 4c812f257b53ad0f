/* err == NULL everywhere: failing calls still return the right status, allocate nothing the
 * caller could not free (valgrind checks), and crash nowhere.
 *
 * usage: null_err ORG TERMINATED_USER UNKNOWN_USER CONTRACTED_USER   Env: see support.h. */
#include "support.h"

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s ORG TERMINATED_USER UNKNOWN_USER CONTRACTED_USER\n", argv[0]);
        return 2;
    }
    const char *org = argv[1];
    static const uint8_t junk[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    char *config = sim_config_json();
    wxface_client *client = NULL;

    /* configuration */
    CHECK_STATUS(wxface_client_new_from_json(NULL, &client, NULL), WXFACE_ERR_INVALID_ARGUMENT,
                 NULL);
    CHECK_STATUS(wxface_client_new_from_json(config, NULL, NULL), WXFACE_ERR_INVALID_ARGUMENT,
                 NULL);
    CHECK_STATUS(wxface_client_new_from_json("{", &client, NULL), WXFACE_ERR_CONFIG, NULL);
    char *unknown_key = json_with_member(config, "\"no_such_key\":1");
    CHECK_STATUS(wxface_client_new_from_json(unknown_key, &client, NULL), WXFACE_ERR_CONFIG, NULL);
    free(unknown_key);
    CHECK(client == NULL);

    /* builder */
    CHECK_STATUS(wxface_client_builder_set_merchant(NULL, "1", "2", NULL),
                 WXFACE_ERR_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(wxface_client_builder_build(NULL, &client, NULL), WXFACE_ERR_INVALID_ARGUMENT,
                 NULL);
    wxface_client_builder *b = wxface_client_builder_new();
    CHECK(b != NULL);
    CHECK_STATUS(wxface_client_builder_set_merchant(b, NULL, "2", NULL),
                 WXFACE_ERR_INVALID_ARGUMENT, NULL);
    wxface_status st = wxface_client_builder_set_private_key_pem(b, junk, sizeof junk - 1, NULL);
    CHECK(st == WXFACE_OK || st == WXFACE_ERR_CONFIG);
    CHECK_STATUS(wxface_client_builder_build(b, &client, NULL), WXFACE_ERR_CONFIG, NULL);
    b = wxface_client_builder_new();
    CHECK(b != NULL);
    CHECK_STATUS(wxface_client_builder_build(b, NULL, NULL), WXFACE_ERR_INVALID_ARGUMENT, NULL);
    CHECK(client == NULL);

    /* terminate: bad arguments */
    client = client_from_json(config);
    free(config);
    CHECK_STATUS(wxface_terminate_contract(NULL, org, argv[4], NULL), WXFACE_ERR_INVALID_ARGUMENT,
                 NULL);
    CHECK_STATUS(wxface_terminate_contract(client, NULL, argv[4], NULL),
                 WXFACE_ERR_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(wxface_terminate_contract(client, org, NULL, NULL), WXFACE_ERR_INVALID_ARGUMENT,
                 NULL);
    for (size_t i = 0; bad_id(i) != NULL; i++) {
        CHECK_STATUS(wxface_terminate_contract(client, org, bad_id(i), NULL),
                     WXFACE_ERR_INVALID_ARGUMENT, NULL);
        CHECK_STATUS(wxface_terminate_contract(client, bad_id(i), argv[4], NULL),
                     WXFACE_ERR_INVALID_ARGUMENT, NULL);
    }

    /* terminate: API errors, then success */
    CHECK_STATUS(wxface_terminate_contract(client, org, argv[2], NULL), WXFACE_ERR_API, NULL);
    CHECK_STATUS(wxface_terminate_contract(client, org, argv[3], NULL), WXFACE_ERR_API, NULL);
    CHECK_STATUS(wxface_terminate_contract(client, org, argv[4], NULL), WXFACE_OK, NULL);
    CHECK_STATUS(wxface_terminate_contract(client, org, argv[4], NULL), WXFACE_ERR_API, NULL);
    wxface_client_free(client);
    return 0;
}
