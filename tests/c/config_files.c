/* Files from C: a client from a JSON file whose key paths are relative to the file's folder
 * (the file starts with a UTF-8 BOM), and the errors of every file-taking function.
 *
 * Paths are UTF-8 on every platform: the keys lie in a folder named keys-密钥 beside the
 * JSON file, and the builder reads them by UTF-8 paths (on Windows the library opens them
 * through the UTF-16 API, whatever the ANSI code page).
 *
 * usage: config_files ORG USER CONFIG_FILE FOLDER
 * CONFIG_FILE: a client.json with a BOM and *_file paths relative to it, into keys-密钥/ (made
 * by the harness); FOLDER: any directory. USER must be contracted. Env: see support.h. */
#include "support.h"

/* The keys' folder beside CONFIG_FILE, "keys-密钥" in UTF-8 (tests/c_suite.rs makes it). */
#define UTF8_KEYS "keys-\xe5\xaf\x86\xe9\x92\xa5"

/* The path of name in the folder of file (whose folders are separated by '/'), malloc'd. */
static char *beside(const char *file, const char *name) {
    const char *slash = strrchr(file, '/');
    size_t folder_len = slash == NULL ? 0 : (size_t)(slash - file) + 1;
    char *path = malloc(folder_len + strlen(name) + 1);
    CHECK(path != NULL);
    memcpy(path, file, folder_len);
    strcpy(path + folder_len, name);
    return path;
}

/* The first PEM body line of the private key, to show that errors never quote it. */
static char *key_body_line(void) {
    char *pem = read_file(env_required("WXFACE_CFG_PRIVATE_KEY_FILE"), NULL);
    char *line = strchr(pem, '\n');
    CHECK(line != NULL);
    char *end = strchr(line + 1, '\n');
    CHECK(end != NULL);
    *end = '\0';
    memmove(pem, line + 1, (size_t)(end - line));
    return pem;
}

/* CONFIG_ERROR(call, says): call (which fills &err) fails with WXFACE_ERR_CONFIG, its message
 * contains says, and nothing was sent; err is freed and reset. */
#define CONFIG_ERROR(call, says)                                                                   \
    do {                                                                                           \
        wxface_status config_status_ = (call);                                                    \
        expect_config_error(config_status_, err, (says));                                          \
        err = NULL;                                                                                \
    } while (0)

static void expect_config_error(wxface_status status, wxface_error *err, const char *says) {
    CHECK_STATUS(status, WXFACE_ERR_CONFIG, err);
    CHECK_ERROR(err, WXFACE_ERR_CONFIG);
    CHECK_STR_CONTAINS(wxface_error_message(err), says);
    CHECK_EQ_U(wxface_error_request_sent(err), 0);
    wxface_error_free(err);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s ORG USER CONFIG_FILE FOLDER\n", argv[0]);
        return 2;
    }
    const char *org = argv[1], *user = argv[2], *config = argv[3], *folder = argv[4];
    wxface_client *client = NULL;
    wxface_error *err = NULL;

    /* Relative key paths resolve against the file's folder, not the working directory. */
    CHECK_STATUS(wxface_client_new_from_json_file(config, &client, &err), WXFACE_OK, err);
    CHECK_STATUS(wxface_terminate_contract(client, org, user, &err), WXFACE_OK, err);
    wxface_client_free(client);
    client = NULL;

    /* The builder's file setters take UTF-8 paths; a missing file is named as given. */
    wxface_client_builder *utf8 = wxface_client_builder_new();
    CHECK(utf8 != NULL);
    char *key_path = beside(config, UTF8_KEYS "/merchant_key.pem");
    char *ca_path = beside(config, UTF8_KEYS "/ca.pem");
    char *missing = beside(config, UTF8_KEYS "/\xe7\xbc\xba.pem"); /* 缺.pem */
    CHECK_STATUS(wxface_client_builder_set_private_key_file(utf8, key_path, &err), WXFACE_OK, err);
    CHECK_STATUS(wxface_client_builder_add_root_ca_file(utf8, ca_path, &err), WXFACE_OK, err);
    CONFIG_ERROR(wxface_client_builder_add_root_ca_file(utf8, missing, &err), missing);
    wxface_client_builder_free(utf8);
    free(key_path);
    free(ca_path);
    free(missing);

    /* NULLs are invalid arguments; nothing is written to client_out on failure. */
    CHECK_FAILS(wxface_client_new_from_json_file(NULL, &client, &err), WXFACE_ERR_INVALID_ARGUMENT,
                err);
    CHECK_FAILS(wxface_client_new_from_json_file(config, NULL, &err), WXFACE_ERR_INVALID_ARGUMENT,
                err);
    CHECK(client == NULL);

    /* Unreadable files are configuration errors that name the path and the problem. */
    CONFIG_ERROR(wxface_client_new_from_json_file("/nonexistent/wxface.json", &client, &err),
                 "/nonexistent/wxface.json");
    CONFIG_ERROR(wxface_client_new_from_json_file(folder, &client, &err),
                 "is a directory, not a regular file");
    CHECK(client == NULL);

    /* The builder's file setters: the same reader, the same errors. */
    char *body_line = key_body_line();
    char *pem = read_file(env_required("WXFACE_CFG_PRIVATE_KEY_FILE"), NULL);
    wxface_client_builder *b = wxface_client_builder_new();
    CHECK(b != NULL);
    CONFIG_ERROR(wxface_client_builder_add_wechatpay_public_key_file(b, "PUB_KEY_ID_1",
                                                                     "/nonexistent/k.pem", &err),
                 "wechatpay_public_key_file: cannot read /nonexistent/k.pem");
    CONFIG_ERROR(wxface_client_builder_add_platform_certificate_file(b, folder, &err),
                 "is a directory");
    CONFIG_ERROR(wxface_client_builder_add_root_ca_file(b, "/nonexistent/ca.pem", &err),
                 "root_ca_file: cannot read /nonexistent/ca.pem");
    const char *pem_as_path[] = {"private_key_file", "wechatpay_public_key_file",
                                 "platform_certificate_files", "root_ca_file"};
    for (size_t i = 0; i < sizeof pem_as_path / sizeof pem_as_path[0]; i++) {
        wxface_status st = WXFACE_OK;
        switch (i) {
        case 0: st = wxface_client_builder_set_private_key_file(b, pem, &err); break;
        case 1: st = wxface_client_builder_add_wechatpay_public_key_file(b, "PUB_KEY_ID_1", pem, &err); break;
        case 2: st = wxface_client_builder_add_platform_certificate_file(b, pem, &err); break;
        default: st = wxface_client_builder_add_root_ca_file(b, pem, &err); break;
        }
        CHECK_STATUS(st, WXFACE_ERR_CONFIG, err);
        CHECK_STR_CONTAINS(wxface_error_message(err), pem_as_path[i]);
        CHECK_STR_CONTAINS(wxface_error_message(err), "a PEM document, not a file path");
        CHECK(strstr(wxface_error_message(err), body_line) == NULL);
        wxface_error_free(err);
        err = NULL;
    }
    CHECK_FAILS(wxface_client_builder_add_root_ca_file(NULL, config, &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_add_root_ca_file(b, NULL, &err), WXFACE_ERR_INVALID_ARGUMENT,
                err);
    CHECK_FAILS(wxface_client_builder_add_platform_certificate_file(b, NULL, &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    CHECK_FAILS(wxface_client_builder_add_wechatpay_public_key_file(b, NULL, config, &err),
                WXFACE_ERR_INVALID_ARGUMENT, err);
    wxface_client_builder_free(b);
    free(pem);
    free(body_line);
    return 0;
}
