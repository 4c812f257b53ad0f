/* Shared helpers for the wxface C test programs: status checks, file reading, and clients made
 * from what the test harness (tests/c_suite.rs) passes in the environment:
 *
 *   WXFACE_SIM_CONFIG                     path of the simulator's client.json
 *   WXFACE_CFG_MCHID, WXFACE_CFG_MERCHANT_SERIAL_NO, WXFACE_CFG_PRIVATE_KEY_FILE,
 *   WXFACE_CFG_BASE_URL, WXFACE_CFG_ROOT_CA_FILE
 *   WXFACE_CFG_WECHATPAY_PUBLIC_KEY_ID + WXFACE_CFG_WECHATPAY_PUBLIC_KEY_FILE   (public-key mode)
 *   WXFACE_CFG_PLATFORM_CERTIFICATE_FILE                                        (certificate mode)
 *   WXFACE_ID_<NAME>                      the fixture's named ids (`wxface-sim --test-ids`), e.g.
 *                                         WXFACE_ID_ORGANIZATION_ID
 *
 * The WXFACE_CFG_* values are the members of client.json and the WXFACE_ID_* values the string
 * members of the test ids, so that C needs no JSON parser. */
#ifndef WXFACE_TESTS_SUPPORT_H
#define WXFACE_TESTS_SUPPORT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "wxface.h"

/* CHECK_STATUS(got, want, err): a wxface_status; on mismatch prints both names and err's message
 * (err is a wxface_error * or NULL). */
#define CHECK_STATUS(got, want, err)                                                               \
    do {                                                                                           \
        unsigned check_got_ = (unsigned)(got);                                                     \
        unsigned check_want_ = (unsigned)(want);                                                   \
        const wxface_error *check_err_ = (err);                                                    \
        if (check_got_ != check_want_) {                                                           \
            CHECK_FAIL_AT(__FILE__, __LINE__, "%s returned %u (%s), want %u (%s); error: %s",      \
                          #got, check_got_, wxface_status_str(check_got_), check_want_,            \
                          wxface_status_str(check_want_),                                          \
                          check_err_ ? wxface_error_message(check_err_) : "(no error object)");    \
        }                                                                                          \
    } while (0)

/* CHECK_ERROR(err, want): err is a non-NULL error of status want with a non-empty message. */
#define CHECK_ERROR(err, want)                                                                     \
    do {                                                                                           \
        CHECK((err) != NULL);                                                                      \
        CHECK_STATUS(wxface_error_status(err), (want), (err));                                     \
        CHECK_STR_NONEMPTY(wxface_error_message(err));                                             \
    } while (0)

/* CHECK_FAILS(call, want, err): call (which fills &err) returns want and leaves a matching error
 * in err, which is then freed and reset to NULL. */
#define CHECK_FAILS(call, want, err)                                                               \
    do {                                                                                           \
        CHECK((err) == NULL);                                                                      \
        CHECK_STATUS((call), (want), (err));                                                       \
        CHECK_ERROR((err), (want));                                                                \
        wxface_error_free(err);                                                                    \
        (err) = NULL;                                                                              \
    } while (0)

/* The i-th id that every path parameter must reject (WXFACE_ERR_INVALID_ARGUMENT, nothing
 * sent), or NULL past the last one. */
static inline const char *bad_id(size_t i) {
    static char too_long[258]; /* 257 bytes + NUL */
    memset(too_long, 'U', 257);
    too_long[257] = '\0';
    const char *ids[] = {
        "",          /* empty */
        ".",         /* dot segments */
        "..",
        "a/b",       /* the five forbidden characters */
        "a?b",
        "a%b",
        "a#b",
        "a\\b",
        too_long,    /* over 256 bytes */
        "\xc3\xa9l\xc3\xa8ve", /* non-ASCII (valid UTF-8) */
        "U\xff",     /* invalid UTF-8 */
        "a b",       /* space and control characters are not printable ASCII */
        "a\tb",
        "a\x7f",
    };
    return i < sizeof ids / sizeof ids[0] ? ids[i] : NULL;
}

