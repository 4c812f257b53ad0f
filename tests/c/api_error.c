/* API errors: WeChat Pay answers non-2xx and every error accessor reports it.
 *
 * usage: api_error ORG TERMINATED_USER UNKNOWN_USER
 *   TERMINATED_USER is already terminated in the simulator (400 PARAM_ERROR), UNKNOWN_USER does
 *   not exist (404 NOT_FOUND). Also: an unknown organization, a 256-byte id (accepted, then 404),
 *   a wrong merchant serial (401 SIGN_ERROR), and the accessors on NULL.
 * usage: api_error --injected HTTP_STATUS API_CODE ORG USER
 *   The harness made the simulator answer HTTP_STATUS (fault status:N:json or status:N:html);
 *   API_CODE "" means an HTML page from a proxy: no code, no Request-ID, no detail.
 * Env: see support.h. */
#include "support.h"

/* Terminates org/user and checks the API error that comes back; returns it (caller frees). */
static wxface_error *expect_api_error(const wxface_client *client, const char *org,
                                      const char *user, unsigned http_status,
                                      const char *api_code) {
    wxface_error *err = NULL;
    CHECK_STATUS(wxface_terminate_contract(client, org, user, &err), WXFACE_ERR_API, err);
    CHECK_ERROR(err, WXFACE_ERR_API);
    CHECK_EQ_U(wxface_error_http_status(err), http_status);
    CHECK_STR_EQ(wxface_error_api_code(err), api_code);
    if (api_code[0] != '\0') {
        CHECK_STR_NONEMPTY(wxface_error_request_id(err));
    }
    const char *detail = wxface_error_detail_json(err);
    CHECK(detail != NULL);
    CHECK(detail[0] == '\0' || detail[0] == '{' || detail[0] == '[');
    /* Borrowed strings stay the same while the error lives. */
    CHECK(wxface_error_message(err) == wxface_error_message(err));
    return err;
}

/* A response the simulator was told to give (see usage). */
static void injected(const char *http_status, const char *api_code, const char *org,
                     const char *user) {
    wxface_client *client = client_from_sim_config();
    wxface_error *err =
        expect_api_error(client, org, user, (unsigned)strtoul(http_status, NULL, 10), api_code);
    if (api_code[0] == '\0') {
        CHECK_STR_EQ(wxface_error_request_id(err), "");
        CHECK_STR_EQ(wxface_error_detail_json(err), "");
    } else {
        CHECK_STR_CONTAINS(wxface_error_detail_json(err), "injected fault");
    }
    printf("%s: %s\n", wxface_status_str(wxface_error_status(err)), wxface_error_message(err));
    wxface_error_free(err);
    wxface_client_free(client);
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "--injected") == 0) {
        injected(argv[2], argv[3], argv[4], argv[5]);
        return 0;
    }
    if (argc != 4) {
        fprintf(stderr,
                "usage: %s ORG TERMINATED_USER UNKNOWN_USER\n"
                "       %s --injected HTTP_STATUS API_CODE ORG USER\n",
                argv[0], argv[0]);
        return 2;
    }
    const char *org = argv[1];
    wxface_client *client = client_from_sim_config();

    wxface_error *err = expect_api_error(client, org, argv[2], 400, "PARAM_ERROR");
    printf("terminated user: %s: %s (request id %s, detail %s)\n",
           wxface_status_str(wxface_error_status(err)), wxface_error_message(err),
           wxface_error_request_id(err), wxface_error_detail_json(err));
    wxface_error_free(err);

    /* Twice in a row: the request ids differ (each response has its own). */
    wxface_error *first = expect_api_error(client, org, argv[3], 404, "NOT_FOUND");
    wxface_error *second = expect_api_error(client, org, argv[3], 404, "NOT_FOUND");
    CHECK(strcmp(wxface_error_request_id(first), wxface_error_request_id(second)) != 0);
    wxface_error_free(first);
    wxface_error_free(second);

    wxface_error_free(expect_api_error(client, "NO_SUCH_ORGANIZATION", argv[2], 404, "NOT_FOUND"));

    /* The longest allowed id (256 bytes) is sent, and is unknown. */
    char long_id[257];
    memset(long_id, 'U', 256);
    long_id[256] = '\0';
    wxface_error_free(expect_api_error(client, org, long_id, 404, "NOT_FOUND"));
    wxface_client_free(client);

    /* A merchant serial the server does not know: 401 SIGN_ERROR, whose detail carries the
     * server's string-to-sign. */
    wxface_client *wrong_serial =
        build(builder_with_serial("0123456789ABCDEF0123456789ABCDEF01234567", 0));
    err = expect_api_error(wrong_serial, org, argv[3], 401, "SIGN_ERROR");
    CHECK_STR_CONTAINS(wxface_error_detail_json(err), "truncated_sign_message");
    wxface_error_free(err);
    wxface_client_free(wrong_serial);

    /* Accessors on NULL: no crash, never a NULL string. */
    CHECK_STATUS(wxface_error_status(NULL), WXFACE_ERR_INVALID_ARGUMENT, NULL);
    CHECK_STR_EQ(wxface_error_message(NULL), "");
    CHECK_EQ_U(wxface_error_http_status(NULL), 0);
    CHECK_STR_EQ(wxface_error_api_code(NULL), "");
    CHECK_STR_EQ(wxface_error_request_id(NULL), "");
    CHECK_STR_EQ(wxface_error_detail_json(NULL), "");
    return 0;
}
