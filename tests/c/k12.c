/* The K12 operations through the C ABI: each of the 13 and the generic wxface_request, run from
 * one table; every answer read with wxface_response_get/_has/_http_status/_request_id/_body;
 * the JSON pointer rules; invalid arguments (the right status, no response, nothing sent) and
 * an API error.
 *
 * usage: k12 OUT_USER USER CONTRACT OTHER_USER TRADE_NO
 *   OUT_USER, USER, CONTRACT: one contracted user of the fixture's organization (out_user_id,
 *   use_id, contract_id); OTHER_USER: another contracted user (use_id), terminated without
 *   asking for the response; TRADE_NO: an out_trade_no not used yet.
 * Prints "k12: N requests sent" (the harness compares N with what the simulator received).
 * Env: see support.h; the fixture's named ids come as WXFACE_ID_<NAME> (wxface-sim --test-ids). */
#include <stdint.h>

#include "support.h"

/* The ids every call uses (from the environment and argv). */
static struct {
    const char *org, *org_name, *encoded_org, *out_user, *user, *contract, *other_user, *trade_no;
    const char *debt_out_user, *unknown_out_user, *collection;
} ids;

/* JSON arguments and targets; all but the first are made from the ids (FORMAT). */
static const char changes_json[] =
    "{\"user_name\":\"张三\",\"phone\":\"13800138000\",\"student_info\":{\"class_name\":"
    "\"四年级1班\"}}";
static char authinfo_json[512], presign_json[1024], deduction_json[1024];
static char user_target[256], organization_target[256], repayment_json[256];

/* snprintf into a char array, which must hold the whole text. */
#define FORMAT(buf, ...) CHECK(snprintf((buf), sizeof(buf), __VA_ARGS__) < (int)sizeof(buf))

/* Requests that reached the simulator (every call made with valid arguments). */
static unsigned sent;

/* ---------------------------------------------------------------------------------------------
 * One function per row of the table: the operation with its arguments.
 * ------------------------------------------------------------------------------------------- */

typedef wxface_status (*operation)(const wxface_client *c, wxface_response **r, wxface_error **e);

static wxface_status query_organization_by_name(const wxface_client *c, wxface_response **r,
                                                wxface_error **e) {
    return wxface_query_organization(c, NULL, ids.org_name, r, e);
}

static wxface_status query_organization_by_id(const wxface_client *c, wxface_response **r,
                                              wxface_error **e) {
    return wxface_query_organization(c, ids.encoded_org, NULL, r, e);
}

static wxface_status create_auth_token(const wxface_client *c, wxface_response **r,
                                       wxface_error **e) {
    return wxface_create_auth_token(c, ids.org, ids.out_user, NULL, r, e);
}

static wxface_status query_user(const wxface_client *c, wxface_response **r, wxface_error **e) {
    return wxface_query_user(c, ids.org, ids.out_user, r, e);
}

static wxface_status update_user(const wxface_client *c, wxface_response **r, wxface_error **e) {
    return wxface_update_user(c, ids.org, ids.out_user, changes_json, r, e);
}

static wxface_status get_authinfo(const wxface_client *c, wxface_response **r, wxface_error **e) {
    return wxface_get_authinfo(c, authinfo_json, r, e);
}

static wxface_status presign_contract(const wxface_client *c, wxface_response **r,
                                      wxface_error **e) {
    return wxface_presign_contract(c, presign_json, r, e);
}

static wxface_status query_contract(const wxface_client *c, wxface_response **r,
                                    wxface_error **e) {
    return wxface_query_contract(c, ids.contract, "wxsp0000000001", r, e);
}

static wxface_status list_face_collections(const wxface_client *c, wxface_response **r,
                                           wxface_error **e) {
    return wxface_list_face_collections(c, ids.org, 1, 1, r, e); /* the second one only */
}

static wxface_status query_face_collection(const wxface_client *c, wxface_response **r,
                                           wxface_error **e) {
    return wxface_query_face_collection(c, ids.collection, r, e);
}

