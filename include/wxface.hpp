/* wxface.hpp: header-only C++17 API over the C ABI of wxface.h.
 *
 * Written by hand (wxface.h is generated); it adds no symbol to the library, so any
 * libwxface.so.1 serves it. Everything is a thin layer over one C function each:
 *
 *   wxface::Client         owns a wxface_client        (wxface_client_free)
 *   wxface::ClientBuilder  owns a wxface_client_builder (wxface_client_builder_free)
 *   wxface::Response       owns a wxface_response      (wxface_response_free)
 *   wxface::Notification   owns a wxface_notification  (wxface_notification_free)
 *   wxface::Error          a failed call: status, message, HTTP status, API code, Request-ID,
 *                          detail JSON, request_sent; one subclass per status (ApiError, ...)
 *
 * Rules:
 * - The owners are move-only. A moved-from object holds nothing: using it throws
 *   wxface::InvalidArgumentError (destroying or assigning to it is fine).
 * - Every failure throws (a wxface::Error subclass, or std::bad_alloc); no call leaks on any
 *   path. The C error object is copied into the exception and freed at once.
 * - Strings go in as std::string_view. The C API reads NUL-terminated strings, so each one is
 *   copied into a std::string for the call; a view holding a NUL byte would be cut short
 *   there, so it is refused with InvalidArgumentError instead. Key material (PEM, the APIv3
 *   key) and notification bodies are passed with their length and are not copied.
 * - Strings come out as std::string copies: a temporary Response may end before the caller
 *   reads what it returned (`client.query_user(o, u).get("/contract_state")` is safe).
 * - A Client is safe to use from many threads at once (its methods are const), like the
 *   wxface_client it owns; Response and Notification are immutable.
 */
#ifndef WXFACE_HPP
#define WXFACE_HPP

/* MSVC keeps __cplusplus at 199711L unless /Zc:__cplusplus; _MSVC_LANG is its real value. */
#if defined(_MSVC_LANG)
#if _MSVC_LANG < 201703L
#error "wxface.hpp needs C++17 or later (/std:c++17)"
#endif
#elif __cplusplus < 201703L
#error "wxface.hpp needs C++17 or later (-std=c++17)"
#endif

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "wxface.h"

namespace wxface {

/// The C status values (wxface_status), as a scoped enum.
enum class Status : wxface_status {
    Ok = WXFACE_OK,
    InvalidArgument = WXFACE_ERR_INVALID_ARGUMENT,
    Config = WXFACE_ERR_CONFIG,
    Network = WXFACE_ERR_NETWORK,
    Timeout = WXFACE_ERR_TIMEOUT,
    Tls = WXFACE_ERR_TLS,
    Api = WXFACE_ERR_API,
    Signature = WXFACE_ERR_SIGNATURE,
    Response = WXFACE_ERR_RESPONSE,
    Internal = WXFACE_ERR_INTERNAL,
};

/// "wxface/0.2.0 rustls/0.23.x": the library actually loaded.
inline std::string version() { return wxface_version(); }

/// The ABI generation of the library actually loaded; WXFACE_ABI_VERSION is this header's.
inline std::uint32_t abi_version() noexcept { return wxface_abi_version(); }

/// The English name of a status ("WXFACE_ERR_API", ...).
inline std::string status_name(Status status) {
    return wxface_status_str(static_cast<wxface_status>(status));
}

/// A failed call. what() is the library's one-line message; the accessors return what the
/// C error carried. Copying is cheap and never throws (the details are shared).
class Error : public std::runtime_error {
public:
    /// Takes the details out of `err` (which may be NULL) without freeing it.
    Error(Status status, const wxface_error *err)
        : std::runtime_error(err != nullptr ? wxface_error_message(err) : wxface_status_str(static_cast<wxface_status>(status))),
          details_(std::make_shared<const Details>(Details{
              status, wxface_error_http_status(err), wxface_error_api_code(err), wxface_error_request_id(err),
              wxface_error_detail_json(err), wxface_error_request_sent(err) != 0})) {}

