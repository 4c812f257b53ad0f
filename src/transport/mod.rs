//! HTTPS transport: one pooled ureq agent per client (rustls on aws-lc-rs), the bundled and
//! configured trust roots, timeouts, proxy, the response size cap and the one safe failover.

mod connect;
mod lookup;

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ureq::Agent;
use ureq::http::{HeaderMap, Response};
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};

use self::connect::{Connect, DeferredResolver, NotConnected};
use self::lookup::{LookupFailure, Lookups};
use crate::error::{Error, ErrorKind};

/// What the transport needs to know, and nothing more (no key material).
#[derive(Clone)]
pub(crate) struct TransportSettings {
    /// `https://host[:port]`, checked.
    pub base_url: String,
    pub backup_base_url: Option<String>,
    /// Extra trusted roots (DER), in addition to the bundled webpki roots.
    pub root_certificates: Vec<Vec<u8>>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// `http://[user:password@]host:port`, checked.
    pub proxy: Option<String>,
}

impl std::fmt::Debug for TransportSettings {
    /// Everything but a proxy's credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let proxy = self.proxy.as_deref().map(|url| match url.rsplit_once('@') {
            Some((_, host)) => format!("http://(credentials redacted)@{host}"),
            None => url.to_owned(),
        });
        f.debug_struct("TransportSettings")
            .field("base_url", &self.base_url)
            .field("backup_base_url", &self.backup_base_url)
            .field("root_certificates", &self.root_certificates.len())
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("proxy", &proxy)
            .finish()
    }
}

/// Responses larger than this are refused: no K12 response comes near it.
pub(crate) const MAX_ANSWER_BYTES: u64 = 1 << 20;

/// WeChat Pay closes idle connections after 8 s; reuse them only well before that so a
/// request is never written into a connection the server is closing.
const MAX_IDLE_AGE: Duration = Duration::from_secs(6);

/// Enough idle connections for a POS back office with a few worker threads.
const MAX_IDLE_PER_HOST: usize = 16;

/// A response as it came off the wire.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The body was longer than [`MAX_ANSWER_BYTES`] and `body` holds only its first part
    /// (kept for a non-2xx response, whose status and code still count).
    pub body_cut: bool,
}

impl RawResponse {
    /// A header value by case-insensitive name, if present and printable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `error`, about this response: its HTTP status and Request-ID attached.
    pub fn annotate(&self, error: Error) -> Error {
        about_response(error, self.status, &self.headers)
    }

    /// The `Request-ID` header, whatever its bytes (the caller makes it printable), or "".
    pub fn request_id(&self) -> String {
        request_id(&self.headers)
    }
}

/// The one place an error learns which response it is about: the HTTP status, and the
/// `Request-ID` that WeChat Pay support asks for.
fn about_response(error: Error, status: u16, headers: &HeaderMap) -> Error {
    error
        .with_http_status(status)
        .with_request_id(&request_id(headers))
}

fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("Request-ID")
        .map(|id| String::from_utf8_lossy(id.as_bytes()).into_owned())
        .unwrap_or_default()
}

/// A request ready to go: everything but the host is fixed, including the signature.
pub struct Request<'a> {
    pub method: &'static str,
    pub target: &'a str,
    pub headers: &'a [(&'static str, &'a str)],
    pub body: Option<&'a [u8]>,
}

/// Sends signed requests; shared by all threads of a client.
#[derive(Debug)]
pub struct Transport {
    agent: Agent,
    base_url: String,
    backup_base_url: Option<String>,
    request_timeout: Duration,
}

