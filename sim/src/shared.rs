//! State shared by the `Sim` handle and every connection task, and the operations that
//! the `Sim` handle and the control endpoints both offer.

use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::auth::RequestVerifier;
use crate::certificates::PlatformCertificate;
use crate::faults::FaultSlot;
use crate::k12::Directory;
use crate::keyring::KeyRing;
use crate::notification::{self, BuiltNotification, NotificationOptions, USER_STATE_CHANGE};
use crate::notifier::{Delivery, Notifier};
use crate::request_log::RequestLog;
use crate::signer::unix_now;
use crate::stats::StatsRecorder;
use crate::webhook::WebhookUrl;

pub(crate) struct Shared {
    pub(crate) stats: StatsRecorder,
    pub(crate) faults: FaultSlot,
    pub(crate) verifier: RequestVerifier,
    /// The WeChat Pay keys: who signs answers, who opens ENC fields, the platform
    /// certificates.
    pub(crate) keys: KeyRing,
    /// The merchant's APIv3 key: seals downloaded certificates and notifications.
    pub(crate) apiv3_key: String,
    pub(crate) notifier: Notifier,
    pub(crate) directory: Mutex<Directory>,
    pub(crate) requests: RequestLog,
    pub(crate) idempotent_terminate: bool,
    pub(crate) idle_close_after: Option<Duration>,
    /// Rotate the platform certificate once when this many API requests have arrived.
    pub(crate) rotate_after: Option<u64>,
    /// API requests since start (unlike the stats, never reset).
    pub(crate) api_requests: AtomicU64,
}

impl Shared {
    /// Counts an API request; `true` when it is the one before which the scheduled
    /// rotation happens.
    pub(crate) fn count_api_request(&self) -> bool {
        let seen = self.api_requests.fetch_add(1, Ordering::Relaxed);
        self.rotate_after == Some(seen)
    }

    pub(crate) fn platform_certificates(&self) -> (PlatformCertificate, Vec<PlatformCertificate>) {
        let now = unix_now();
        let certs = &self.keys.certificates;
        let listed = certs.listed().iter().map(|c| c.info(now)).collect();
        (certs.current().info(now), listed)
    }

    pub(crate) fn rotate_platform_certificate(&self) -> io::Result<PlatformCertificate> {
        let now = unix_now();
        Ok(self.keys.certificates.rotate(now)?.info(now))
    }

    pub(crate) fn serve_expired_platform_certificate(&self) -> PlatformCertificate {
        self.keys.certificates.serve_expired().info(unix_now())
    }

    pub(crate) fn build_notification(
        &self,
        options: &NotificationOptions,
    ) -> Result<BuiltNotification, String> {
        notification::build(self, options)
    }

    pub(crate) fn send_notification(
        &self,
        options: &NotificationOptions,
        url: Option<&str>,
        retries: Option<u32>,
        backoff: Option<Duration>,
    ) -> Result<Delivery, String> {
        let url = url.map(WebhookUrl::parse).transpose()?;
        let built = self.build_notification(options)?;
        self.notifier.send_now(&built, url, retries, backoff)
    }

    /// After a contract was terminated: queue its FACEPAY.USER_STATE_CHANGE notification
    /// (nothing without a notify URL).
    /// Call without holding the directory lock: the plaintext is read from it.
    pub(crate) fn notify_terminated(&self, org: &str, use_id: &str) {
        if self.notifier.config().url.is_none() {
            return;
        }
        let options = NotificationOptions {
            event_type: Some(USER_STATE_CHANGE.to_owned()),
            organization_id: Some(org.to_owned()),
            user_id: Some(use_id.to_owned()),
            ..NotificationOptions::default()
        };
        match self.build_notification(&options) {
            Ok(built) => self.notifier.queue(built, "terminate"),
            // Only a failing system random generator gets here.
            Err(why) => eprintln!("wxface-sim: cannot build a notification: {why}"),
        }
    }
}