    /// An error raised by this header itself (nothing was sent).
    Error(Status status, const std::string &message)
        : std::runtime_error(message), details_(std::make_shared<const Details>(Details{status, 0, {}, {}, {}, false})) {}

    Status status() const noexcept { return details_->status; }
    /// The HTTP status of WeChat Pay's response; 0 when no response arrived.
    std::uint16_t http_status() const noexcept { return details_->http_status; }
    /// The response's "code", e.g. "PARAM_ERROR"; "" when absent.
    const std::string &api_code() const noexcept { return details_->api_code; }
    /// The response's Request-ID (quote it to WeChat Pay support); "" when absent.
    const std::string &request_id() const noexcept { return details_->request_id; }
    /// The response's "detail" as JSON text; "" when absent.
    const std::string &detail_json() const noexcept { return details_->detail_json; }
    /// True when a byte of the request was written: WeChat Pay may have carried it out. False:
    /// nothing was sent, repeating the call is safe.
    bool request_sent() const noexcept { return details_->request_sent; }

private:
    struct Details {
        Status status;
        std::uint16_t http_status;
        std::string api_code;
        std::string request_id;
        std::string detail_json;
        bool request_sent;
    };
    std::shared_ptr<const Details> details_;
};

/// The Error of one status, so that callers can catch by kind: `catch (const ApiError &e)`.
/// One per status, as in the Python and PHP wrappers.
template <Status S> class StatusError : public Error {
public:
    explicit StatusError(const wxface_error *err) : Error(S, err) {}
    explicit StatusError(const std::string &message) : Error(S, message) {}
};
using InvalidArgumentError = StatusError<Status::InvalidArgument>;
using ConfigError = StatusError<Status::Config>;
using NetworkError = StatusError<Status::Network>;
using TimeoutError = StatusError<Status::Timeout>;
using TlsError = StatusError<Status::Tls>;
using ApiError = StatusError<Status::Api>;
using SignatureError = StatusError<Status::Signature>;
using ResponseError = StatusError<Status::Response>;
using InternalError = StatusError<Status::Internal>;

namespace detail {

struct ErrorFree {
    void operator()(wxface_error *e) const noexcept { wxface_error_free(e); }
};

/// Throws the Error subclass for `status`; frees `err` on every path (also when building the
/// exception throws std::bad_alloc).
[[noreturn]] inline void throw_error(wxface_status status, wxface_error *err) {
    const std::unique_ptr<wxface_error, ErrorFree> owned(err);
    switch (status) {
    case WXFACE_ERR_INVALID_ARGUMENT: throw InvalidArgumentError(owned.get());
    case WXFACE_ERR_CONFIG: throw ConfigError(owned.get());
    case WXFACE_ERR_NETWORK: throw NetworkError(owned.get());
    case WXFACE_ERR_TIMEOUT: throw TimeoutError(owned.get());
    case WXFACE_ERR_TLS: throw TlsError(owned.get());
    case WXFACE_ERR_API: throw ApiError(owned.get());
    case WXFACE_ERR_SIGNATURE: throw SignatureError(owned.get());
    case WXFACE_ERR_RESPONSE: throw ResponseError(owned.get());
    default: throw InternalError(owned.get()); /* WXFACE_ERR_INTERNAL, or a status newer than this header */
    }
}

/// Checks the status of one C call that took `&err`: `check(wxface_x(..., &err), &err)`. It
/// takes the address, not the pointer: function arguments are evaluated in no set order, so
/// a plain `err` could be read before the call had filled it in.
inline void check(wxface_status status, wxface_error *const *err) {
    if (status != WXFACE_OK) {
        throw_error(status, *err);
    }
}

/// A string argument as the C API wants it: NUL-terminated, or NULL for "not given". Lives
/// as a temporary until the end of the call expression it appears in.
class CString {
public:
    CString(std::string_view value, const char *name) : text_(value), null_(false) {
        if (text_.find('\0') != std::string::npos) {
            throw InvalidArgumentError(std::string(name) + " contains a NUL byte");
        }
    }
    CString(std::optional<std::string_view> value, const char *name)
        : CString(value.value_or(std::string_view()), name) {
        null_ = !value.has_value();
    }
    const char *get() const noexcept { return null_ ? nullptr : text_.c_str(); }

private:
    std::string text_;
    bool null_;
};

inline const std::uint8_t *bytes(std::string_view data) noexcept {
    return reinterpret_cast<const std::uint8_t *>(data.data());
}

/// The pointer an owner holds, or InvalidArgumentError when it was moved from.
template <typename T, typename D> T *live(const std::unique_ptr<T, D> &owned, const char *type) {
    if (!owned) {
        throw InvalidArgumentError(std::string(type) + " was moved from and holds nothing");
    }
    return owned.get();
}

struct ClientFree {
    void operator()(wxface_client *c) const noexcept { wxface_client_free(c); }
};
struct BuilderFree {
    void operator()(wxface_client_builder *b) const noexcept { wxface_client_builder_free(b); }
};
struct ResponseFree {
    void operator()(wxface_response *r) const noexcept { wxface_response_free(r); }
};
struct NotificationFree {
    void operator()(wxface_notification *n) const noexcept { wxface_notification_free(n); }
};

}  // namespace detail

/// A verified answer of WeChat Pay (wxface_response).
class Response {
public:
    /// Takes ownership of `response` (from a C call made by hand).
    explicit Response(wxface_response *response) noexcept : owned_(response) {}

