//! Delivering notifications to the notify URL as WeChat Pay does: POST, and on a non-2xx
//! reply or a broken connection try again a few times after a growing pause. Every
//! delivery is logged; tests wait on the log (a condvar) instead of sleeping.
//!
//! Deliveries caused by the API (a terminated contract) run one after another on a
//! thread of the simulator's own, so they never hold up an answer; a delivery asked for
//! through the control endpoint runs on the caller's thread and reports its outcome.

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rustls::ClientConfig;
use serde_json::{Map, Value, json};

use crate::notification::BuiltNotification;
use crate::sync::lock;
use crate::webhook::{self, WebhookUrl};

/// Deliveries kept in the log; older ones are forgotten first.
const KEPT_DELIVERIES: usize = 1000;

/// Where and how persistently notifications are delivered.
#[derive(Debug, Clone)]
pub(crate) struct NotifyConfig {
    /// `None`: the API sends no notifications.
    pub(crate) url: Option<WebhookUrl>,
    /// Attempts after the first one.
    pub(crate) retries: u32,
    /// The pause before the first retry; it doubles before each further one.
    pub(crate) backoff: Duration,
    /// For connecting, and for each read and write.
    pub(crate) timeout: Duration,
}

impl NotifyConfig {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "url": self.url.as_ref().map(|u| u.text.clone()),
            "retries": self.retries,
            "backoff_ms": self.backoff.as_millis() as u64,
            "timeout_ms": self.timeout.as_millis() as u64,
        })
    }
}

/// One try at delivering a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    /// The receiver's HTTP status; `None` when no answer came.
    pub status: Option<u16>,
    /// What went wrong without an answer (connection refused, timeout, TLS, …).
    pub error: Option<String>,
    /// The start of the receiver's reply body (at most 512 bytes).
    pub reply: String,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Still being tried.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed (or the simulator stopped first).
    Failed,
}

impl DeliveryOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryOutcome::Pending => "pending",
            DeliveryOutcome::Delivered => "delivered",
            DeliveryOutcome::Failed => "failed",
        }
    }
}

/// A notification and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// 1, 2, 3 … in the order deliveries started.
    pub seq: u64,
    /// The notification's `id` and `event_type`.
    pub id: String,
    pub event_type: String,
    /// `terminate` (the API terminated a contract) or `control` (`/__sim/notifications/send`).
    pub trigger: String,
    pub url: String,
    pub attempts: Vec<DeliveryAttempt>,
    pub outcome: DeliveryOutcome,
    /// Exactly what was sent each time.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Delivery {
    /// The document `GET /__sim/notifications` lists.
    pub fn to_json(&self) -> Value {
        let attempts: Vec<Value> = self
            .attempts
            .iter()
            .map(|a| match (&a.status, &a.error) {
                (Some(status), _) => json!({ "status": status, "reply": a.reply }),
                (None, error) => json!({ "error": error }),
            })
            .collect();
        let headers: Map<String, Value> = self
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), Value::String(v.clone())))
            .collect();
        json!({
            "seq": self.seq,
            "id": self.id,
            "event_type": self.event_type,
            "trigger": self.trigger,
            "url": self.url,
            "attempts": attempts,
            "outcome": self.outcome.as_str(),
            "headers": headers,
            "body": self.body,
        })
    }
}

#[derive(Default)]
struct LogState {
    next_seq: u64,
    entries: VecDeque<Delivery>,
    /// Deliveries finished since the log was last cleared (evicted ones included).
    finished: usize,
    /// The simulator stopped: nobody waits any more.
    closed: bool,
}

/// Every delivery, with a condvar signalled whenever one changes.
#[derive(Default)]
pub(crate) struct DeliveryLog {
    state: Mutex<LogState>,
    changed: Condvar,
}

impl DeliveryLog {
    /// Logs a new, pending delivery and returns it (with its `seq`).
    fn start(&self, notification: &BuiltNotification, url: &str, trigger: &str) -> Delivery {
        let mut state = lock(&self.state);
        state.next_seq += 1;
        let delivery = Delivery {
            seq: state.next_seq,
            id: notification.id.clone(),
            event_type: notification.event_type.clone(),
            trigger: trigger.to_owned(),
            url: url.to_owned(),
            attempts: Vec::new(),
            outcome: DeliveryOutcome::Pending,
            headers: notification.headers.clone(),
            body: notification.body.clone(),
        };
        if state.entries.len() == KEPT_DELIVERIES {
            state.entries.pop_front();
        }
        state.entries.push_back(delivery.clone());
        drop(state);
        self.changed.notify_all();
        delivery
    }

