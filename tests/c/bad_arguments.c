/* Bad arguments and identity functions. Every failing call here must be rejected before anything
 * is sent: the harness checks afterwards that the simulator received no request at all.
 *
 * usage: bad_arguments ORG USER     (a contracted user: calls with it must still send nothing)
 * Env: see support.h. */
#include <stdint.h>

#include "support.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static void check_identity(void) {
    CHECK_EQ_U(wxface_abi_version(), WXFACE_ABI_VERSION);
    CHECK_EQ_U(WXFACE_ABI_VERSION, 1);

    const char *version = wxface_version();
    CHECK(version != NULL);
    CHECK(strncmp(version, "wxface/", 7) == 0);
    CHECK_STR_CONTAINS(version, STR(WXFACE_VERSION_MAJOR) "." STR(WXFACE_VERSION_MINOR) "." STR(
                                    WXFACE_VERSION_PATCH));

    /* Status numbers are ABI. */
    CHECK_EQ_U(WXFACE_OK, 0);
    CHECK_EQ_U(WXFACE_ERR_INVALID_ARGUMENT, 1);
    CHECK_EQ_U(WXFACE_ERR_CONFIG, 2);
    CHECK_EQ_U(WXFACE_ERR_NETWORK, 3);
    CHECK_EQ_U(WXFACE_ERR_TIMEOUT, 4);
    CHECK_EQ_U(WXFACE_ERR_TLS, 5);
    CHECK_EQ_U(WXFACE_ERR_API, 6);
    CHECK_EQ_U(WXFACE_ERR_SIGNATURE, 7);
    CHECK_EQ_U(WXFACE_ERR_RESPONSE, 8);
    CHECK_EQ_U(WXFACE_ERR_INTERNAL, 9);

    /* Every status has its own name; anything else is "unknown status". */
    const char *names[10];
    for (uint32_t s = 0; s < 10; s++) {
        names[s] = wxface_status_str(s);
        CHECK_STR_NONEMPTY(names[s]);
        CHECK(strcmp(names[s], "unknown status") != 0);
        for (uint32_t t = 0; t < s; t++) {
            CHECK(strcmp(names[s], names[t]) != 0);
        }
    }
    CHECK_STR_EQ(wxface_status_str(10), "unknown status");
    CHECK_STR_EQ(wxface_status_str(1000), "unknown status");
    CHECK_STR_EQ(wxface_status_str(UINT32_MAX), "unknown status");
}

static void check_free_null(void) {
    wxface_client_free(NULL);
    wxface_client_builder_free(NULL);
    wxface_error_free(NULL);
}

/* A real error object, to pass as a non-NULL *err on entry. */
static wxface_error *prior_error(void) {
    wxface_client *client = NULL;
    wxface_error *err = NULL;
    CHECK_STATUS(wxface_client_new_from_json("{", &client, &err), WXFACE_ERR_CONFIG, err);
    CHECK_ERROR(err, WXFACE_ERR_CONFIG);
    CHECK(client == NULL);
    return err;
}

/* call(&e) with e == prior must return INVALID_ARGUMENT and leave e alone. */
#define CHECK_KEEPS_PRIOR(call_with_e, e, prior)                                                   \
    do {                                                                                           \
        (e) = (prior);                                                                             \
        CHECK_STATUS((call_with_e), WXFACE_ERR_INVALID_ARGUMENT, NULL);                            \
        CHECK((e) == (prior));                                                                     \
        CHECK_EQ_U(wxface_error_status(prior), WXFACE_ERR_CONFIG);                                 \
    } while (0)

static void check_terminate(const wxface_client *client, const char *org, const char *user) {
    wxface_error *err = NULL;
    CHECK_FAILS(wxface_terminate_contract(NULL, org, user, &err), WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_terminate_contract(client, NULL, user, &err), WXFACE_ERR_INVALID_ARGUMENT,
                err);
    CHECK_FAILS(wxface_terminate_contract(client, org, NULL, &err), WXFACE_ERR_INVALID_ARGUMENT,
                err);

    for (size_t i = 0; bad_id(i) != NULL; i++) {
        const char *id = bad_id(i);
        CHECK_STATUS(wxface_terminate_contract(client, org, id, &err), WXFACE_ERR_INVALID_ARGUMENT,
                     err);
        CHECK_ERROR(err, WXFACE_ERR_INVALID_ARGUMENT);
        CHECK_STR_CONTAINS(wxface_error_message(err), "user_id");
        CHECK_EQ_U(wxface_error_http_status(err), 0);
        CHECK_STR_EQ(wxface_error_api_code(err), "");
        CHECK_STR_EQ(wxface_error_request_id(err), "");
        CHECK_STR_EQ(wxface_error_detail_json(err), "");
        wxface_error_free(err);
        err = NULL;

        CHECK_STATUS(wxface_terminate_contract(client, id, user, &err),
                     WXFACE_ERR_INVALID_ARGUMENT, err);
        CHECK_ERROR(err, WXFACE_ERR_INVALID_ARGUMENT);
        CHECK_STR_CONTAINS(wxface_error_message(err), "organization_id");
        wxface_error_free(err);
        err = NULL;
    }

    /* Valid arguments, but a non-NULL *err on entry: a caller bug, nothing is sent. */
    wxface_error *prior = prior_error();
    wxface_error *e = NULL;
    CHECK_KEEPS_PRIOR(wxface_terminate_contract(client, org, user, &e), e, prior);
    wxface_error_free(prior);
}

