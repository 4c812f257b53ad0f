//! Opening connections: the host looked up only when a new connection is needed (see
//! `lookup.rs`), failures before any request byte was written marked as such, and every
//! connection tied to the process that opened it, so that a child after `fork()` never writes
//! on a connection it inherited from its parent (same TLS keys and record numbers: nonce reuse,
//! and two processes talking over each other).

use std::fmt;
use std::time::Instant;

use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, DefaultConnector, NextTimeout, Transport,
};

use super::lookup::{LookupFailure, Lookups, MAX_OUTSTANDING};

/// The connector chain (TCP, proxy, TLS handshake) of one client.
#[derive(Debug)]
pub(super) struct Connect {
    inner: DefaultConnector,
    lookups: Lookups,
}

impl Connect {
    pub(super) fn new(lookups: Lookups) -> Self {
        Connect {
            inner: DefaultConnector::new(),
            lookups,
        }
    }
}

/// A failure while connecting: nothing of the request was written.
#[derive(Debug)]
pub(super) struct NotConnected(pub(super) ureq::Error);

impl fmt::Display for NotConnected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "connection not established: {}", self.0)
    }
}

impl std::error::Error for NotConnected {}

impl fmt::Display for LookupFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupFailure::NotAnswering => write!(
                f,
                "DNS lookups are not answering ({MAX_OUTSTANDING} still outstanding): check the resolver"
            ),
            LookupFailure::TimedOut => f.write_str(
                "the DNS lookup did not answer within the connect timeout (connect_timeout_ms)",
            ),
            LookupFailure::Failed(e) => write!(f, "DNS lookup failed: {e}"),
        }
    }
}

impl std::error::Error for LookupFailure {}

impl Connector<()> for Connect {
    type Out = ProcessOwned<<DefaultConnector as Connector<()>>::Out>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let not_connected = |e| ureq::Error::Other(Box::new(NotConnected(e)));
        let resolved;
        let details = if details.addrs.is_empty() && details.config.proxy().is_none() {
            resolved = self.with_addresses(details).map_err(not_connected)?;
            &resolved
        } else {
            details
        };
        let connection = self
            .inner
            .connect(details, chained)
            .map_err(not_connected)?;
        Ok(connection.map(ProcessOwned::new))
    }
}

impl Connect {
    /// The details of a new connection with the host looked up, within the connect timeout.
    fn with_addresses<'a>(
        &self,
        details: &ConnectionDetails<'a>,
    ) -> Result<ConnectionDetails<'a>, ureq::Error> {
        let started = Instant::now();
        let addrs = lookup(&self.lookups, details.uri, details.timeout)?;
        let mut timeout = details.timeout;
        if let UreqDuration::Exact(left) = timeout.after {
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
}

/// ureq asks its resolver before every request, also one that then reuses a pooled
/// connection. Without a proxy this one responses "nothing yet" and [`Connect`] looks the host
/// up only when it opens a new connection; with a proxy it is asked for the proxy's address.
#[derive(Debug)]
pub(super) struct DeferredResolver(pub(super) Lookups);

impl Resolver for DeferredResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        match config.proxy() {
            None => Ok(self.empty()),
            Some(_) => lookup(&self.0, uri, timeout),
        }
    }
}

fn lookup(
    lookups: &Lookups,
    uri: &ureq::http::Uri,
    timeout: NextTimeout,
) -> Result<ResolvedSocketAddrs, ureq::Error> {
    let host = uri.host().unwrap_or_default();
    let default_port = if uri.scheme_str() == Some("http") {
        80
    } else {
        443
    };
    let port = uri.port_u16().unwrap_or(default_port);
    let limit = match timeout.after {
        UreqDuration::Exact(left) => Some(left),
        UreqDuration::NotHappening => None,
    };
    let found = lookups
        .resolve(host, port, limit)
        .map_err(|failure| ureq::Error::Other(Box::new(failure)))?;
    let mut addrs = DeferredResolver(lookups.clone()).empty();
    // ureq holds at most 16 addresses per host.
    for addr in found.into_iter().take(16) {
        addrs.push(addr);
    }
    Ok(addrs)
}

/// A connection used only by the process that opened it. In any other process (a child after
/// `fork()`) it reports itself closed, so the pool drops it — which closes only the child's
/// copy of the socket, without a byte written — and the child opens its own.
#[derive(Debug)]
pub(super) struct ProcessOwned<T> {
    inner: T,
    owner: u32,
}

impl<T> ProcessOwned<T> {
    fn new(inner: T) -> Self {
        ProcessOwned {
            inner,
            owner: std::process::id(),
        }
    }

    fn is_ours(&self) -> bool {
        self.owner == std::process::id()
    }

    fn refuse(&self) -> ureq::Error {
        ureq::Error::Other(Box::new(NotConnected(ureq::Error::ConnectionFailed)))
    }
}

impl<T: Transport> Transport for ProcessOwned<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        if !self.is_ours() {
            return Err(self.refuse());
        }
        self.inner.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        if !self.is_ours() {
            return Err(self.refuse());
        }
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        // The owner check comes first: probing the socket reads from it and flips it to
        // non-blocking, which would disturb the parent's use of the same socket.
        self.is_ours() && self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}
