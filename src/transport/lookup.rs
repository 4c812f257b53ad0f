//! Host lookups for new connections. An IP literal needs none. A name is looked up on a
//! short-lived thread, so that a stalled resolver cannot hold a call past its connect deadline
//! (`getaddrinfo` has no timeout of its own); a client keeps at most four such lookups
//! outstanding and, past that, fails at once instead of piling up threads.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// Lookups a client may have outstanding at once (threads stuck in a stalled resolver).
pub(crate) const MAX_OUTSTANDING: usize = 4;

/// Why a lookup gave no address.
#[derive(Debug)]
pub(crate) enum LookupFailure {
    /// `MAX_OUTSTANDING` earlier lookups have not returned: the resolver is not answering.
    NotAnswering,
    /// No response within the time left to connect.
    TimedOut,
    /// The resolver answered with an error or with no address.
    Failed(std::io::Error),
}

/// One client's lookups. Cloning shares the count of outstanding ones.
#[derive(Clone, Debug, Default)]
pub(crate) struct Lookups {
    outstanding: Arc<AtomicUsize>,
}

impl Lookups {
    /// The addresses of `host` (a name, an IPv4 literal or a bracketed IPv6 literal) at `port`.
    pub(crate) fn resolve(
        &self,
        host: &str,
        port: u16,
        limit: Option<Duration>,
    ) -> Result<Vec<SocketAddr>, LookupFailure> {
        let literal = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if let Ok(ip) = literal.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        let Some(slot) = self.take_slot() else {
            return Err(LookupFailure::NotAnswering);
        };
        let (tx, rx) = mpsc::sync_channel(1);
        let name = host.to_owned();
        let spawned = std::thread::Builder::new()
            .name("wxface-dns".into())
            .spawn(move || {
                let _slot = slot; // freed when the lookup returns, answered or not
                let _ = tx.send((name.as_str(), port).to_socket_addrs());
            });
        if let Err(e) = spawned {
            return Err(LookupFailure::Failed(e));
        }
        let response = match limit {
            Some(limit) => rx
                .recv_timeout(limit)
                .map_err(|_| LookupFailure::TimedOut)?,
            None => rx.recv().map_err(|_| LookupFailure::TimedOut)?,
        };
        let addrs: Vec<SocketAddr> = response.map_err(LookupFailure::Failed)?.collect();
        if addrs.is_empty() {
            return Err(LookupFailure::Failed(std::io::Error::other("no address")));
        }
        Ok(addrs)
    }

    fn take_slot(&self) -> Option<Slot> {
        self.outstanding
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_OUTSTANDING).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(self.outstanding.clone()))
    }
}

/// One outstanding lookup; dropping it frees its place.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_literals_need_no_lookup_and_no_slot() {
        let lookups = Lookups::default();
        for _ in 0..MAX_OUTSTANDING + 2 {
            let held: Vec<Slot> = (0..MAX_OUTSTANDING)
                .filter_map(|_| lookups.take_slot())
                .collect();
            assert_eq!(
                lookups.resolve("127.0.0.1", 443, None).unwrap(),
                vec!["127.0.0.1:443".parse().unwrap()]
            );
            assert_eq!(
                lookups.resolve("[::1]", 8443, None).unwrap(),
                vec!["[::1]:8443".parse().unwrap()]
            );
            drop(held);
        }
    }

    #[test]
    fn slots_are_capped_and_given_back() {
        let lookups = Lookups::default();
        let held: Vec<Slot> = (0..MAX_OUTSTANDING)
            .filter_map(|_| lookups.take_slot())
            .collect();
        assert_eq!(held.len(), MAX_OUTSTANDING);
        assert!(matches!(
            lookups.resolve("wxface.invalid", 443, None),
            Err(LookupFailure::NotAnswering)
        ));
        drop(held);
        assert!(lookups.take_slot().is_some());
    }
}