static void check_new_from_json(const char *config) {
    wxface_client *const sentinel = (wxface_client *)&sentinel;
    wxface_client *client = sentinel;
    wxface_error *err = NULL;

    CHECK_FAILS(wxface_client_new_from_json(NULL, &client, &err), WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_new_from_json(config, NULL, &err), WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_new_from_json("{\"mchid\":\"\xff\"}", &client, &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);

    const char *not_configs[] = {"", "{", "[]", "null", "\"text\"", "{}", "{\"mchid\":1900000001}"};
    for (size_t i = 0; i < sizeof not_configs / sizeof not_configs[0]; i++) {
        CHECK_FAILS(wxface_client_new_from_json(not_configs[i], &client, &err), WXFACE_ERR_CONFIG,
                    err);
    }

    /* Messages name the offending key. */
    struct {
        const char *member;
        const char *key;
    } bad_members[] = {
        {"\"no_such_key\":1", "no_such_key"},
        {"\"connect_timeout_ms\":\"fast\"", "connect_timeout_ms"},
        {"\"request_timeout_ms\":-1", "request_timeout_ms"},
        {"\"proxy\":42", "proxy"},
        {"\"backup_base_url\":\"http://127.0.0.1:1\"", "backup_base_url"},
        {"\"platform_certificates_pem\":\"not an array\"", "platform_certificates_pem"},
    };
    for (size_t i = 0; i < sizeof bad_members / sizeof bad_members[0]; i++) {
        char *json = json_with_member(config, bad_members[i].member);
        CHECK_STATUS(wxface_client_new_from_json(json, &client, &err), WXFACE_ERR_CONFIG, err);
        CHECK_ERROR(err, WXFACE_ERR_CONFIG);
        CHECK_STR_CONTAINS(wxface_error_message(err), bad_members[i].key);
        wxface_error_free(err);
        err = NULL;
        free(json);
    }

    /* A second private key ("exactly one"): refused, and the key text is not echoed. */
    char *two_keys = json_with_member(
        config, "\"private_key_pem\":\"-----BEGIN PRIVATE KEY-----\\nSECRETMARKER\\n-----END "
                "PRIVATE KEY-----\\n\"");
    CHECK_STATUS(wxface_client_new_from_json(two_keys, &client, &err), WXFACE_ERR_CONFIG, err);
    CHECK_ERROR(err, WXFACE_ERR_CONFIG);
    CHECK(strstr(wxface_error_message(err), "SECRETMARKER") == NULL);
    wxface_error_free(err);
    err = NULL;
    free(two_keys);

    /* Out-parameters are written only on success. */
    CHECK(client == sentinel);

    /* Valid JSON, but a non-NULL *err on entry. */
    wxface_error *prior = prior_error();
    wxface_error *e = NULL;
    CHECK_KEEPS_PRIOR(wxface_client_new_from_json(config, &client, &e), e, prior);
    CHECK(client == sentinel);
    wxface_error_free(prior);
}

static void check_builder_null(void) {
    static const uint8_t pem[] = "-----BEGIN PUBLIC KEY-----\n";
    const size_t len = sizeof pem - 1;
    wxface_error *err = NULL;
    wxface_client *client = NULL;

    CHECK_FAILS(wxface_client_builder_set_merchant(NULL, "1900000001", "ABC", &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_set_private_key_pem(NULL, pem, len, &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_set_private_key_file(NULL, "/nonexistent", &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_add_wechatpay_public_key_pem(NULL, "PUB_KEY_ID_1", pem, len,
                                                                   &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_add_platform_certificate_pem(NULL, pem, len, &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_set_base_url(NULL, "https://127.0.0.1:1", &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_set_backup_base_url(NULL, "https://127.0.0.1:1", &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_add_root_ca_pem(NULL, pem, len, &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_set_timeouts(NULL, 1000, 1000, &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_set_proxy(NULL, "http://127.0.0.1:1", &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_build(NULL, &client, &err), WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK(client == NULL);

    /* NULL required arguments on a live builder; the builder stays usable. */
    wxface_client_builder *b = wxface_client_builder_new();
    CHECK(b != NULL);
    CHECK_FAILS(wxface_client_builder_set_merchant(b, NULL, "ABC", &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_set_merchant(b, "1900000001", NULL, &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_set_private_key_pem(b, NULL, len, &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_set_private_key_file(b, NULL, &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_add_wechatpay_public_key_pem(b, NULL, pem, len, &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_add_wechatpay_public_key_pem(b, "PUB_KEY_ID_1", NULL, len,
                                                                   &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_add_platform_certificate_pem(b, NULL, len, &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_set_base_url(b, NULL, &err), WXFACE_ERR_INVALID_ARGUMENT,
                err);
    CHECK_FAILS(wxface_client_builder_add_root_ca_pem(b, NULL, len, &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);

    /* A non-NULL *err on entry leaves it alone and the builder alive. */
    wxface_error *prior = prior_error();
    wxface_error *e = NULL;
    CHECK_KEEPS_PRIOR(wxface_client_builder_set_merchant(b, "1900000001", "ABC", &e), e, prior);
    CHECK_KEEPS_PRIOR(wxface_client_builder_set_timeouts(b, 1000, 1000, &e), e, prior);
    CHECK_KEEPS_PRIOR(wxface_client_builder_set_base_url(b, "https://127.0.0.1:1", &e), e, prior);
    wxface_client_builder_free(b); /* never built: freed by the caller */

    /* build consumes the builder whatever the outcome (valgrind sees any leak). */
    b = wxface_client_builder_new();
    CHECK(b != NULL);
    CHECK_KEEPS_PRIOR(wxface_client_builder_build(b, &client, &e), e, prior);
    CHECK(client == NULL);
    wxface_error_free(prior);

    b = wxface_client_builder_new();
    CHECK(b != NULL);
    CHECK_FAILS(wxface_client_builder_build(b, NULL, &err), WXFACE_ERR_INVALID_ARGUMENT, err);

    b = wxface_client_builder_new();
    CHECK(b != NULL);
    CHECK_FAILS(wxface_client_builder_build(b, &client, &err), WXFACE_ERR_CONFIG, err);
    CHECK(client == NULL);
}

/* A bad value is refused with WXFACE_ERR_CONFIG by the setter or, at the latest, by build.
 * Either way the message does not repeat key material. b is consumed. */
static void check_refused_by_setter_or_build(wxface_client_builder *b, wxface_status setter_status,
                                             wxface_error *setter_err, const char *line) {
    wxface_client *const sentinel = (wxface_client *)&sentinel;
    wxface_client *client = sentinel;
    if (setter_status != WXFACE_OK) {
        if (setter_status != WXFACE_ERR_CONFIG) {
            fprintf(stderr, "%s: setter returned %s\n", line, wxface_status_str(setter_status));
        }
        CHECK_STATUS(setter_status, WXFACE_ERR_CONFIG, setter_err);
        CHECK_ERROR(setter_err, WXFACE_ERR_CONFIG);
        CHECK(strstr(wxface_error_message(setter_err), "SECRETMARKER") == NULL);
        wxface_error_free(setter_err);
        wxface_client_builder_free(b);
        return;
    }
    CHECK(setter_err == NULL);
    wxface_error *err = NULL;
    wxface_status st = wxface_client_builder_build(b, &client, &err);
    if (st != WXFACE_ERR_CONFIG) {
        fprintf(stderr, "%s: build returned %s\n", line, wxface_status_str(st));
    }
    CHECK_STATUS(st, WXFACE_ERR_CONFIG, err);
    CHECK_ERROR(err, WXFACE_ERR_CONFIG);
    CHECK(strstr(wxface_error_message(err), "SECRETMARKER") == NULL);
    CHECK(client == sentinel);
    wxface_error_free(err);
}

#define REFUSED(setter_call_with_b_err)                                                            \
    do {                                                                                           \
        wxface_client_builder *b = builder_from_env(0);                                            \
        wxface_error *err = NULL;                                                                  \
        wxface_status st = (setter_call_with_b_err);                                               \
        check_refused_by_setter_or_build(b, st, err, #setter_call_with_b_err);                     \
    } while (0)

static void check_builder_bad_values(void) {
    static const uint8_t junk[] =
        "-----BEGIN PRIVATE KEY-----\nSECRETMARKER\n-----END PRIVATE KEY-----\n";
    const size_t junk_len = sizeof junk - 1;
    REFUSED(wxface_client_builder_set_base_url(b, "http://127.0.0.1:1", &err));
    REFUSED(wxface_client_builder_set_base_url(b, "not a url", &err));
    REFUSED(wxface_client_builder_set_backup_base_url(b, "http://127.0.0.1:1", &err));
    REFUSED(wxface_client_builder_set_proxy(b, "not a url", &err));
    REFUSED(wxface_client_builder_set_private_key_file(b, "/nonexistent/apiclient_key.pem", &err));
    REFUSED(wxface_client_builder_set_private_key_pem(b, junk, junk_len, &err));
    REFUSED(wxface_client_builder_add_wechatpay_public_key_pem(b, "PUB_KEY_ID_1", junk, junk_len,
                                                               &err));
    REFUSED(wxface_client_builder_add_platform_certificate_pem(b, junk, junk_len, &err));
    REFUSED(wxface_client_builder_add_root_ca_pem(b, junk, junk_len, &err));
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s ORG USER\n", argv[0]);
        return 2;
    }
    check_identity();
    check_free_null();

    char *config = sim_config_json();
    wxface_client *client = client_from_json(config);
    check_terminate(client, argv[1], argv[2]);
    wxface_client_free(client);

    check_new_from_json(config);
    free(config);

    check_builder_null();
    check_builder_bad_values();
    return 0;
}