/* The whole file as a NUL-terminated malloc'd buffer; *len_out (if not NULL) gets its length
 * without the NUL. Exits on failure. */
static inline char *read_file(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    CHECK(buf != NULL);
    for (;;) {
        if (len + 1 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            CHECK(buf != NULL);
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        if (n == 0) {
            break;
        }
        len += n;
    }
    CHECK(!ferror(f));
    fclose(f);
    buf[len] = '\0';
    if (len_out != NULL) {
        *len_out = len;
    }
    return buf;
}

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

/* getenv() in UTF-8. Windows keeps the environment in UTF-16, and getenv() converts it to the
 * ANSI code page, which cannot hold every value (the fixture's organization name is Chinese);
 * wxface takes UTF-8 strings, so the value is converted to that instead. The copy lives as
 * long as the program, like getenv()'s. */
static inline const char *getenv_utf8(const char *name) {
    wchar_t wide_name[128];
    CHECK(MultiByteToWideChar(CP_UTF8, 0, name, -1, wide_name, 128) > 0);
    DWORD wide_len = GetEnvironmentVariableW(wide_name, NULL, 0);
    if (wide_len == 0) {
        return NULL;
    }
    wchar_t *wide = malloc(wide_len * sizeof *wide);
    CHECK(wide != NULL);
    CHECK(GetEnvironmentVariableW(wide_name, wide, wide_len) == wide_len - 1);
    int len = WideCharToMultiByte(CP_UTF8, 0, wide, -1, NULL, 0, NULL, NULL);
    CHECK(len > 0);
    char *value = malloc((size_t)len);
    CHECK(value != NULL);
    CHECK(WideCharToMultiByte(CP_UTF8, 0, wide, -1, value, len, NULL, NULL) == len);
    free(wide);
    return value;
}
#else
static inline const char *getenv_utf8(const char *name) {
    return getenv(name);
}
#endif

static inline const char *env_required(const char *name) {
    const char *value = getenv_utf8(name);
    if (value == NULL || value[0] == '\0') {
        fprintf(stderr, "environment variable %s is not set (run this through tests/c_suite.rs)\n",
                name);
        exit(2);
    }
    return value;
}

/* The simulator's client.json as text (malloc'd), for tests that edit the document. */
static inline char *sim_config_json(void) {
    return read_file(env_required("WXFACE_SIM_CONFIG"), NULL);
}

/* json (a JSON object) with `member` (e.g. "\"request_timeout_ms\":1000") added as its last
 * member. Trivial text surgery: inserted before the last '}'. Returns a malloc'd string. */
static inline char *json_with_member(const char *json, const char *member) {
    const char *close = strrchr(json, '}');
    CHECK(close != NULL);
    size_t head = (size_t)(close - json);
    size_t total = strlen(json) + strlen(member) + 2;
    char *out = malloc(total);
    CHECK(out != NULL);
    memcpy(out, json, head);
    out[head] = '\0';
    strcat(out, ",");
    strcat(out, member);
    strcat(out, close);
    return out;
}

static inline wxface_client *client_from_json(const char *json) {
    wxface_client *client = NULL;
    wxface_error *err = NULL;
    CHECK_STATUS(wxface_client_new_from_json(json, &client, &err), WXFACE_OK, err);
    CHECK(err == NULL);
    CHECK(client != NULL);
    return client;
}

/* The client of the simulator's client.json, read by the library. */
static inline wxface_client *client_from_sim_config(void) {
    wxface_client *client = NULL;
    wxface_error *err = NULL;
    CHECK_STATUS(wxface_client_new_from_json_file(env_required("WXFACE_SIM_CONFIG"), &client, &err),
                 WXFACE_OK, err);
    CHECK(err == NULL);
    CHECK(client != NULL);
    return client;
}

/* A builder configured from WXFACE_CFG_*: merchant (serial_no overrides the merchant serial
 * when not NULL), then the private key, every verification key present in the environment and
 * the test root CA — each given by its file (the library reads it) or, when as_pem, read into
 * memory here and given as PEM — and the base URL. The caller may add more, then builds it. */
static inline wxface_client_builder *builder_with_serial(const char *serial_no, int as_pem) {
    wxface_error *err = NULL;
    wxface_client_builder *b = wxface_client_builder_new();
    CHECK(b != NULL);

    if (serial_no == NULL) {
        serial_no = env_required("WXFACE_CFG_MERCHANT_SERIAL_NO");
    }
    CHECK_STATUS(
        wxface_client_builder_set_merchant(b, env_required("WXFACE_CFG_MCHID"), serial_no, &err),
        WXFACE_OK, err);

    const char *key_file = env_required("WXFACE_CFG_PRIVATE_KEY_FILE");
    if (as_pem) {
        size_t len = 0;
        char *pem = read_file(key_file, &len);
        CHECK_STATUS(wxface_client_builder_set_private_key_pem(b, (const uint8_t *)pem, len, &err),
                     WXFACE_OK, err);
        free(pem);
    } else {
        CHECK_STATUS(wxface_client_builder_set_private_key_file(b, key_file, &err), WXFACE_OK, err);
    }

    int verification_keys = 0;
    const char *pub_id = getenv_utf8("WXFACE_CFG_WECHATPAY_PUBLIC_KEY_ID");
    const char *pub_file = getenv_utf8("WXFACE_CFG_WECHATPAY_PUBLIC_KEY_FILE");
    if (pub_id != NULL && pub_file != NULL) {
        if (as_pem) {
            size_t len = 0;
            char *pem = read_file(pub_file, &len);
            CHECK_STATUS(wxface_client_builder_add_wechatpay_public_key_pem(
                             b, pub_id, (const uint8_t *)pem, len, &err),
                         WXFACE_OK, err);
            free(pem);
        } else {
            CHECK_STATUS(
                wxface_client_builder_add_wechatpay_public_key_file(b, pub_id, pub_file, &err),
                WXFACE_OK, err);
        }
        verification_keys++;
    }
    const char *cert_file = getenv_utf8("WXFACE_CFG_PLATFORM_CERTIFICATE_FILE");
    if (cert_file != NULL) {
        if (as_pem) {
            size_t len = 0;
            char *pem = read_file(cert_file, &len);
            CHECK_STATUS(wxface_client_builder_add_platform_certificate_pem(
                             b, (const uint8_t *)pem, len, &err),
                         WXFACE_OK, err);
            free(pem);
        } else {
            CHECK_STATUS(wxface_client_builder_add_platform_certificate_file(b, cert_file, &err),
                         WXFACE_OK, err);
        }
        verification_keys++;
    }
    CHECK(verification_keys > 0);

    CHECK_STATUS(wxface_client_builder_set_base_url(b, env_required("WXFACE_CFG_BASE_URL"), &err),
                 WXFACE_OK, err);

    const char *ca_file = env_required("WXFACE_CFG_ROOT_CA_FILE");
    if (as_pem) {
        size_t ca_len = 0;
        char *ca = read_file(ca_file, &ca_len);
        CHECK_STATUS(wxface_client_builder_add_root_ca_pem(b, (const uint8_t *)ca, ca_len, &err),
                     WXFACE_OK, err);
        free(ca);
    } else {
        CHECK_STATUS(wxface_client_builder_add_root_ca_file(b, ca_file, &err), WXFACE_OK, err);
    }

    CHECK(err == NULL);
    return b;
}

static inline wxface_client_builder *builder_from_env(int as_pem) {
    return builder_with_serial(NULL, as_pem);
}

/* Builds b (consumed) and returns the client. */
static inline wxface_client *build(wxface_client_builder *b) {
    wxface_client *client = NULL;
    wxface_error *err = NULL;
    CHECK_STATUS(wxface_client_builder_build(b, &client, &err), WXFACE_OK, err);
    CHECK(err == NULL);
    CHECK(client != NULL);
    return client;
}

#endif
