//! The WeChat Pay API the simulator serves: the 13 K12 operations, each routed by method
//! and path to its handler; every other method or path is a 404 `NOT_FOUND`.

use bytes::Bytes;
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use crate::answer::Answer;
use crate::api_error::ApiError;
use crate::enc::{OpenedField, open_fields, require_plain, reveal};
use crate::keyring::RequestKey;
use crate::percent::decode_segment;
use crate::query::Query;
use crate::schema::{self, Field};
use crate::shared::Shared;
use crate::{api_certificates, api_collections, api_contracts, api_deductions, api_users};

/// Bodies larger than this are logged by size only: 1000 logged requests of up to 1 MiB
/// each would otherwise hold a gigabyte. K12 bodies are a few hundred bytes.
pub(crate) const LOGGED_BODY_LIMIT: usize = 64 << 10;

/// Which operation a request is, with its decoded path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    QueryOrganization,
    GetToken,
    QueryUser {
        org: String,
        out_user_id: String,
    },
    UpdateUser {
        org: String,
        out_user_id: String,
    },
    Terminate {
        org: String,
        use_id: String,
    },
    GetAuthinfo,
    PresignContract,
    QueryContract {
        contract_id: String,
    },
    ListCollections,
    QueryCollection {
        collection_id: String,
    },
    ApplyDeduction,
    QueryDeduction {
        out_trade_no: String,
    },
    RepaymentUrl,
    /// `GET /v3/certificates`
    DownloadCertificates,
    /// An unknown method or path, or a path parameter that does not decode (names nothing).
    Unknown,
}

impl Route {
    pub(crate) fn of(method: &Method, path: &str) -> Route {
        let segments: Vec<&str> = path.split('/').collect();
        let id = |segment: &str| decode_segment(segment).filter(|id| !id.is_empty());
        let route = match (method, segments.as_slice()) {
            (&Method::GET, ["", "v3", "offlinefacemch", "organizations"]) => {
                Some(Route::QueryOrganization)
            }
            (&Method::POST, ["", "v3", "offlinefacemch", "tokens"]) => Some(Route::GetToken),
            (
                method,
                [
                    "",
                    "v3",
                    "offlinefacemch",
                    "organizations",
                    org,
                    "users",
                    "out-user-id",
                    out,
                ],
            ) if method == Method::GET || method == Method::PATCH => match (id(org), id(out)) {
                (Some(org), Some(out_user_id)) if method == Method::GET => {
                    Some(Route::QueryUser { org, out_user_id })
                }
                (Some(org), Some(out_user_id)) => Some(Route::UpdateUser { org, out_user_id }),
                _ => None,
            },
            (
                &Method::POST,
                [
                    "",
                    "v3",
                    "offlinefacemch",
                    "organizations",
                    org,
                    "users",
                    "user-id",
                    user,
                    "terminate-contract",
                ],
            ) => match (id(org), id(user)) {
                (Some(org), Some(use_id)) => Some(Route::Terminate { org, use_id }),
                _ => None,
            },
            (&Method::POST, ["", "v3", "offlineface", "authinfo"]) => Some(Route::GetAuthinfo),
            (&Method::POST, ["", "v3", "offlineface", "contracts", "presign"]) => {
                Some(Route::PresignContract)
            }
            (&Method::GET, ["", "v3", "offlineface", "contracts", contract]) => {
                id(contract).map(|contract_id| Route::QueryContract { contract_id })
            }
            (&Method::GET, ["", "v3", "offlineface", "face-collections"]) => {
                Some(Route::ListCollections)
            }
            (&Method::GET, ["", "v3", "offlineface", "face-collections", collection]) => {
                id(collection).map(|collection_id| Route::QueryCollection { collection_id })
            }
            (&Method::POST, ["", "v3", "offlineface", "transactions"]) => {
                Some(Route::ApplyDeduction)
            }
            (
                &Method::GET,
                [
                    "",
                    "v3",
                    "offlineface",
                    "transactions",
                    "out-trade-no",
                    number,
                ],
            ) => id(number).map(|out_trade_no| Route::QueryDeduction { out_trade_no }),
            (&Method::POST, ["", "v3", "offlineface", "repayment-url"]) => {
                Some(Route::RepaymentUrl)
            }
            (&Method::GET, ["", "v3", "certificates"]) => Some(Route::DownloadCertificates),
            _ => None,
        };
        route.unwrap_or(Route::Unknown)
    }

