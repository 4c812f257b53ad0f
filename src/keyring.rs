//! WeChat Pay's keys as a client holds them: the configured ones (public keys and platform
//! certificates, fixed for the client's life) and the platform certificates downloaded since,
//! which a refresh replaces as a whole, in one step: a reader sees the old set or the new
//! one, never a mix, and never a moment without keys.

use std::sync::{Arc, RwLock};

pub(crate) use crate::keys::Lookup;

use crate::keys::{EncryptingKey, KeyStore};

#[derive(Debug)]
pub(crate) struct Keyring {
    configured: KeyStore,
    downloaded: RwLock<Arc<KeyStore>>,
}

/// The keys at one moment: what a verification or an encryption uses from start to end.
pub(crate) struct KeySet<'a> {
    configured: &'a KeyStore,
    downloaded: Arc<KeyStore>,
}

impl Keyring {
    pub(crate) fn new(configured: KeyStore) -> Self {
        Keyring {
            configured,
            downloaded: RwLock::new(Arc::new(KeyStore::default())),
        }
    }

    pub(crate) fn snapshot(&self) -> KeySet<'_> {
        let downloaded = self
            .downloaded
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        KeySet {
            configured: &self.configured,
            downloaded: Arc::clone(&downloaded),
        }
    }

    /// Replaces the downloaded certificates with `certificates`.
    pub(crate) fn replace_downloaded(&self, certificates: KeyStore) {
        let mut downloaded = self
            .downloaded
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *downloaded = Arc::new(certificates);
    }
}

/// Keys a signature may be checked with, by id.
pub(crate) trait KeyLookup {
    fn lookup(&self, id: &str, now: i64) -> Lookup<'_>;
}

impl KeyLookup for KeySet<'_> {
    /// What `id` names at `now`: a configured key first, then a downloaded certificate.
    fn lookup(&self, id: &str, now: i64) -> Lookup<'_> {
        match self.configured.lookup(id, now) {
            Lookup::Unknown => self.downloaded.lookup(id, now),
            found => found,
        }
    }
}

/// The keys at one moment, and the certificates a download just brought: the download's own
/// response may be signed by one of those (the first download has nothing else to trust).
pub(crate) struct WithDownload<'a> {
    pub current: &'a KeySet<'a>,
    pub download: &'a KeyStore,
}

/// A store on its own (the configured keys only).
impl KeyLookup for KeyStore {
    fn lookup(&self, id: &str, now: i64) -> Lookup<'_> {
        KeyStore::lookup(self, id, now)
    }
}

impl KeyLookup for WithDownload<'_> {
    fn lookup(&self, id: &str, now: i64) -> Lookup<'_> {
        match self.current.lookup(id, now) {
            Lookup::Unknown => self.download.lookup(id, now),
            found => found,
        }
    }
}

impl KeySet<'_> {
    /// The key requests name in `Wechatpay-Serial`, and sensitive fields are encrypted to: a
    /// public key first, else the usable platform certificate that became valid last.
    pub(crate) fn preferred(&self, now: i64) -> Option<(String, Arc<EncryptingKey>)> {
        [
            self.configured.preferred(now),
            self.downloaded.preferred(now),
        ]
        .into_iter()
        .flatten()
        .max_by(|a, b| a.2.cmp(&b.2))
        .map(|(id, key, _)| (id.to_owned(), Arc::clone(key)))
    }

    /// Whether any key can verify a signature at `now`.
    pub(crate) fn any_usable(&self, now: i64) -> bool {
        self.configured.usable(now) + self.downloaded.usable(now) > 0
    }
}