impl Transport {
    pub fn new(settings: &TransportSettings, user_agent: &str) -> Result<Self, Error> {
        let mut roots: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()))
            .collect();
        roots.extend(
            settings
                .root_certificates
                .iter()
                .map(|der| Certificate::from_der(der).to_owned()),
        );
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .root_certs(RootCerts::new_with_certs(&roots))
            .build();
        let proxy = match &settings.proxy {
            Some(url) => {
                Some(ureq::Proxy::new(url).map_err(|e| Error::config(format!("proxy: {e}")))?)
            }
            None => None,
        };
        let agent_config = Agent::config_builder()
            .tls_config(tls)
            .https_only(true)
            .proxy(proxy)
            .timeout_connect(Some(settings.connect_timeout))
            .timeout_global(Some(settings.request_timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .save_redirect_history(false)
            .max_idle_age(MAX_IDLE_AGE)
            .max_idle_connections_per_host(MAX_IDLE_PER_HOST)
            .max_idle_connections(MAX_IDLE_PER_HOST * 2)
            .user_agent(user_agent)
            .accept("application/json")
            .build();
        let lookups = Lookups::default();
        let agent = Agent::with_parts(
            agent_config,
            Connect::new(lookups.clone()),
            DeferredResolver(lookups),
        );
        Ok(Transport {
            agent,
            base_url: settings.base_url.clone(),
            backup_base_url: settings.backup_base_url.clone(),
            request_timeout: settings.request_timeout,
        })
    }

    /// Sends the request to `base_url`; if no connection to it could be established (so no
    /// byte of the request left this host), sends the same request once to
    /// `backup_base_url`, within what is left of the whole-request timeout.
    pub fn send(&self, request: &Request<'_>) -> Result<RawResponse, Error> {
        let started = Instant::now();
        let failure = match self.send_to(&self.base_url, request, None) {
            Ok(response) => return Ok(response),
            Err(failure) => failure,
        };
        let remaining = self.request_timeout.saturating_sub(started.elapsed());
        match &self.backup_base_url {
            Some(backup) if failure.nothing_sent && !remaining.is_zero() => self
                .send_to(backup, request, Some(remaining))
                .map_err(|backup_failure| {
                    let message = format!(
                        "{}; backup {}: {}",
                        failure.error.message(),
                        backup,
                        backup_failure.error.message()
                    );
                    Error::new(backup_failure.error.kind(), message)
                }),
            _ => Err(failure.error),
        }
    }

    fn send_to(
        &self,
        base_url: &str,
        request: &Request<'_>,
        timeout: Option<Duration>,
    ) -> Result<RawResponse, Failure> {
        let url = format!("{base_url}{}", request.target);
        let mut builder = ureq::http::Request::builder()
            .method(request.method)
            .uri(&url);
        for (name, value) in request.headers {
            builder = builder.header(*name, *value);
        }
        let outcome = match request.body {
            Some(body) => {
                let http_request = builder
                    .header("Content-Type", "application/json")
                    .body(body)
                    .map_err(|e| Failure::internal(format!("cannot build the request: {e}")))?;
                self.run(http_request, timeout)
            }
            None => {
                let http_request = builder
                    .body(&[][..])
                    .map_err(|e| Failure::internal(format!("cannot build the request: {e}")))?;
                self.run(http_request, timeout)
            }
        };
        let mut response = outcome.map_err(|e| Failure::from_ureq(e, base_url))?;
        let (body, body_cut) = read_body(&mut response)
            .map_err(|e| Failure::from_ureq(e, base_url).with_response(&response))?;
        let status = response.status().as_u16();
        if body_cut && (200..300).contains(&status) {
            let error = Error::response(format!(
                "response from {base_url} is larger than the {MAX_ANSWER_BYTES}-byte limit"
            ));
            return Err(Failure::sent(error).with_response(&response));
        }
        Ok(RawResponse {
            status,
            headers: std::mem::take(response.headers_mut()),
            body,
            body_cut,
        })
    }

    fn run(
        &self,
        request: ureq::http::Request<&[u8]>,
        timeout: Option<Duration>,
    ) -> Result<Response<ureq::Body>, ureq::Error> {
        match timeout {
            None => self.agent.run(request),
            Some(limit) => ureq::RequestExt::with_agent(request, &self.agent)
                .configure()
                .timeout_global(Some(limit))
                .build()
                .run(),
        }
    }
}