    /// Replaces the logged copy of `delivery` (if still kept) and wakes the waiters.
    fn record(&self, delivery: &Delivery) {
        let mut state = lock(&self.state);
        if delivery.outcome != DeliveryOutcome::Pending {
            state.finished += 1;
        }
        if let Some(entry) = state
            .entries
            .iter_mut()
            .rev()
            .find(|d| d.seq == delivery.seq)
        {
            *entry = delivery.clone();
        }
        drop(state);
        self.changed.notify_all();
    }

    pub(crate) fn snapshot(&self) -> Vec<Delivery> {
        lock(&self.state).entries.iter().cloned().collect()
    }

    pub(crate) fn clear(&self) {
        let mut state = lock(&self.state);
        state.entries.clear();
        state.finished = 0;
    }

    fn close(&self) {
        lock(&self.state).closed = true;
        self.changed.notify_all();
    }

    /// Blocks until `n` deliveries have finished since the log was last cleared, or
    /// `timeout` passes (or the simulator stops); `Ok` with the log in the first case,
    /// `Err` with it otherwise.
    pub(crate) fn wait_finished(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<Delivery>, Vec<Delivery>> {
        let deadline = Instant::now() + timeout;
        let mut state = lock(&self.state);
        while state.finished < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || state.closed {
                return Err(state.entries.iter().cloned().collect());
            }
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        Ok(state.entries.iter().cloned().collect())
    }
}

/// Set when the simulator stops, so that a back-off pause ends at once.
#[derive(Default)]
struct Stop {
    stopped: Mutex<bool>,
    changed: Condvar,
}

impl Stop {
    /// Waits `pause` unless the simulator stops first; `true` if it stopped.
    fn pause(&self, pause: Duration) -> bool {
        let stopped = lock(&self.stopped);
        let (stopped, _) = self
            .changed
            .wait_timeout_while(stopped, pause, |stopped| !*stopped)
            .unwrap_or_else(|p| p.into_inner());
        *stopped
    }

    fn stopped(&self) -> bool {
        *lock(&self.stopped)
    }

    fn stop(&self) {
        *lock(&self.stopped) = true;
        self.changed.notify_all();
    }
}

/// What a delivery needs besides the notification.
#[derive(Clone)]
struct Route {
    url: WebhookUrl,
    retries: u32,
    backoff: Duration,
    timeout: Duration,
}

struct Job {
    delivery: Delivery,
    notification: BuiltNotification,
    route: Route,
}

/// Everything shared by the delivery thread and the callers.
struct Courier {
    log: DeliveryLog,
    stop: Stop,
    tls: Arc<ClientConfig>,
}

impl Courier {
    /// Tries until the receiver answers 2xx, the retries are used up, or the simulator
    /// stops; the log follows every attempt.
    fn deliver(
        &self,
        mut delivery: Delivery,
        notification: &BuiltNotification,
        route: &Route,
    ) -> Delivery {
        let mut pause = route.backoff;
        loop {
            let attempt = match webhook::post(
                &route.url,
                &notification.headers,
                notification.body.as_bytes(),
                route.timeout,
                &self.tls,
            ) {
                Ok(reply) => DeliveryAttempt {
                    status: Some(reply.status),
                    error: None,
                    reply: reply.body,
                },
                Err(error) => DeliveryAttempt {
                    status: None,
                    error: Some(error),
                    reply: String::new(),
                },
            };
            let delivered = attempt.status.is_some_and(|s| (200..300).contains(&s));
            delivery.attempts.push(attempt);
            let retries_left = delivery.attempts.len() <= route.retries as usize;
            delivery.outcome = if delivered {
                DeliveryOutcome::Delivered
            } else if !retries_left || self.stop.stopped() {
                DeliveryOutcome::Failed
            } else {
                DeliveryOutcome::Pending
            };
            if delivery.outcome == DeliveryOutcome::Pending && self.stop.pause(pause) {
                delivery.outcome = DeliveryOutcome::Failed;
            }
            self.log.record(&delivery);
            if delivery.outcome != DeliveryOutcome::Pending {
                return delivery;
            }
            pause = pause.saturating_mul(2);
        }
    }
}

pub(crate) struct Notifier {
    config: Mutex<NotifyConfig>,
    courier: Arc<Courier>,
    /// To the delivery thread; it ends when this is dropped.
    queue: Mutex<Option<Sender<Job>>>,
}

impl Notifier {
    pub(crate) fn new(config: NotifyConfig, tls: Arc<ClientConfig>) -> std::io::Result<Notifier> {
        let courier = Arc::new(Courier {
            log: DeliveryLog::default(),
            stop: Stop::default(),
            tls,
        });
        let (sender, receiver) = channel();
        let worker = courier.clone();
        std::thread::Builder::new()
            .name("wxface-sim-notify".into())
            .spawn(move || deliver_queued(&worker, &receiver))?;
        Ok(Notifier {
            config: Mutex::new(config),
            courier,
            queue: Mutex::new(Some(sender)),
        })
    }

    pub(crate) fn config(&self) -> NotifyConfig {
        lock(&self.config).clone()
    }

