/* The C++ API (include/wxface.hpp) against wxface-sim: every owner type, the operations, the
 * builder, notifications, and the error paths (an API error, an invalid argument from the
 * library and from the header, a moved-from object, a consumed builder). Run by
 * tests/c_suite.rs, also under valgrind: no path may leak, exceptions included.
 *
 * usage: api ORG USER TERMINATED_USER OUT_USER APIV3_KEY TIMESTAMP NONCE SIGNATURE SERIAL BODY_FILE
 *   USER is contracted (terminated here), TERMINATED_USER is already terminated, OUT_USER is
 *   the out_user_id of a contracted user (queried and renamed here). The last five arguments
 *   are a fresh notification the harness signed with the simulator's WeChat Pay key and
 *   encrypted with APIV3_KEY. The simulator's client.json comes from WXFACE_SIM_CONFIG, its
 *   members from WXFACE_CFG_<KEY>. Exit status 0 when every check held. */
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "wxface.hpp"

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        if (!(expr)) {                                                                             \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr);          \
            std::exit(1);                                                                          \
        }                                                                                          \
    } while (0)

/* EXPECT_THROW(statement, Type, e, checks): statement throws Type (bound to e), then checks run. */
#define EXPECT_THROW(statement, Type, e, checks)                                                   \
    do {                                                                                           \
        bool thrown_ = false;                                                                      \
        try {                                                                                      \
            statement;                                                                             \
        } catch (const Type &e) {                                                                  \
            thrown_ = true;                                                                        \
            checks;                                                                                \
        }                                                                                          \
        if (!thrown_) {                                                                            \
            std::fprintf(stderr, "%s:%d: %s did not throw %s\n", __FILE__, __LINE__, #statement,  \
                         #Type);                                                                   \
            std::exit(1);                                                                          \
        }                                                                                          \
    } while (0)

static bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

static std::string env(const char *name) {
    const char *value = std::getenv(name);
    if (value == nullptr) {
        std::fprintf(stderr, "%s is not set\n", name);
        std::exit(2);
    }
    return value;
}

static std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    CHECK(in.good());
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/* A builder with the simulator's settings, from the WXFACE_CFG_* members of client.json. */
static wxface::ClientBuilder sim_builder() {
    wxface::ClientBuilder builder;
    builder.set_merchant(env("WXFACE_CFG_MCHID"), env("WXFACE_CFG_MERCHANT_SERIAL_NO"))
        .set_private_key_file(env("WXFACE_CFG_PRIVATE_KEY_FILE"))
        .add_wechatpay_public_key_file(env("WXFACE_CFG_WECHATPAY_PUBLIC_KEY_ID"),
                                       env("WXFACE_CFG_WECHATPAY_PUBLIC_KEY_FILE"))
        .add_root_ca_file(env("WXFACE_CFG_ROOT_CA_FILE"))
        .set_base_url(env("WXFACE_CFG_BASE_URL"))
        .set_timeouts(5000, 15000);
    return builder;
}

static void identity() {
    CHECK(wxface::abi_version() == WXFACE_ABI_VERSION);
    CHECK(wxface::version().rfind("wxface/", 0) == 0);
    CHECK(wxface::status_name(wxface::Status::Api) == "WeChat Pay API error");
    CHECK(wxface::status_name(wxface::Status::Ok) == "ok");
}

static void api_error(const wxface::Client &client, const std::string &org, const std::string &terminated) {
    EXPECT_THROW(client.terminate_contract(org, terminated), wxface::ApiError, e, {
        CHECK(e.status() == wxface::Status::Api);
        CHECK(e.http_status() == 400);
        CHECK(e.api_code() == "PARAM_ERROR");
        CHECK(!e.request_id().empty());
        CHECK(e.request_sent());
        CHECK(!std::string(e.what()).empty());
        /* Copies share the details and never throw. */
        const wxface::ApiError copy = e;
        CHECK(copy.request_id() == e.request_id());
        CHECK(std::string(copy.what()) == e.what());
    });
    /* The same failure caught as the base classes. */
    EXPECT_THROW(client.terminate_contract(org, terminated), wxface::Error, e,
                 CHECK(e.status() == wxface::Status::Api));
    EXPECT_THROW(client.terminate_contract(org, terminated), std::runtime_error, e,
                 CHECK(dynamic_cast<const wxface::ApiError *>(&e) != nullptr));
}

static void invalid_arguments(const wxface::Client &client, const std::string &org) {
    /* Refused by the library: an empty id. Nothing is sent. */
    EXPECT_THROW(client.terminate_contract(org, ""), wxface::InvalidArgumentError, e, {
        CHECK(e.status() == wxface::Status::InvalidArgument);
        CHECK(e.http_status() == 0);
        CHECK(!e.request_sent());
        CHECK(e.api_code().empty());
    });
    /* Refused by the header: C would see "U1" and terminate someone else. */
    EXPECT_THROW(client.terminate_contract(org, std::string_view("U1\0U2", 5)), wxface::InvalidArgumentError, e, {
        CHECK(contains(e.what(), "user_id contains a NUL byte"));
        CHECK(!e.request_sent());
    });
    /* Lowercase methods are refused by the generic call. */
    EXPECT_THROW(client.request("get", "/v3/offlinefacemch/organizations?organization_id=" + org),
                 wxface::InvalidArgumentError, e, CHECK(!e.request_sent()));
    /* Exactly one of organization id and name. */
    EXPECT_THROW(client.query_organization(std::nullopt), wxface::InvalidArgumentError, e, (void)e);
}

static void operations(const wxface::Client &client, const std::string &org, const std::string &out_user) {
    const wxface::Response organization = client.query_organization(org);
    CHECK(organization.http_status() == 200);
    CHECK(organization.get("/organization_id") == org);
    CHECK(!organization.request_id().empty());

    /* A field read from a temporary Response: the string is a copy, so this is safe. */
    const std::string state = client.query_user(org, out_user).get("/contract_state");
    CHECK(!state.empty());

    const wxface::Response updated = client.update_user(org, out_user, R"({"user_name":"李四"})");
    CHECK(updated.http_status() == 204);
    CHECK(updated.body().empty());
    CHECK(!updated.has(""));

    const wxface::Response user = client.query_user(org, out_user);
    CHECK(user.get("/user_name") == "李四");
    CHECK(user.has("/user_name"));
    CHECK(!user.has("/no_such_field"));
    CHECK(user.get("/no_such_field").empty());
    CHECK(user.body().front() == '{');

    const wxface::Response generic =
        client.request("GET", "/v3/offlinefacemch/organizations?organization_id=" + org);
    CHECK(generic.http_status() == 200);
    CHECK(generic.get("/organization_id") == org);

    /* client.json holds the APIv3 key: the simulator's platform certificate is downloaded. */
    CHECK(client.refresh_platform_certificates() == 1);
}

static void moved_from(const std::string &config, const std::string &org) {
    wxface::Client first = wxface::Client::from_file(config);
    wxface::Client second = std::move(first);
    EXPECT_THROW(first.query_organization(org), wxface::InvalidArgumentError, e, {
        CHECK(contains(e.what(), "wxface::Client was moved from"));
        CHECK(!e.request_sent());
    });
    CHECK(second.query_organization(org).http_status() == 200);
    first = std::move(second); /* assigning to a moved-from object is fine */
    CHECK(first.query_organization(org).http_status() == 200);
    EXPECT_THROW(second.handle(), wxface::InvalidArgumentError, e, (void)e);

    wxface::Response response = first.query_organization(org);
    const wxface::Response kept = std::move(response);
    CHECK(kept.get("/organization_id") == org);
    EXPECT_THROW(response.get("/organization_id"), wxface::InvalidArgumentError, e,
                 CHECK(contains(e.what(), "wxface::Response was moved from")));
}

static void builder(const std::string &org) {
    const wxface::Client client = sim_builder().build();
    CHECK(client.query_organization(org).http_status() == 200);

    /* A refused setting leaves the builder as it was; build() consumes it either way. */
    wxface::ClientBuilder incomplete;
    EXPECT_THROW(incomplete.set_base_url("http://plain.example"), wxface::ConfigError, e,
                 CHECK(contains(e.what(), "https")));
    EXPECT_THROW(incomplete.build(), wxface::ConfigError, e, CHECK(!e.request_sent()));
    EXPECT_THROW(incomplete.build(), wxface::InvalidArgumentError, e,
                 CHECK(contains(e.what(), "wxface::ClientBuilder was moved from")));
    EXPECT_THROW(incomplete.set_proxy("http://127.0.0.1:3128"), wxface::InvalidArgumentError, e, (void)e);
}

static void configuration_errors() {
    EXPECT_THROW(wxface::Client::from_json(R"({"mchid":"1900000001","no_such_key":1})"), wxface::ConfigError, e,
                 CHECK(contains(e.what(), "no_such_key")));
    EXPECT_THROW(wxface::Client::from_json("not json"), wxface::ConfigError, e, (void)e);
    EXPECT_THROW(wxface::Client::from_file("/nonexistent/client.json"), wxface::ConfigError, e,
                 CHECK(contains(e.what(), "/nonexistent/client.json")));
}

static void notifications(const wxface::Client &without_key, const std::string &org, const std::string &apiv3_key,
                          char **n) {
    const std::string timestamp = n[0], nonce = n[1], signature = n[2], serial = n[3];
    const std::string body = read_file(n[4]);
    const wxface::Client client = sim_builder().set_apiv3_key(apiv3_key).build();

    const wxface::Notification notification = client.parse_notification(timestamp, nonce, signature, serial, body);
    CHECK(notification.event_type() == "FACEPAY.USER_STATE_CHANGE");
    CHECK(!notification.id().empty());
    CHECK(!notification.create_time().empty());
    CHECK(notification.get("/organization_id") == org);
    CHECK(contains(notification.resource(), "\"user_id\""));

    std::string tampered = body;
    tampered[tampered.size() / 2] ^= 1;
    EXPECT_THROW(client.parse_notification(timestamp, nonce, signature, serial, tampered), wxface::SignatureError, e,
                 (void)e);
    EXPECT_THROW(without_key.parse_notification(timestamp, nonce, signature, serial, body), wxface::ConfigError, e,
                 CHECK(contains(e.what(), "APIv3")));
}

int main(int argc, char **argv) {
    if (argc != 11) {
        std::fprintf(stderr,
                     "usage: %s ORG USER TERMINATED_USER OUT_USER APIV3_KEY TIMESTAMP NONCE SIGNATURE SERIAL "
                     "BODY_FILE\n",
                     argv[0]);
        return 2;
    }
    const std::string org = argv[1], user = argv[2], terminated = argv[3], out_user = argv[4];
    const std::string config = env("WXFACE_SIM_CONFIG");

    identity();
    const wxface::Client client = wxface::Client::from_file(config);
    client.terminate_contract(org, user);
    api_error(client, org, terminated);
    invalid_arguments(client, org);
    operations(client, org, out_user);
    moved_from(config, org);
    builder(org);
    configuration_errors();
    notifications(sim_builder().build(), org, argv[5], argv + 6);
    std::puts("cpp api: every check held");
    return 0;
}