    /// The shape of the body, for operations that take one.
    fn body_schema(&self) -> Option<&'static [Field]> {
        match self {
            Route::GetToken => Some(api_users::TOKEN_BODY),
            Route::UpdateUser { .. } => Some(api_users::UPDATE_USER_BODY),
            Route::GetAuthinfo => Some(api_contracts::AUTHINFO_BODY),
            Route::PresignContract => Some(api_contracts::PRESIGN_BODY),
            Route::ApplyDeduction => Some(api_deductions::APPLY_BODY),
            Route::RepaymentUrl => Some(api_deductions::REPAYMENT_BODY),
            _ => None,
        }
    }
}

/// One API request as the operations see it.
pub(crate) struct ApiRequest {
    pub(crate) method: Method,
    pub(crate) path: String,
    /// Path and query exactly as received.
    pub(crate) target: String,
    pub(crate) query: Option<String>,
    /// The `Wechatpay-Serial` header (lossy UTF-8), if any.
    pub(crate) wechatpay_serial: Option<String>,
    pub(crate) route: Route,
    body: Bytes,
    /// The body parsed as JSON; `None` when there is none.
    json: Option<Result<Value, String>>,
    /// The ENC fields of the body, opened.
    opened: Vec<OpenedField>,
    /// What `Wechatpay-Serial` must say when the body has ENC fields.
    key_id: String,
}

impl ApiRequest {
    /// Routes the request and opens its ENC fields (once, here: the request log and the
    /// operation both use them) with `key`, the key the request's `Wechatpay-Serial` names.
    pub(crate) fn new(
        key: RequestKey,
        method: Method,
        target: String,
        query: Option<String>,
        path: String,
        wechatpay_serial: Option<String>,
        body: Bytes,
    ) -> ApiRequest {
        let route = Route::of(&method, &path);
        let json = schema::parse_body(&body);
        let opened = match (route.body_schema(), &json) {
            (Some(fields), Some(Ok(doc))) => open_fields(&key.decryptor, fields, doc),
            _ => Vec::new(),
        };
        ApiRequest {
            method,
            path,
            target,
            query,
            wechatpay_serial,
            route,
            body,
            json,
            opened,
            key_id: key.id,
        }
    }

    /// What `GET /__sim/requests` shows: the body as JSON with ENC fields in plain text,
    /// `null` without a body, the text as sent when it is not JSON, and only the size of a
    /// body over [`LOGGED_BODY_LIMIT`].
    pub(crate) fn log_entry(&self) -> Value {
        let body = match &self.json {
            _ if self.body.len() > LOGGED_BODY_LIMIT => {
                Value::String(format!("({} bytes, not kept)", self.body.len()))
            }
            None => Value::Null,
            Some(Ok(doc)) => reveal(doc, &self.opened),
            Some(Err(_)) => Value::String(String::from_utf8_lossy(&self.body).into_owned()),
        };
        json!({
            "method": self.method.as_str(),
            "target": self.target,
            "wechatpay_serial": self.wechatpay_serial,
            "body": body,
        })
    }

    /// The body, checked against `fields`.
    pub(crate) fn body(&self, fields: &[Field]) -> Result<&Value, ApiError> {
        match &self.json {
            None => Err(ApiError::bad_request(
                "the request body is required: a JSON object",
            )),
            Some(Err(why)) => Err(ApiError::bad_request(why.clone())),
            Some(Ok(doc)) => {
                schema::check(doc, fields)?;
                Ok(doc)
            }
        }
    }

    /// The plain text of the body's ENC fields, by path (`facepay_user.phone`); call after
    /// [`Self::body`]. Refuses a request whose `Wechatpay-Serial` does not name the
    /// simulator's WeChat Pay key, or whose ENC fields are not ciphertexts under it.
    pub(crate) fn plain_fields(
        &self,
    ) -> Result<std::collections::HashMap<String, String>, ApiError> {
        require_plain(&self.opened, self.wechatpay_serial.as_deref(), &self.key_id)
    }