static wxface_status apply_deduction(const wxface_client *c, wxface_response **r,
                                     wxface_error **e) {
    return wxface_apply_deduction(c, deduction_json, r, e);
}

static wxface_status query_deduction(const wxface_client *c, wxface_response **r,
                                     wxface_error **e) {
    return wxface_query_deduction(c, ids.trade_no, "1900000001", "1900000109", "2", r, e);
}

static wxface_status get_repayment_url(const wxface_client *c, wxface_response **r,
                                       wxface_error **e) {
    return wxface_get_repayment_url(c, ids.org, ids.debt_out_user, r, e);
}

static wxface_status terminate_contract(const wxface_client *c, wxface_response **r,
                                        wxface_error **e) {
    return wxface_terminate_contract_with_response(c, ids.org, ids.user, r, e);
}

static wxface_status request_get(const wxface_client *c, wxface_response **r, wxface_error **e) {
    return wxface_request(c, "GET", organization_target, NULL, NULL, r, e);
}

static wxface_status request_post(const wxface_client *c, wxface_response **r, wxface_error **e) {
    return wxface_request(c, "POST", "/v3/offlineface/repayment-url", repayment_json, NULL, r, e);
}

static wxface_status request_patch_encrypted(const wxface_client *c, wxface_response **r,
                                             wxface_error **e) {
    return wxface_request(c, "PATCH", user_target, "{\"phone\":\"13900139000\"}", "[\"/phone\"]",
                          r, e);
}

/* ---------------------------------------------------------------------------------------------
 * The table and its checks
 * ------------------------------------------------------------------------------------------- */

/* A value an answer must hold: want NULL means present and not "", ABSENT means absent. */
static const char ABSENT[] = "(absent)";
struct field {
    const char *pointer;
    const char *want;
};

struct row {
    const char *name;
    operation call;
    unsigned http_status;
    struct field fields[6]; /* up to the first with pointer NULL */
};

static void check_field(const char *name, const wxface_response *r, struct field f) {
    const char *got = wxface_response_get(r, f.pointer);
    CHECK(got != NULL);
    if (f.want == ABSENT) {
        if (wxface_response_has(r, f.pointer) != 0 || got[0] != '\0') {
            CHECK_FAIL_AT(__FILE__, __LINE__, "%s: %s is present (\"%s\")", name, f.pointer, got);
        }
        return;
    }
    if (wxface_response_has(r, f.pointer) != 1) {
        CHECK_FAIL_AT(__FILE__, __LINE__, "%s: %s is absent in %s", name, f.pointer,
                      wxface_response_body(r));
    }
    if (f.want == NULL && got[0] == '\0') {
        CHECK_FAIL_AT(__FILE__, __LINE__, "%s: %s is \"\", want a value", name, f.pointer);
    }
    if (f.want != NULL && strcmp(got, f.want) != 0) {
        CHECK_FAIL_AT(__FILE__, __LINE__, "%s: %s is \"%s\", want \"%s\"", name, f.pointer, got,
                      f.want);
    }
}

static void run_row(const wxface_client *client, const struct row *row) {
    wxface_response *r = NULL;
    wxface_error *err = NULL;
    wxface_status status = row->call(client, &r, &err);
    sent++;
    if (status != WXFACE_OK) {
        CHECK_FAIL_AT(__FILE__, __LINE__, "%s returned %s: %s", row->name,
                      wxface_status_str(status), err ? wxface_error_message(err) : "(no error)");
    }
    CHECK(err == NULL);
    CHECK(r != NULL);
    CHECK_EQ_U(wxface_response_http_status(r), row->http_status);
    CHECK_STR_NONEMPTY(wxface_response_request_id(r));
    const char *body = wxface_response_body(r);
    if (row->http_status == 204) {
        CHECK_STR_EQ(body, "");
        CHECK_EQ_U(wxface_response_has(r, ""), 0); /* an empty body has no values at all */
        CHECK_STR_EQ(wxface_response_get(r, ""), "");
    } else {
        CHECK(body != NULL && body[0] == '{');
        CHECK_EQ_U(wxface_response_has(r, ""), 1);
        CHECK_STR_EQ(wxface_response_get(r, ""), body); /* the simulator answers compact JSON */
    }
    for (size_t i = 0; i < sizeof row->fields / sizeof row->fields[0] && row->fields[i].pointer;
         i++) {
        check_field(row->name, r, row->fields[i]);
    }
    wxface_response_free(r);
}

