//! Telling PEM documents apart before parsing them, so that a wrong file gets an error
//! that says what it holds ("a certificate, not a private key") rather than a DER offset.

use x509_cert::Certificate;
use x509_cert::der::Decode;

use crate::error::Error;

/// What the first `-----BEGIN …-----` line of a PEM document announces.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PemKind {
    Pkcs8PrivateKey,
    Pkcs1PrivateKey,
    EncryptedPrivateKey,
    OtherPrivateKey(String),
    SpkiPublicKey,
    Pkcs1PublicKey,
    Certificate,
    Other(String),
}

impl PemKind {
    pub(crate) fn describe(&self) -> String {
        match self {
            PemKind::Pkcs8PrivateKey | PemKind::Pkcs1PrivateKey => "an RSA private key".into(),
            PemKind::EncryptedPrivateKey => "an encrypted private key".into(),
            PemKind::OtherPrivateKey(label) | PemKind::Other(label) => {
                format!("a \"{label}\" block")
            }
            PemKind::SpkiPublicKey | PemKind::Pkcs1PublicKey => "a public key".into(),
            PemKind::Certificate => "a certificate".into(),
        }
    }
}

/// Reads the label of the first PEM block. `source` names the setting in errors.
pub(crate) fn pem_kind(source: &str, pem: &[u8]) -> Result<PemKind, Error> {
    let text = std::str::from_utf8(pem)
        .map_err(|_| Error::config(format!("{source} is not PEM text (not UTF-8)")))?;
    let Some(start) = text.find("-----BEGIN ") else {
        return Err(Error::config(format!(
            "{source} is not PEM (no \"-----BEGIN\" line)"
        )));
    };
    let rest = &text[start + "-----BEGIN ".len()..];
    let label = rest
        .find("-----")
        .map(|end| &rest[..end])
        .filter(|label| label.len() <= 64 && !label.contains('\n'))
        .ok_or_else(|| {
            Error::config(format!("{source} has a malformed PEM \"-----BEGIN\" line"))
        })?;
    Ok(match label {
        "PRIVATE KEY" => PemKind::Pkcs8PrivateKey,
        "RSA PRIVATE KEY" => PemKind::Pkcs1PrivateKey,
        "ENCRYPTED PRIVATE KEY" => PemKind::EncryptedPrivateKey,
        "PUBLIC KEY" => PemKind::SpkiPublicKey,
        "RSA PUBLIC KEY" => PemKind::Pkcs1PublicKey,
        "CERTIFICATE" => PemKind::Certificate,
        other if other.ends_with("PRIVATE KEY") => PemKind::OtherPrivateKey(other.into()),
        other => PemKind::Other(other.into()),
    })
}

/// Every certificate in a PEM document (one or more `CERTIFICATE` blocks).
pub(crate) fn parse_certificates(source: &str, pem: &[u8]) -> Result<Vec<Certificate>, Error> {
    match pem_kind(source, pem)? {
        PemKind::Certificate => {}
        other => {
            return Err(Error::config(format!(
                "{source} holds {}, not a certificate",
                other.describe()
            )));
        }
    }
    let certificates = Certificate::load_pem_chain(pem)
        .map_err(|e| Error::config(format!("{source} holds an unreadable certificate: {e}")))?;
    if certificates.is_empty() {
        return Err(Error::config(format!("{source} holds no certificate")));
    }
    Ok(certificates)
}

/// Extra trusted roots for TLS, as DER, each checked to be a readable X.509 certificate.
pub(crate) fn parse_root_certificates(source: &str, pem: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    let mut roots = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        let item =
            item.map_err(|e| Error::config(format!("{source} holds an unreadable PEM: {e}")))?;
        if let ureq::tls::PemItem::Certificate(certificate) = item {
            let der = certificate.der().to_vec();
            Certificate::from_der(&der).map_err(|e| {
                Error::config(format!("{source} holds an unreadable certificate: {e}"))
            })?;
            roots.push(der);
        }
    }
    if roots.is_empty() {
        return Err(Error::config(format!(
            "{source} holds no CERTIFICATE block"
        )));
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_what_a_pem_document_holds() {
        let kind = |text: &str| pem_kind("k", text.as_bytes());
        assert_eq!(
            kind("-----BEGIN PRIVATE KEY-----\n").unwrap(),
            PemKind::Pkcs8PrivateKey
        );
        assert_eq!(
            kind("x\n-----BEGIN CERTIFICATE-----\n").unwrap(),
            PemKind::Certificate
        );
        assert_eq!(
            kind("-----BEGIN EC PRIVATE KEY-----").unwrap(),
            PemKind::OtherPrivateKey("EC PRIVATE KEY".into())
        );
        assert!(
            kind("hello")
                .unwrap_err()
                .message()
                .contains("no \"-----BEGIN\" line")
        );
        assert!(
            pem_kind("k", b"\xff\xfe")
                .unwrap_err()
                .message()
                .contains("not UTF-8")
        );
    }
}