    /// The query parameters, allowing only `allowed`.
    pub(crate) fn query(&self, allowed: &[&str]) -> Result<Query, ApiError> {
        Query::parse(self.query.as_deref(), allowed)
    }
}

/// Answers an authenticated API request.
pub(crate) fn route(shared: &Shared, request: &ApiRequest) -> Answer {
    let result = match &request.route {
        Route::QueryOrganization => api_users::query_organization(shared, request),
        Route::GetToken => api_users::get_token(shared, request),
        Route::QueryUser { org, out_user_id } => {
            api_users::query_user(shared, request, org, out_user_id)
        }
        Route::UpdateUser { org, out_user_id } => {
            api_users::update_user(shared, request, org, out_user_id)
        }
        Route::Terminate { org, use_id } => Ok(api_users::terminate(shared, org, use_id)),
        Route::GetAuthinfo => api_contracts::get_authinfo(shared, request),
        Route::PresignContract => api_contracts::presign(shared, request),
        Route::QueryContract { contract_id } => {
            api_contracts::query_contract(shared, request, contract_id)
        }
        Route::ListCollections => api_collections::list(shared, request),
        Route::QueryCollection { collection_id } => {
            api_collections::query(shared, request, collection_id)
        }
        Route::ApplyDeduction => api_deductions::apply(shared, request),
        Route::QueryDeduction { out_trade_no } => {
            api_deductions::query(shared, request, out_trade_no)
        }
        Route::RepaymentUrl => api_deductions::repayment_url(shared, request),
        Route::DownloadCertificates => api_certificates::download(shared, request),
        Route::Unknown => Err(ApiError::not_found(format!(
            "no such API: {} {}",
            request.method, request.path
        ))),
    };
    result.unwrap_or_else(Answer::from)
}

/// A fresh random token (auth tokens, authinfo, presign tokens, repayment URLs).
pub(crate) fn fresh_secret() -> Result<String, ApiError> {
    crate::signer::random_hex(24).map_err(|_| ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code: "SYSTEM_ERROR",
        message: "the system random generator failed".into(),
        detail: None,
    })
}

