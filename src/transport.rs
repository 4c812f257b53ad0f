//! HTTPS transport: one pooled ureq agent per client (rustls on aws-lc-rs), the bundled and
//! configured trust roots, timeouts, proxy, the answer size cap and the one safe failover.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ureq::Agent;
use ureq::http::{HeaderMap, Response};
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{ConnectionDetails, Connector, DefaultConnector, NextTimeout};

use crate::config::Config;
use crate::error::{Error, ErrorKind};

/// Answers larger than this are refused: no K12 answer comes near it.
pub(crate) const MAX_ANSWER_BYTES: u64 = 1 << 20;

/// WeChat Pay closes idle connections after 8 s; reuse them only well before that so a
/// request is never written into a connection the server is closing.
const MAX_IDLE_AGE: Duration = Duration::from_secs(6);

/// Enough idle connections for a POS back office with a few worker threads.
const MAX_IDLE_PER_HOST: usize = 16;

/// An answer as it came off the wire.
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl RawAnswer {
    /// A header value by case-insensitive name, if present and printable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
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
    pub fn new(config: &Config, user_agent: &str) -> Result<Self, Error> {
        let mut roots: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()))
            .collect();
        roots.extend(
            config
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
        let proxy = match &config.proxy {
            Some(url) => {
                Some(ureq::Proxy::new(url).map_err(|e| Error::config(format!("proxy: {e}")))?)
            }
            None => None,
        };
        let agent_config = Agent::config_builder()
            .tls_config(tls)
            .https_only(true)
            .proxy(proxy)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_global(Some(config.request_timeout))
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
        let agent = Agent::with_parts(
            agent_config,
            ConnectPhase(DefaultConnector::new()),
            ResolveOnConnect::default(),
        );
        Ok(Transport {
            agent,
            base_url: config.base_url.clone(),
            backup_base_url: config.backup_base_url.clone(),
            request_timeout: config.request_timeout,
        })
    }

    /// Sends the request to `base_url`; if no connection to it could be established (so no
    /// byte of the request left this host), sends the same request once to
    /// `backup_base_url`, within what is left of the whole-call timeout.
    pub fn send(&self, request: &Request<'_>) -> Result<RawAnswer, Error> {
        let started = Instant::now();
        let failure = match self.send_to(&self.base_url, request, None) {
            Ok(answer) => return Ok(answer),
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
    ) -> Result<RawAnswer, Failure> {
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
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_vec()
            .map_err(|e| Failure::from_ureq(e, base_url).with_answer(&response))?;
        Ok(RawAnswer {
            status: response.status().as_u16(),
            headers: std::mem::take(response.headers_mut()),
            body,
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

    fn from_ureq(error: ureq::Error, base_url: &str) -> Self {
        let (error, nothing_sent) = match error {
            ureq::Error::Other(inner) => match inner.downcast::<NotConnected>() {
                Ok(not_connected) => (not_connected.0, true),
                Err(other) => (ureq::Error::Other(other), false),
            },
            e @ (ureq::Error::HostNotFound | ureq::Error::Timeout(ureq::Timeout::Resolve)) => {
                (e, true)
            }
            other => (other, false),
        };
        Failure {
            error: classify(&error, base_url, nothing_sent),
            nothing_sent,
        }
    }

    /// A failure while reading the answer's body: the status and Request-ID did arrive.
    fn with_answer(mut self, response: &Response<ureq::Body>) -> Self {
        self.error = self.error.with_http_status(response.status().as_u16());
        if let Some(id) = response
            .headers()
            .get("Request-ID")
            .and_then(|v| v.to_str().ok())
        {
            self.error = self.error.with_request_id(id);
        }
        self
    }
}

/// Maps a ureq error to a wxface error with a message that says where it happened.
fn classify(error: &ureq::Error, base_url: &str, connecting: bool) -> Error {
    use ureq::Error as E;
    let phase = if connecting {
        "connecting to"
    } else {
        "talking to"
    };
    match error {
        E::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => Error::new(
            ErrorKind::Timeout,
            format!("{phase} {base_url}: connect timeout exceeded (connect_timeout_ms)"),
        ),
        E::Timeout(_) => Error::new(
            ErrorKind::Timeout,
            format!("{phase} {base_url}: no complete answer within request_timeout_ms"),
        ),
        E::HostNotFound => Error::new(
            ErrorKind::Network,
            format!("{phase} {base_url}: host not found (DNS)"),
        ),
        E::BodyExceedsLimit(_) => Error::response(format!(
            "answer from {base_url} is larger than the {MAX_ANSWER_BYTES}-byte limit"
        )),
        E::Tls(what) => Error::new(ErrorKind::Tls, format!("{phase} {base_url}: TLS: {what}")),
        E::Rustls(e) => Error::new(ErrorKind::Tls, format!("{phase} {base_url}: TLS: {e}")),
        E::Io(io) => match io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            Some(tls) => Error::new(ErrorKind::Tls, format!("{phase} {base_url}: TLS: {tls}")),
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

/// Wraps ureq's connector chain (TCP, proxy, TLS handshake) so that a failure there is
/// recognisable afterwards: it happened before any byte of the request was written.
#[derive(Debug)]
struct ConnectPhase(DefaultConnector);

#[derive(Debug)]
struct NotConnected(ureq::Error);

impl std::fmt::Display for NotConnected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "connection not established: {}", self.0)
    }
}

impl std::error::Error for NotConnected {}

impl Connector<()> for ConnectPhase {
    type Out = <DefaultConnector as Connector<()>>::Out;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let not_connected = |e| ureq::Error::Other(Box::new(NotConnected(e)));
        let resolved;
        let details = if details.addrs.is_empty() && details.config.proxy().is_none() {
            resolved = resolve_now(details).map_err(not_connected)?;
            &resolved
        } else {
            details
        };
        self.0.connect(details, chained).map_err(not_connected)
    }
}

/// ureq looks the host up before every request, also one that then reuses a pooled
/// connection, and with a timeout set it does so on a new thread: a thread and a DNS lookup
/// per call. Without a proxy this resolver leaves the lookup to [`ConnectPhase`], which does
/// it only when a new connection is opened; with a proxy, ureq's own rules apply.
#[derive(Debug, Default)]
struct ResolveOnConnect(DefaultResolver);

impl Resolver for ResolveOnConnect {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        match config.proxy() {
            Some(_) => self.0.resolve(uri, config, timeout),
            None => Ok(self.empty()),
        }
    }
}

/// The details of a new connection with the host looked up, within the connect timeout.
fn resolve_now<'a>(details: &ConnectionDetails<'a>) -> Result<ConnectionDetails<'a>, ureq::Error> {
    let started = Instant::now();
    let addrs = DefaultResolver::default().resolve(details.uri, details.config, details.timeout)?;
    let mut timeout = details.timeout;
    if let ureq::unversioned::transport::time::Duration::Exact(left) = timeout.after {
        timeout.after = left.saturating_sub(started.elapsed()).into();
    }
    Ok(ConnectionDetails {
        uri: details.uri,
        addrs,
        config: details.config,
        request_level: details.request_level,
        resolver: details.resolver,
        now: details.now,
        timeout,
        current_time: details.current_time.clone(),
        run_connector: details.run_connector.clone(),
        register_shutdown: details.register_shutdown.clone(),
    })
}