/* The pointer rules of c-api.md on one answer of query user (a JSON object with a nested
 * object and a boolean). */
static void check_pointer_rules(const wxface_client *client) {
    wxface_response *r = NULL;
    wxface_error *err = NULL;
    CHECK_STATUS(wxface_query_user(client, ids.org, ids.out_user, &r, &err), WXFACE_OK, err);
    sent++;

    /* Strings without quotes, a boolean and an object as compact JSON text. */
    const char *use_id = wxface_response_get(r, "/use_id");
    CHECK_STR_EQ(use_id, ids.user);
    CHECK_STR_EQ(wxface_response_get(r, "/face_image_ok"), "true");
    char object[256];
    snprintf(object, sizeof object, "{\"class_name\":\"%s\"}",
             wxface_response_get(r, "/student_info/class_name"));
    CHECK_STR_EQ(wxface_response_get(r, "/student_info"), object);
    /* The same pointer again gives the same string, and earlier strings stay valid. */
    CHECK(wxface_response_get(r, "/use_id") == use_id);
    CHECK_STR_EQ(use_id, ids.user);

    /* No match, ill-formed pointers and NULL: "" and has 0. */
    const char *nothing[] = {"/nope", "/use_id/x", "use_id", "/student_info/~2", "#/use_id"};
    for (size_t i = 0; i < sizeof nothing / sizeof nothing[0]; i++) {
        CHECK_STR_EQ(wxface_response_get(r, nothing[i]), "");
        CHECK_EQ_U(wxface_response_has(r, nothing[i]), 0);
    }
    CHECK_STR_EQ(wxface_response_get(r, NULL), "");
    CHECK_EQ_U(wxface_response_has(r, NULL), 0);
    wxface_response_free(r);

    /* Array indexes: digits without a leading zero. */
    r = NULL;
    CHECK_STATUS(wxface_list_face_collections(client, ids.org, 0, 0, &r, &err), WXFACE_OK, err);
    sent++;
    CHECK_EQ_U(wxface_response_has(r, "/face_collections/0/collection_id"), 1);
    CHECK_STR_EQ(wxface_response_get(r, "/face_collections/2/collection_id"), ids.collection);
    CHECK_EQ_U(wxface_response_has(r, "/face_collections/02"), 0);
    CHECK_EQ_U(wxface_response_has(r, "/face_collections/-"), 0);
    CHECK_EQ_U(wxface_response_has(r, "/face_collections/3"), 0);
    wxface_response_free(r);

    /* NULL response: every accessor answers its empty value. */
    CHECK_EQ_U(wxface_response_http_status(NULL), 0);
    CHECK_STR_EQ(wxface_response_request_id(NULL), "");
    CHECK_STR_EQ(wxface_response_body(NULL), "");
    CHECK_STR_EQ(wxface_response_get(NULL, "/use_id"), "");
    CHECK_EQ_U(wxface_response_has(NULL, ""), 0);
    wxface_response_free(NULL);
}

/* The answers without data may be left unread: response_out NULL. */
static void check_204_without_response(const wxface_client *client) {
    wxface_error *err = NULL;
    CHECK_STATUS(
        wxface_terminate_contract_with_response(client, ids.org, ids.other_user, NULL, &err),
        WXFACE_OK, err);
    CHECK_STATUS(wxface_update_user(client, ids.org, ids.out_user, "{\"status\":\"NORMAL\"}", NULL,
                                    &err),
                 WXFACE_OK, err);
    CHECK(err == NULL);
    sent += 2;
}

/* ---------------------------------------------------------------------------------------------
 * Invalid arguments: the right status, no response, nothing sent
 * ------------------------------------------------------------------------------------------- */