    /// 200, 204, ...
    std::uint16_t http_status() const { return wxface_response_http_status(handle()); }
    /// The Request-ID header, for the caller's audit log; "" when absent.
    std::string request_id() const { return wxface_response_request_id(handle()); }
    /// The verified body as received; "" for a 204.
    std::string body() const { return wxface_response_body(handle()); }
    /// The field an RFC 6901 pointer names ("/contract_state"): a JSON string as its value
    /// without quotes, anything else as compact JSON; "" when absent (see has()).
    std::string get(std::string_view json_pointer) const {
        return wxface_response_get(handle(), detail::CString(json_pointer, "json_pointer").get());
    }
    /// Whether the pointer names a value (tells an absent field from an empty string).
    bool has(std::string_view json_pointer) const {
        return wxface_response_has(handle(), detail::CString(json_pointer, "json_pointer").get()) == 1;
    }

    const wxface_response *handle() const { return detail::live(owned_, "wxface::Response"); }

private:
    std::unique_ptr<wxface_response, detail::ResponseFree> owned_;
};

/// A verified, decrypted notification (wxface_notification).
class Notification {
public:
    explicit Notification(wxface_notification *notification) noexcept : owned_(notification) {}

    /// De-duplicate on it: the same notification may arrive more than once.
    std::string id() const { return wxface_notification_id(handle()); }
    std::string event_type() const { return wxface_notification_event_type(handle()); }
    std::string create_time() const { return wxface_notification_create_time(handle()); }
    std::string summary() const { return wxface_notification_summary(handle()); }
    /// The decrypted resource (JSON text).
    std::string resource() const { return wxface_notification_resource(handle()); }
    /// A field of the decrypted resource by RFC 6901 pointer ("/user_id"), as Response::get.
    std::string get(std::string_view json_pointer) const {
        return wxface_notification_get(handle(), detail::CString(json_pointer, "json_pointer").get());
    }

    const wxface_notification *handle() const { return detail::live(owned_, "wxface::Notification"); }

private:
    std::unique_ptr<wxface_notification, detail::NotificationFree> owned_;
};

/// A client (wxface_client): immutable, thread-safe, reusable; keep one for the program's
/// lifetime. Every operation blocks until WeChat Pay answered or the deadline passed.
class Client {
public:
    /// Takes ownership of `client` (from a C call made by hand).
    explicit Client(wxface_client *client) noexcept : owned_(client) {}

