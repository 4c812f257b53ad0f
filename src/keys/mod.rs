//! Key material: the merchant's signing key and the WeChat Pay verification keys.
//!
//! Key formats are read with the `rsa` crate (precise error messages), except a merchant key
//! that aws-lc takes as it is (`merchant.rs`); signing, verifying and encrypting sensitive
//! fields (RSA-OAEP) run on aws-lc-rs (fast, constant-time).

mod apiv3;
mod encrypt;
mod merchant;
mod pem;
mod store;

pub(crate) use apiv3::KEY_LEN as APIV3_KEY_LEN;
pub(crate) use apiv3::{ALGORITHM, Sealed};
pub use apiv3::{ApiV3Key, Undecryptable};
pub use merchant::MerchantKey;
pub use store::{KeyStore, Lookup};

pub(crate) use encrypt::EncryptingKey;
pub(crate) use pem::parse_root_certificates;

/// The smallest RSA modulus WeChat Pay issues and wxface accepts.
const MIN_RSA_BITS: usize = 2048;
