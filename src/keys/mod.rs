//! Key material: the merchant's signing key and the WeChat Pay verification keys.
//!
//! Key formats are read with the `rsa` crate (precise error messages); signing, verifying and
//! encrypting sensitive fields (RSA-OAEP) run on aws-lc-rs (fast, constant-time).

mod encrypt;
mod merchant;
mod pem;
mod store;

pub use merchant::MerchantKey;
pub use store::KeyStore;

pub(crate) use encrypt::EncryptingKey;
pub(crate) use pem::parse_root_certificates;

/// The smallest RSA modulus WeChat Pay issues and wxface accepts.
const MIN_RSA_BITS: usize = 2048;