    /// From one JSON document (the keys of the README's configuration table).
    static Client from_json(std::string_view config_json) {
        wxface_client *client = nullptr;
        wxface_error *err = nullptr;
        detail::check(wxface_client_new_from_json(detail::CString(config_json, "config_json").get(), &client, &err),
                      &err);
        return Client(client);
    }

    /// From a JSON file; relative *_file paths in it are relative to its folder.
    static Client from_file(std::string_view path) {
        wxface_client *client = nullptr;
        wxface_error *err = nullptr;
        detail::check(wxface_client_new_from_json_file(detail::CString(path, "path").get(), &client, &err), &err);
        return Client(client);
    }

    /// 1: exactly one of id and name.
    Response query_organization(std::optional<std::string_view> organization_id,
                                std::optional<std::string_view> organization_name = std::nullopt) const {
        return respond(wxface_query_organization, detail::CString(organization_id, "organization_id").get(),
                       detail::CString(organization_name, "organization_name").get());
    }
    /// 2: scene defaults to "WEBSESSION"; the token is get("/token").
    Response create_auth_token(std::string_view organization_id, std::string_view out_user_id,
                               std::optional<std::string_view> scene = std::nullopt) const {
        return respond(wxface_create_auth_token, detail::CString(organization_id, "organization_id").get(),
                       detail::CString(out_user_id, "out_user_id").get(), detail::CString(scene, "scene").get());
    }
    /// 3
    Response query_user(std::string_view organization_id, std::string_view out_user_id) const {
        return respond(wxface_query_user, detail::CString(organization_id, "organization_id").get(),
                       detail::CString(out_user_id, "out_user_id").get());
    }
    /// 4: changes_json e.g. {"user_name":"张三"}; sensitive fields in plain text. Answers 204.
    Response update_user(std::string_view organization_id, std::string_view out_user_id,
                         std::string_view changes_json) const {
        return respond(wxface_update_user, detail::CString(organization_id, "organization_id").get(),
                       detail::CString(out_user_id, "out_user_id").get(),
                       detail::CString(changes_json, "changes_json").get());
    }
    /// 5: the headline call.
    void terminate_contract(std::string_view organization_id, std::string_view user_id) const {
        wxface_error *err = nullptr;
        detail::check(wxface_terminate_contract(handle(), detail::CString(organization_id, "organization_id").get(),
                                                detail::CString(user_id, "user_id").get(), &err),
                      &err);
    }
    /// 5, with the 204's Request-ID for the audit log.
    Response terminate_contract_with_response(std::string_view organization_id, std::string_view user_id) const {
        return respond(wxface_terminate_contract_with_response,
                       detail::CString(organization_id, "organization_id").get(),
                       detail::CString(user_id, "user_id").get());
    }
    /// 6
    Response get_authinfo(std::string_view request_json) const {
        return respond(wxface_get_authinfo, detail::CString(request_json, "request_json").get());
    }
    /// 7: the six sensitive fields in plain text.
    Response presign_contract(std::string_view request_json) const {
        return respond(wxface_presign_contract, detail::CString(request_json, "request_json").get());
    }
    /// 8
    Response query_contract(std::string_view contract_id,
                            std::optional<std::string_view> appid = std::nullopt) const {
        return respond(wxface_query_contract, detail::CString(contract_id, "contract_id").get(),
                       detail::CString(appid, "appid").get());
    }
    /// 9: limit 0 = not sent.
    Response list_face_collections(std::string_view organization_id, std::uint32_t offset = 0,
                                   std::uint32_t limit = 0) const {
        return respond(wxface_list_face_collections, detail::CString(organization_id, "organization_id").get(),
                       offset, limit);
    }
    /// 10
    Response query_face_collection(std::string_view collection_id) const {
        return respond(wxface_query_face_collection, detail::CString(collection_id, "collection_id").get());
    }
    /// 11: money moves, never retried by the library. On an Error with request_sent(), query
    /// the deduction before repeating it.
    Response apply_deduction(std::string_view request_json) const {
        return respond(wxface_apply_deduction, detail::CString(request_json, "request_json").get());
    }
    /// 12
    Response query_deduction(std::string_view out_trade_no, std::string_view sp_mchid, std::string_view sub_mchid,
                             std::string_view business_product_id) const {
        return respond(wxface_query_deduction, detail::CString(out_trade_no, "out_trade_no").get(),
                       detail::CString(sp_mchid, "sp_mchid").get(), detail::CString(sub_mchid, "sub_mchid").get(),
                       detail::CString(business_product_id, "business_product_id").get());
    }
    /// 13
    Response get_repayment_url(std::string_view organization_id, std::string_view out_user_id) const {
        return respond(wxface_get_repayment_url, detail::CString(organization_id, "organization_id").get(),
                       detail::CString(out_user_id, "out_user_id").get());
    }

