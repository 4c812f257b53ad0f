//! Which WeChat Pay key is in play: the one that signs answers and notifications in the
//! simulator's key mode, and the one a request's encrypted fields must be sealed with.

use std::io;
use std::sync::Arc;

use crate::certificates::PlatformCertificates;
use crate::oaep::FieldDecryptor;
use crate::options::KeyMode;
use crate::signer::AnswerSigner;

pub(crate) struct KeyRing {
    mode: KeyMode,
    /// The WeChat Pay public key's private half, named by its `PUB_KEY_ID_…`.
    public_key: Arc<AnswerSigner>,
    public_decryptor: Arc<FieldDecryptor>,
    pub(crate) certificates: PlatformCertificates,
}

/// The key that encrypted fields of one request must be sealed with.
pub(crate) struct RequestKey {
    pub(crate) decryptor: Arc<FieldDecryptor>,
    /// What the request's `Wechatpay-Serial` must say.
    pub(crate) id: String,
}

impl KeyRing {
    pub(crate) fn new(
        mode: KeyMode,
        wechatpay_key_der: &[u8],
        public_key_id: String,
        certificates: PlatformCertificates,
    ) -> io::Result<KeyRing> {
        Ok(KeyRing {
            mode,
            public_key: Arc::new(AnswerSigner::new(wechatpay_key_der, public_key_id)?),
            public_decryptor: Arc::new(FieldDecryptor::new(wechatpay_key_der)?),
            certificates,
        })
    }

    /// Signs answers and notifications: the public key in public-key mode, the current
    /// platform certificate (which rotation replaces) in certificate mode.
    pub(crate) fn answer_signer(&self) -> Arc<AnswerSigner> {
        match self.mode {
            KeyMode::PublicKey => self.public_key.clone(),
            KeyMode::Certificate => self.certificates.current().signer.clone(),
        }
    }

    /// In certificate mode a client may encrypt under any platform certificate the
    /// simulator has used, and names it in `Wechatpay-Serial`; otherwise (and when the
    /// serial names none) the key of the current identity is expected.
    pub(crate) fn request_key(&self, serial: Option<&str>) -> RequestKey {
        let cert = match self.mode {
            KeyMode::PublicKey => {
                return RequestKey {
                    decryptor: self.public_decryptor.clone(),
                    id: self.public_key.serial().to_owned(),
                };
            }
            KeyMode::Certificate => serial
                .and_then(|serial| self.certificates.find(serial))
                .unwrap_or_else(|| self.certificates.current()),
        };
        RequestKey {
            decryptor: cert.decryptor.clone(),
            id: cert.serial.clone(),
        }
    }
}