    pub(crate) fn set_config(&self, config: NotifyConfig) {
        *lock(&self.config) = config;
    }

    pub(crate) fn log(&self) -> &DeliveryLog {
        &self.courier.log
    }

    /// Queues `notification` for the delivery thread, if there is a notify URL.
    pub(crate) fn queue(&self, notification: BuiltNotification, trigger: &str) {
        let config = self.config();
        let Some(url) = config.url else {
            return;
        };
        let delivery = self.courier.log.start(&notification, &url.text, trigger);
        let job = Job {
            delivery,
            notification,
            route: Route {
                url,
                retries: config.retries,
                backoff: config.backoff,
                timeout: config.timeout,
            },
        };
        if let Err(refused) = self.send_job(job) {
            // The simulator is stopping.
            let mut delivery = refused.delivery;
            delivery.outcome = DeliveryOutcome::Failed;
            self.courier.log.record(&delivery);
        }
    }

    fn send_job(&self, job: Job) -> Result<(), Box<Job>> {
        match lock(&self.queue).as_ref() {
            Some(queue) => queue.send(job).map_err(|e| Box::new(e.0)),
            None => Err(Box::new(job)),
        }
    }

    /// Delivers on this thread and returns the outcome. `url`, `retries`, `backoff`
    /// override the configuration; with neither a URL here nor a configured one, `Err`.
    pub(crate) fn send_now(
        &self,
        notification: &BuiltNotification,
        url: Option<WebhookUrl>,
        retries: Option<u32>,
        backoff: Option<Duration>,
    ) -> Result<Delivery, String> {
        let config = self.config();
        let url = url.or(config.url).ok_or(
            "no notify URL: start the simulator with --notify-url, set one with POST /__sim/notifications/config, or give \"url\"",
        )?;
        let route = Route {
            url,
            retries: retries.unwrap_or(config.retries),
            backoff: backoff.unwrap_or(config.backoff),
            timeout: config.timeout,
        };
        let delivery = self
            .courier
            .log
            .start(notification, &route.url.text, "control");
        Ok(self.courier.deliver(delivery, notification, &route))
    }

    /// Ends back-off pauses, waits on the log and the delivery thread (which finishes the
    /// attempt it is in, bounded by the timeout). Nothing waits for it.
    pub(crate) fn stop(&self) {
        self.courier.stop.stop();
        self.courier.log.close();
        lock(&self.queue).take();
    }
}

fn deliver_queued(courier: &Courier, jobs: &Receiver<Job>) {
    while let Ok(mut job) = jobs.recv() {
        if courier.stop.stopped() {
            job.delivery.outcome = DeliveryOutcome::Failed;
            courier.log.record(&job.delivery);
            continue;
        }
        courier.deliver(job.delivery, &job.notification, &job.route);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notification() -> BuiltNotification {
        BuiltNotification {
            id: "EV-1".into(),
            event_type: "FACEPAY.USER_STATE_CHANGE".into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: "{}".into(),
            plaintext: "{}".into(),
        }
    }

    #[test]
    fn the_log_counts_finished_deliveries_and_wakes_waiters() {
        let log = Arc::new(DeliveryLog::default());
        let mut delivery = log.start(&notification(), "http://x/", "control");
        assert_eq!(delivery.seq, 1);
        assert_eq!(log.snapshot()[0].outcome, DeliveryOutcome::Pending);
        // Nothing has finished: the wait times out and shows what there is.
        let pending = log.wait_finished(1, Duration::from_millis(1)).unwrap_err();
        assert_eq!(pending.len(), 1);

        let waiter = {
            let log = log.clone();
            std::thread::spawn(move || log.wait_finished(1, Duration::from_secs(30)))
        };
        delivery.attempts.push(DeliveryAttempt {
            status: Some(204),
            error: None,
            reply: String::new(),
        });
        delivery.outcome = DeliveryOutcome::Delivered;
        log.record(&delivery);
        let seen = waiter.join().unwrap().unwrap();
        assert_eq!(seen, [delivery]);
        let doc = seen[0].to_json();
        assert_eq!(doc["attempts"][0]["status"], 204);
        assert_eq!(doc["outcome"], "delivered");
        assert_eq!(doc["headers"]["Content-Type"], "application/json");

        log.clear();
        assert!(log.wait_finished(1, Duration::ZERO).is_err());
        assert!(log.wait_finished(0, Duration::ZERO).unwrap().is_empty());
        // A stopped simulator releases its waiters at once.
        log.close();
        assert!(log.wait_finished(1, Duration::from_secs(3600)).is_err());
    }

    #[test]
    fn a_stopped_notifier_ends_its_pause_at_once() {
        let stop = Stop::default();
        assert!(!stop.pause(Duration::from_millis(1)));
        stop.stop();
        assert!(stop.pause(Duration::from_secs(3600)));
    }
}