    /// Any other APIv3 endpoint: method "GET", "POST", ...; target as sent ("/v3/..."); an
    /// optional JSON body; optional JSON array of pointers to body fields to encrypt.
    Response request(std::string_view method, std::string_view target,
                     std::optional<std::string_view> body_json = std::nullopt,
                     std::optional<std::string_view> encrypt_pointers_json = std::nullopt) const {
        return respond(wxface_request, detail::CString(method, "method").get(), detail::CString(target, "target").get(),
                       detail::CString(body_json, "body_json").get(),
                       detail::CString(encrypt_pointers_json, "encrypt_pointers_json").get());
    }

    /// Verifies and decrypts a notification: the four Wechatpay-* header values and the raw
    /// body exactly as received (needs the APIv3 key).
    Notification parse_notification(std::string_view wechatpay_timestamp, std::string_view wechatpay_nonce,
                                    std::string_view wechatpay_signature, std::string_view wechatpay_serial,
                                    std::string_view body) const {
        wxface_notification *notification = nullptr;
        wxface_error *err = nullptr;
        detail::check(wxface_notification_parse(
                          handle(), detail::CString(wechatpay_timestamp, "wechatpay_timestamp").get(),
                          detail::CString(wechatpay_nonce, "wechatpay_nonce").get(),
                          detail::CString(wechatpay_signature, "wechatpay_signature").get(),
                          detail::CString(wechatpay_serial, "wechatpay_serial").get(), detail::bytes(body),
                          body.size(), &notification, &err),
                      &err);
        return Notification(notification);
    }

    /// Downloads WeChat Pay's platform certificates and swaps them in at once; returns how
    /// many downloaded certificates are now held and valid.
    std::uint32_t refresh_platform_certificates() const {
        std::uint32_t count = 0;
        wxface_error *err = nullptr;
        detail::check(wxface_client_refresh_platform_certificates(handle(), &count, &err), &err);
        return count;
    }

    const wxface_client *handle() const { return detail::live(owned_, "wxface::Client"); }

private:
    /// One operation that answers with a wxface_response: (client, args..., &response, &err).
    template <typename F, typename... Args> Response respond(F function, Args... args) const {
        wxface_response *response = nullptr;
        wxface_error *err = nullptr;
        detail::check(function(handle(), args..., &response, &err), &err);
        return Response(response);
    }

    std::unique_ptr<wxface_client, detail::ClientFree> owned_;
};

/// Builds a client setting by setting (the same rules as the JSON keys). Each setter returns
/// the builder, so calls chain; build() consumes it.
class ClientBuilder {
public:
    ClientBuilder() : owned_(wxface_client_builder_new()) {
        if (!owned_) {
            throw std::bad_alloc();
        }
    }

