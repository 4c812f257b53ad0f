//! `wxface-sim`: a local WeChat Pay APIv3 simulator for testing wxface and the software
//! built on it.
//!
//! It serves HTTPS on 127.0.0.1 (rustls, TLS 1.2/1.3, HTTP/1.1 keep-alive), verifies
//! every request's `Authorization` signature like the live service, signs every answer
//! with a WeChat Pay key of its own, implements the 13 operations of the K12 offline
//! face-payment API over one state loaded from a fixture (organizations, face users,
//! contracts, face re-collections, deductions), opens the RSA-OAEP encrypted request
//! fields, logs what arrived, and can inject faults (bad signatures, error statuses,
//! dropped connections, …). It serves `GET /v3/certificates` (sealed with the APIv3
//! key), rotates or expires its platform certificate on request, and POSTs signed,
//! encrypted notifications to a notify URL (or builds them for tests to feed a parser).
//! Keys, certificates and a ready `client.json` live in a state dir. See
//! `sim/README.md`.
//!
//! ```no_run
//! use wxface_sim::{Fault, Sim, SimOptions};
//!
//! let sim = Sim::start(SimOptions::default())?;
//! println!("{} config={}", sim.base_url(), sim.client_config_path().display());
//! sim.set_fault(Fault::Status { status: 502, html: true }, Some(1));
//! # Ok::<(), std::io::Error>(())
//! ```

#![forbid(unsafe_code)]

mod answer;
mod api;
mod api_certificates;
mod api_collections;
mod api_contracts;
mod api_deductions;
mod api_error;
mod api_users;
mod apiv3;
mod auth;
mod certificates;
mod control;
mod deductions;
mod enc;
mod fault_answers;
mod faults;
mod fixture;
mod id_template;
mod idle;
mod k12;
mod keyring;
mod keys;
mod notification;
mod notifier;
mod oaep;
mod options;
mod percent;
mod query;
mod replay;
mod request_log;
mod schema;
mod server;
mod service;
mod shared;
mod signer;
mod sim;
mod state_dir;
mod stats;
mod sync;
pub mod test_ids;
mod time;
mod tls;
mod webhook;

#[cfg(test)]
mod test_vectors;

pub use certificates::PlatformCertificate;
pub use faults::{Fault, FaultParseError};
pub use k12::ContractState;
pub use notification::{BuiltNotification, NotificationOptions, USER_STATE_CHANGE};
pub use notifier::{Delivery, DeliveryAttempt, DeliveryOutcome};
pub use options::{KeyMode, SimOptions};
pub use sim::Sim;
pub use stats::Stats;