/// A signed 200 with this JSON document.
pub(crate) fn ok_json(doc: &Value) -> Answer {
    Answer::json_bytes(StatusCode::OK, doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oaep::FieldDecryptor;

    fn route(method: Method, path: &str) -> Route {
        Route::of(&method, path)
    }

    #[test]
    fn routes_every_operation() {
        let org = "DBES323aeb".to_owned();
        let cases = [
            (
                Method::GET,
                "/v3/offlinefacemch/organizations",
                Route::QueryOrganization,
            ),
            (Method::POST, "/v3/offlinefacemch/tokens", Route::GetToken),
            (
                Method::GET,
                "/v3/offlinefacemch/organizations/DBES323aeb/users/out-user-id/S%E5%8D%97",
                Route::QueryUser {
                    org: org.clone(),
                    out_user_id: "S南".into(),
                },
            ),
            (
                Method::PATCH,
                "/v3/offlinefacemch/organizations/DBES323aeb/users/out-user-id/S1",
                Route::UpdateUser {
                    org: org.clone(),
                    out_user_id: "S1".into(),
                },
            ),
            (Method::POST, "/v3/offlineface/authinfo", Route::GetAuthinfo),
            (
                Method::POST,
                "/v3/offlineface/contracts/presign",
                Route::PresignContract,
            ),
            (
                Method::GET,
                "/v3/offlineface/contracts/CT-odd-1",
                Route::QueryContract {
                    contract_id: "CT-odd-1".into(),
                },
            ),
            (
                Method::GET,
                "/v3/offlineface/face-collections",
                Route::ListCollections,
            ),
            (
                Method::GET,
                "/v3/offlineface/face-collections/FC1",
                Route::QueryCollection {
                    collection_id: "FC1".into(),
                },
            ),
            (
                Method::POST,
                "/v3/offlineface/transactions",
                Route::ApplyDeduction,
            ),
            (
                Method::GET,
                "/v3/offlineface/transactions/out-trade-no/T%201",
                Route::QueryDeduction {
                    out_trade_no: "T 1".into(),
                },
            ),
            (
                Method::POST,
                "/v3/offlineface/repayment-url",
                Route::RepaymentUrl,
            ),
            (Method::GET, "/v3/certificates", Route::DownloadCertificates),
        ];
        for (method, path, expected) in cases {
            assert_eq!(route(method.clone(), path), expected, "{method} {path}");
        }
        for (method, path) in [
            (Method::POST, "/v3/offlinefacemch/organizations"),
            (Method::GET, "/v3/offlinefacemch/tokens"),
            (
                Method::DELETE,
                "/v3/offlinefacemch/organizations/O/users/out-user-id/S1",
            ),
            (Method::GET, "/v3/offlineface/contracts/"),
            (Method::GET, "/v3/offlineface/contracts/%FF"),
            (Method::POST, "/v3/offlineface/contracts/CT1"),
            (Method::GET, "/v3/offlineface/face-collections/"),
            (Method::GET, "/v3/offlineface/transactions/out-trade-no"),
            (Method::GET, "/v3/offlineface/transactions"),
            (Method::POST, "/v3/offlineface/repayment-url/"),
            (Method::GET, "/v3/offlineface/unknown"),
            (Method::POST, "/v3/certificates"),
            (Method::GET, "/v3/certificates/"),
        ] {
            assert_eq!(
                route(method.clone(), path),
                Route::Unknown,
                "{method} {path}"
            );
        }
    }

    fn logged(body: &[u8]) -> Value {
        let key = rustls::pki_types::PrivatePkcs8KeyDer::from(
            rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)
                .unwrap()
                .serialize_der(),
        );
        let key = RequestKey {
            decryptor: std::sync::Arc::new(FieldDecryptor::new(key.secret_pkcs8_der()).unwrap()),
            id: "PUB_KEY_ID_X".into(),
        };
        let request = ApiRequest::new(
            key,
            Method::POST,
            "/v3/offlinefacemch/tokens?x=1".into(),
            Some("x=1".into()),
            "/v3/offlinefacemch/tokens".into(),
            None,
            Bytes::copy_from_slice(body),
        );
        request.log_entry()
    }

    #[test]
    fn log_entries_show_what_arrived() {
        assert_eq!(
            logged(br#"{"scene":"WEBSESSION"}"#),
            json!({"method": "POST", "target": "/v3/offlinefacemch/tokens?x=1",
                   "wechatpay_serial": null, "body": {"scene": "WEBSESSION"}})
        );
        assert_eq!(logged(b"")["body"], Value::Null);
        assert_eq!(logged(b"scene=x")["body"], "scene=x");
        let big = vec![b' '; LOGGED_BODY_LIMIT + 1];
        assert_eq!(logged(&big)["body"], "(65537 bytes, not kept)");
    }

    #[test]
    fn decodes_terminate_paths() {
        let terminate = |path: &str| route(Method::POST, path);
        assert_eq!(
            terminate(
                "/v3/offlinefacemch/organizations/ORG%3A1%2B2%40x/users/user-id/u~._-9/terminate-contract"
            ),
            Route::Terminate {
                org: "ORG:1+2@x".into(),
                use_id: "u~._-9".into()
            }
        );
        assert_eq!(
            terminate(
                "/v3/offlinefacemch/organizations/%E5%8D%97/users/user-id/a%2fb/terminate-contract"
            ),
            Route::Terminate {
                org: "南".into(),
                use_id: "a/b".into()
            }
        );
        for path in [
            "/v3/offlinefacemch/organizations/O/users/user-id/U/terminate-contract/",
            "/v3/offlinefacemch/organizations/O/users/out-user-id/U/terminate-contract",
            "/v3/offlinefacemch/organizations/O%2/users/user-id/U/terminate-contract",
            "/v3/offlinefacemch/organizations/%FF/users/user-id/U/terminate-contract",
        ] {
            assert_eq!(terminate(path), Route::Unknown, "{path}");
        }
        assert_eq!(
            route(
                Method::GET,
                "/v3/offlinefacemch/organizations/O/users/user-id/U/terminate-contract"
            ),
            Route::Unknown
        );
    }
}