    ClientBuilder &set_merchant(std::string_view mchid, std::string_view merchant_serial_no) {
        return set(wxface_client_builder_set_merchant, detail::CString(mchid, "mchid").get(),
                   detail::CString(merchant_serial_no, "merchant_serial_no").get());
    }
    ClientBuilder &set_private_key_pem(std::string_view pem) {
        return set(wxface_client_builder_set_private_key_pem, detail::bytes(pem), pem.size());
    }
    ClientBuilder &set_private_key_file(std::string_view path) {
        return set(wxface_client_builder_set_private_key_file, detail::CString(path, "path").get());
    }
    ClientBuilder &add_wechatpay_public_key_pem(std::string_view public_key_id, std::string_view pem) {
        return set(wxface_client_builder_add_wechatpay_public_key_pem,
                   detail::CString(public_key_id, "public_key_id").get(), detail::bytes(pem), pem.size());
    }
    ClientBuilder &add_wechatpay_public_key_file(std::string_view public_key_id, std::string_view path) {
        return set(wxface_client_builder_add_wechatpay_public_key_file,
                   detail::CString(public_key_id, "public_key_id").get(), detail::CString(path, "path").get());
    }
    ClientBuilder &add_platform_certificate_pem(std::string_view pem) {
        return set(wxface_client_builder_add_platform_certificate_pem, detail::bytes(pem), pem.size());
    }
    ClientBuilder &add_platform_certificate_file(std::string_view path) {
        return set(wxface_client_builder_add_platform_certificate_file, detail::CString(path, "path").get());
    }
    ClientBuilder &set_base_url(std::string_view url) {
        return set(wxface_client_builder_set_base_url, detail::CString(url, "url").get());
    }
    ClientBuilder &set_backup_base_url(std::string_view url) {
        return set(wxface_client_builder_set_backup_base_url, detail::CString(url, "url").get());
    }
    ClientBuilder &add_root_ca_pem(std::string_view pem) {
        return set(wxface_client_builder_add_root_ca_pem, detail::bytes(pem), pem.size());
    }
    ClientBuilder &add_root_ca_file(std::string_view path) {
        return set(wxface_client_builder_add_root_ca_file, detail::CString(path, "path").get());
    }
    ClientBuilder &set_timeouts(std::uint32_t connect_timeout_ms, std::uint32_t request_timeout_ms) {
        return set(wxface_client_builder_set_timeouts, connect_timeout_ms, request_timeout_ms);
    }
    ClientBuilder &set_proxy(std::string_view proxy_url) {
        return set(wxface_client_builder_set_proxy, detail::CString(proxy_url, "proxy_url").get());
    }
    /// The 32-byte APIv3 key (notifications, certificate downloads).
    ClientBuilder &set_apiv3_key(std::string_view key) {
        return set(wxface_client_builder_set_apiv3_key, detail::bytes(key), key.size());
    }
    ClientBuilder &set_auto_platform_certificates(bool enabled) {
        return set(wxface_client_builder_set_auto_platform_certificates, enabled ? 1 : 0);
    }

    /// Builds the client. The builder is consumed whatever the outcome (it holds nothing
    /// afterwards, as when moved from).
    Client build() {
        detail::live(owned_, "wxface::ClientBuilder");
        /* wxface_client_builder_build frees the builder on every path, so let go of it first. */
        wxface_client_builder *builder = owned_.release();
        wxface_client *client = nullptr;
        wxface_error *err = nullptr;
        detail::check(wxface_client_builder_build(builder, &client, &err), &err);
        return Client(client);
    }

private:
    /// One setter: (builder, args..., &err).
    template <typename F, typename... Args> ClientBuilder &set(F function, Args... args) {
        wxface_error *err = nullptr;
        detail::check(function(detail::live(owned_, "wxface::ClientBuilder"), args..., &err), &err);
        return *this;
    }

    std::unique_ptr<wxface_client_builder, detail::BuilderFree> owned_;
};

}  // namespace wxface

#endif /* WXFACE_HPP */