/// Reads at most [`MAX_ANSWER_BYTES`] of the body; `true` when there was more.
fn read_body(response: &mut Response<ureq::Body>) -> Result<(Vec<u8>, bool), ureq::Error> {
    let mut body = Vec::new();
    response
        .body_mut()
        .as_reader()
        .take(MAX_ANSWER_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(ureq_error)?;
    let cut = body.len() as u64 > MAX_ANSWER_BYTES;
    body.truncate(MAX_ANSWER_BYTES as usize);
    Ok((body, cut))
}

/// The ureq error inside an I/O error from a body reader.
fn ureq_error(io: std::io::Error) -> ureq::Error {
    if io.get_ref().is_some_and(|inner| inner.is::<ureq::Error>()) {
        if let Some(Ok(inner)) = io.into_inner().map(|e| e.downcast::<ureq::Error>()) {
            return *inner;
        }
        unreachable!("checked to hold a ureq::Error");
    }
    ureq::Error::Io(io)
}

/// A transport failure, and whether it happened before any request byte was sent.
struct Failure {
    error: Error,
    nothing_sent: bool,
}

impl Failure {
    fn internal(message: String) -> Self {
        Failure {
            error: Error::new(ErrorKind::Internal, message),
            nothing_sent: true,
        }
    }

    fn sent(error: Error) -> Self {
        Failure {
            error: error.with_request_sent(),
            nothing_sent: false,
        }
    }

    fn from_ureq(error: ureq::Error, base_url: &str) -> Self {
        match error {
            ureq::Error::Other(inner) => match inner.downcast::<NotConnected>() {
                Ok(not_connected) => Failure {
                    error: classify(not_connected.0, base_url, false),
                    nothing_sent: true,
                },
                Err(other) => Failure::sent(classify(ureq::Error::Other(other), base_url, true)),
            },
            // ureq looks the host up before connecting when a proxy is set.
            e @ (ureq::Error::HostNotFound | ureq::Error::Timeout(ureq::Timeout::Resolve)) => {
                Failure {
                    error: classify(e, base_url, false),
                    nothing_sent: true,
                }
            }
            other => Failure::sent(classify(other, base_url, true)),
        }
    }

    /// A failure while reading the response's body: the status and Request-ID did arrive.
    fn with_response(mut self, response: &Response<ureq::Body>) -> Self {
        self.error = about_response(self.error, response.status().as_u16(), response.headers());
        self
    }
}

/// Maps a ureq error to a wxface error with a message that says where it happened. A TLS
/// failure once the request was written is a network error: `WXFACE_ERR_TLS` promises that
/// nothing was sent.
fn classify(error: ureq::Error, base_url: &str, sent: bool) -> Error {
    use ureq::Error as E;
    let phase = if sent { "talking to" } else { "connecting to" };
    let tls = |what: &dyn std::fmt::Display| match sent {
        false => Error::new(ErrorKind::Tls, format!("{phase} {base_url}: TLS: {what}")),
        true => Error::new(
            ErrorKind::Network,
            format!("{phase} {base_url}: TLS failure after the request was written: {what}"),
        ),
    };
    match error {
        E::Other(inner) => match inner.downcast::<LookupFailure>() {
            Ok(lookup) => {
                let kind = match *lookup {
                    LookupFailure::TimedOut => ErrorKind::Timeout,
                    _ => ErrorKind::Network,
                };
                Error::new(kind, format!("{phase} {base_url}: {lookup}"))
            }
            Err(other) => Error::new(ErrorKind::Network, format!("{phase} {base_url}: {other}")),
        },
        E::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => Error::new(
            ErrorKind::Timeout,
            format!("{phase} {base_url}: connect timeout exceeded (connect_timeout_ms)"),
        ),
        E::Timeout(_) => Error::new(
            ErrorKind::Timeout,
            format!("{phase} {base_url}: no complete response within request_timeout_ms"),
        ),
        E::HostNotFound => Error::new(
            ErrorKind::Network,
            format!("{phase} {base_url}: host not found (DNS)"),
        ),
        E::Tls(what) => tls(&what),
        E::Rustls(e) => tls(&e),
        E::Io(io) => match io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            Some(e) => tls(e),
            None if io.kind() == std::io::ErrorKind::TimedOut => Error::new(
                ErrorKind::Timeout,
                format!("{phase} {base_url}: timed out ({io})"),
            ),
            None => Error::new(ErrorKind::Network, format!("{phase} {base_url}: {io}")),
        },
        E::ConnectionFailed => Error::new(
            ErrorKind::Network,
            format!("{phase} {base_url}: connection failed"),
        ),
        other => Error::new(ErrorKind::Network, format!("{phase} {base_url}: {other}")),
    }
}