/* Each refused call, with the text its message must contain. */
static void check_invalid_arguments(const wxface_client *client) {
    static char too_long[258];
    memset(too_long, 'x', 257);
    const char *org = ids.org, *out = ids.out_user;
    wxface_response *r = NULL;
    wxface_error *err = NULL;
#define REFUSED(says, call)                                                                        \
    do {                                                                                           \
        r = NULL;                                                                                  \
        CHECK_STATUS((call), WXFACE_ERR_INVALID_ARGUMENT, err);                                    \
        CHECK(r == NULL);                                                                          \
        CHECK_ERROR(err, WXFACE_ERR_INVALID_ARGUMENT);                                             \
        CHECK_STR_CONTAINS(wxface_error_message(err), (says));                                     \
        CHECK_EQ_U(wxface_error_request_sent(err), 0);                                             \
        wxface_error_free(err);                                                                    \
        err = NULL;                                                                                \
    } while (0)

    /* NULL where a value is required: the client, a string, the response slot. */
    REFUSED("client is NULL", wxface_query_user(NULL, org, out, &r, &err));
    REFUSED("organization_id is NULL", wxface_query_user(client, NULL, out, &r, &err));
    REFUSED("response_out is NULL", wxface_query_user(client, org, out, NULL, &err));
    REFUSED("response_out is NULL", wxface_get_repayment_url(client, org, out, NULL, &err));
    REFUSED("request_json is NULL", wxface_apply_deduction(client, NULL, &r, &err));
    REFUSED("changes_json is NULL", wxface_update_user(client, org, out, NULL, &r, &err));
    REFUSED("sub_mchid is NULL",
            wxface_query_deduction(client, "T-1", "1900000001", NULL, "2", &r, &err));
    REFUSED("method is NULL", wxface_request(client, NULL, "/v3/x", NULL, NULL, &r, &err));

    /* 1: exactly one of id and name; query values 1 to 256 bytes. */
    REFUSED("exactly one", wxface_query_organization(client, NULL, NULL, &r, &err));
    REFUSED("exactly one", wxface_query_organization(client, org, ids.org_name, &r, &err));
    REFUSED("organization_name: must not be empty",
            wxface_query_organization(client, NULL, "", &r, &err));
    REFUSED("organization_id: is 257 bytes",
            wxface_query_organization(client, too_long, NULL, &r, &err));
    /* Path ids. */
    REFUSED("out_user_id: character '/'", wxface_query_user(client, org, "a/b", &r, &err));
    REFUSED("user_id: \"..\"",
            wxface_terminate_contract_with_response(client, org, "..", &r, &err));
    REFUSED("contract_id", wxface_query_contract(client, "CT 1", NULL, &r, &err));
    REFUSED("appid: must not be empty", wxface_query_contract(client, ids.contract, "", &r, &err));
    REFUSED("collection_id", wxface_query_face_collection(client, "50%", &r, &err));
    REFUSED("out_trade_no", wxface_query_deduction(client, "T#1", "1900000001", "1900000109", "2",
                                                   &r, &err));
    REFUSED("organization_id", wxface_list_face_collections(client, "", 0, 0, &r, &err));
    REFUSED("scene", wxface_create_auth_token(client, org, out, "", &r, &err));
    REFUSED("out_user_id", wxface_get_repayment_url(client, org, "", &r, &err));
    /* JSON arguments: one object, known fields of the right type. */
    REFUSED("changes_json is not valid JSON", wxface_update_user(client, org, out, "{", &r, &err));
    REFUSED("at least one field", wxface_update_user(client, org, out, "{}", &r, &err));
    REFUSED("unknown field \"use_id\"",
            wxface_update_user(client, org, out, "{\"use_id\":\"U1\"}", &r, &err));
    REFUSED("phone must be a string",
            wxface_update_user(client, org, out, "{\"phone\":1}", &r, &err));
    REFUSED("one JSON object", wxface_get_authinfo(client, "[]", &r, &err));
    REFUSED("sp_appid is required", wxface_get_authinfo(client, "{\"sub_mchid\":\"1\"}", &r, &err));
    REFUSED("facepay_user is required",
            wxface_presign_contract(client, "{\"business_name\":\"x\"}", &r, &err));
    REFUSED("key \"auth_code\" is given twice",
            wxface_apply_deduction(client, "{\"auth_code\":\"a\",\"auth_code\":\"b\"}", &r, &err));
    /* The generic call. */
    REFUSED("method must be", wxface_request(client, "get", "/v3/x", NULL, NULL, &r, &err));
    REFUSED("must start with /v3/", wxface_request(client, "GET", "/v2/x", NULL, NULL, &r, &err));
    REFUSED("not printable ASCII", wxface_request(client, "GET", "/v3/a b", NULL, NULL, &r, &err));
    REFUSED("body_json is not valid JSON",
            wxface_request(client, "POST", "/v3/x", "{\"a\":", NULL, &r, &err));
    REFUSED("encrypt_pointers_json must be a JSON array",
            wxface_request(client, "POST", "/v3/x", "{\"a\":\"b\"}", "\"/a\"", &r, &err));
    REFUSED("names no string",
            wxface_request(client, "POST", "/v3/x", "{\"a\":\"b\"}", "[\"/b\"]", &r, &err));
#undef REFUSED
}

/* A non-2xx answer: WXFACE_ERR_API, no response, and the request was sent. */
static void check_api_error(const wxface_client *client) {
    wxface_response *r = NULL;
    wxface_error *err = NULL;
    CHECK_STATUS(wxface_query_user(client, ids.org, ids.unknown_out_user, &r, &err), WXFACE_ERR_API,
                 err);
    sent++;
    CHECK(r == NULL);
    CHECK_ERROR(err, WXFACE_ERR_API);
    CHECK_EQ_U(wxface_error_http_status(err), 404);
    CHECK_STR_EQ(wxface_error_api_code(err), "NOT_FOUND");
    CHECK_STR_NONEMPTY(wxface_error_request_id(err));
    CHECK_EQ_U(wxface_error_request_sent(err), 1);
    wxface_error_free(err);
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s OUT_USER USER CONTRACT OTHER_USER TRADE_NO\n", argv[0]);
        return 2;
    }
    ids.org = env_required("WXFACE_ID_ORGANIZATION_ID");
    ids.org_name = env_required("WXFACE_ID_ORGANIZATION_NAME");
    ids.encoded_org = env_required("WXFACE_ID_ENCODED_ORGANIZATION_ID");
    ids.debt_out_user = env_required("WXFACE_ID_DEBT_OUT_USER_ID");
    ids.unknown_out_user = env_required("WXFACE_ID_UNKNOWN_OUT_USER_ID");
    ids.collection = env_required("WXFACE_ID_COMPLETE_COLLECTION_ID");
    ids.out_user = argv[1];
    ids.user = argv[2];
    ids.contract = argv[3];
    ids.other_user = argv[4];
    ids.trade_no = argv[5];

    FORMAT(authinfo_json,
           "{\"sp_appid\":\"wxsp0000000001\",\"sub_mchid\":\"1900000109\",\"device_id\":\"D1\","
           "\"raw_data\":\"RAW\",\"organization_id\":\"%s\"}",
           ids.org);
    FORMAT(presign_json,
           "{\"business_name\":\"食堂\",\"facepay_user\":{\"out_user_id\":\"%s\","
           "\"organization_id\":\"%s\",\"identification\":{\"identification_type\":\"IDCARD\","
           "\"identification_number\":\"110101201001011234\"},\"phone\":\"13800138000\"},"
           "\"limit_bank_card\":{\"bank_card_number\":\"6222020000000000000\","
           "\"identification_name\":\"张大山\",\"identification\":{\"identification_type\":"
           "\"IDCARD\",\"identification_number\":\"110101198001011234\"},"
           "\"valid_thru\":\"12/29\",\"phone\":\"13900139000\"},"
           "\"contract_mode\":\"LIMIT_BANK_CARD\"}",
           ids.out_user, ids.org);
    FORMAT(deduction_json,
           "{\"auth_code\":\"%s%s\",\"sp_mchid\":\"1900000001\",\"sub_mchid\":\"1900000109\","
           "\"amount\":{\"total\":1250,\"currency\":\"CNY\"},\"scene_info\":{\"device_ip\":"
           "\"10.1.2.3\"},\"out_trade_no\":\"%s\",\"business\":{\"business_product_id\":2,"
           "\"business_scene_id\":3}}",
           env_required("WXFACE_ID_AUTH_CODE_PREFIX"), ids.user, ids.trade_no);
    FORMAT(user_target, "/v3/offlinefacemch/organizations/%s/users/out-user-id/%s", ids.org,
           ids.out_user);
    FORMAT(organization_target, "/v3/offlinefacemch/organizations?organization_id=%s", ids.org);
    /* Spaces where a serialiser puts none: wxface_request sends the body as given. */
    FORMAT(repayment_json, "{\"organization_id\":\"%s\", \"out_user_id\":\"%s\"}", ids.org,
           ids.debt_out_user);

    /* Every operation, in an order that works on one simulator: the user is updated and looked
     * up before being terminated, the deduction applied before being queried. */
    const struct row rows[] = {
        {"query_organization (name)", query_organization_by_name, 200,
         {{"/organization_id", ids.org}, {"/organization_name", ids.org_name}}},
        {"query_organization (id)", query_organization_by_id, 200,
         {{"/organization_id", ids.encoded_org}, {"/organization_name", NULL}}},
        {"create_auth_token", create_auth_token, 200, {{"/token", NULL}}},
        {"update_user", update_user, 204, {{NULL, NULL}}},
        {"query_user", query_user, 200,
         {{"/use_id", ids.user},
          {"/out_user_id", ids.out_user},
          {"/user_name", "张三"},
          {"/student_info/class_name", "四年级1班"},
          {"/contract_state", "CONTRACTED"},
          {"/contract_id", ids.contract}}},
        {"get_authinfo", get_authinfo, 200, {{"/authinfo", NULL}}},
        {"presign_contract", presign_contract, 200, {{"/presign_token", NULL}}},
        {"query_contract", query_contract, 200,
         {{"/contract_id", ids.contract},
          {"/use_id", ids.user},
          {"/contract_state", "CONTRACTED"}}},
        {"list_face_collections", list_face_collections, 200,
         {{"/face_collections/0/collection_state", "PHOTO_UPLOADED"},
          {"/face_collections/1", ABSENT}}},
        {"query_face_collection", query_face_collection, 200,
         {{"/collection_id", ids.collection}, {"/collection_state", "COMPLETE"}}},
        {"apply_deduction", apply_deduction, 200,
         {{"/out_trade_no", ids.trade_no},
          {"/trade_state", "SUCCESS"},
          {"/amount/total", "1250"},
          {"/amount", "{\"total\":1250,\"currency\":\"CNY\"}"},
          {"/transaction_id", NULL}}},
        {"query_deduction", query_deduction, 200,
         {{"/out_trade_no", ids.trade_no}, {"/trade_state", "SUCCESS"}}},
        {"get_repayment_url", get_repayment_url, 200,
         {{"/repayment_url", NULL}, {"/expire_at", NULL}}},
        {"wxface_request GET", request_get, 200, {{"/organization_name", ids.org_name}}},
        {"wxface_request POST", request_post, 200, {{"/repayment_url", NULL}}},
        {"wxface_request PATCH, /phone encrypted", request_patch_encrypted, 204, {{NULL, NULL}}},
        {"terminate_contract_with_response", terminate_contract, 204, {{NULL, NULL}}},
    };
    wxface_client *client = client_from_sim_config();
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        run_row(client, &rows[i]);
    }
    check_pointer_rules(client);
    check_204_without_response(client);
    check_invalid_arguments(client);
    check_api_error(client);
    wxface_client_free(client);
    printf("k12: %u requests sent\n", sent);
    return 0;
}
