//! Key generation and certificate issuing for the state dir (rcgen over aws-lc-rs).

use std::io;

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
    PKCS_RSA_SHA256, PublicKeyData, SanType, SerialNumber, date_time_ymd,
};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use x509_cert::der::Decode;

/// The merchant the simulator knows (the only mchid it accepts).
pub(crate) const MCHID: &str = "1900000001";

/// Prefix of the WeChat Pay public key id; 12 digits derived from the key follow it.
const PUBLIC_KEY_ID_PREFIX: &str = "PUB_KEY_ID_0119000000012025";

fn rcgen_error(what: &str) -> impl FnOnce(rcgen::Error) -> io::Error + '_ {
    move |e| io::Error::other(format!("{what}: {e}"))
}

/// RSA 2048: the merchant key and the WeChat Pay key must be RSA, as on the live service.
pub(crate) fn generate_rsa() -> io::Result<KeyPair> {
    KeyPair::generate_for(&PKCS_RSA_SHA256).map_err(rcgen_error("generating an RSA key"))
}

/// ECDSA P-256 for the CA and the TLS server: nothing requires RSA there, and RSA key
/// generation is the slow part of preparing a fresh state dir.
pub(crate) fn generate_ecdsa() -> io::Result<KeyPair> {
    KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(rcgen_error("generating an ECDSA key"))
}

pub(crate) fn key_from_pem(pem: &str, source: &str) -> io::Result<KeyPair> {
    KeyPair::from_pem(pem).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{source}: not a usable private key: {e}"),
        )
    })
}

/// 20 random bytes, first byte 0x10..=0x7F: positive, minimally encoded in DER, and
/// always 40 hex digits, like the serials the merchant platform shows.
pub(crate) fn random_serial() -> io::Result<Vec<u8>> {
    let mut serial = vec![0u8; 20];
    aws_lc_rs::rand::fill(&mut serial).map_err(|_| io::Error::other("system random failed"))?;
    serial[0] = 0x10 + serial[0] % 0x70;
    Ok(serial)
}

/// Uppercase hex, the way serials are written in configs and `Wechatpay-Serial`.
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The serial number (uppercase hex) of the certificate in a PEM file's text.
pub(crate) fn serial_of_cert_pem(pem: &str, source: &str) -> io::Result<String> {
    cert_facts(pem, source).map(|facts| facts.serial)
}

/// What the simulator needs to know about a certificate it issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CertFacts {
    /// Uppercase hex.
    pub(crate) serial: String,
    /// Unix seconds.
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
}

/// Serial and validity of the certificate in a PEM file's text.
pub(crate) fn cert_facts(pem: &str, source: &str) -> io::Result<CertFacts> {
    let invalid =
        |why: String| io::Error::new(io::ErrorKind::InvalidData, format!("{source}: {why}"));
    let der = CertificateDer::from_pem_slice(pem.as_bytes()).map_err(|e| invalid(e.to_string()))?;
    let cert = x509_cert::Certificate::from_der(&der).map_err(|e| invalid(e.to_string()))?;
    let tbs = cert.tbs_certificate();
    let unix = |time: x509_cert::time::Time| time.to_unix_duration().as_secs() as i64;
    Ok(CertFacts {
        serial: hex_upper(tbs.serial_number().as_bytes()),
        not_before: unix(tbs.validity().not_before),
        not_after: unix(tbs.validity().not_after),
    })
}

/// `PUB_KEY_ID_0119000000012025` + 12 digits taken from the key's SHA-256, so the id stays
/// the same for as long as the key is kept in the state dir. The first digit is never 0,
/// so the id can never be the "unknown serial" fault's `…000000009999`.
pub(crate) fn public_key_id(key: &KeyPair) -> String {
    let digest =
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &key.subject_public_key_info());
    let mut first8 = [0u8; 8];
    first8.copy_from_slice(&digest.as_ref()[..8]);
    let digits = 100_000_000_000 + u64::from_be_bytes(first8) % 900_000_000_000;
    format!("{PUBLIC_KEY_ID_PREFIX}{digits}")
}

fn name(common_name: &str, organization: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "CN");
    dn.push(DnType::OrganizationName, organization);
    dn.push(DnType::CommonName, common_name);
    dn
}

/// A certificate's validity period, as UTC dates (at midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Validity {
    pub(crate) not_before: (i32, u8, u8),
    pub(crate) not_after: (i32, u8, u8),
}

/// Fixed validity that stays inside UTCTime (<= 2049), which every X.509 parser reads.
pub(crate) const LONG_VALIDITY: Validity = Validity {
    not_before: (2024, 1, 1),
    not_after: (2049, 12, 31),
};

/// The validity of the state dir's expired platform certificate: wholly in the past.
pub(crate) const EXPIRED_VALIDITY: Validity = Validity {
    not_before: (2021, 1, 1),
    not_after: (2024, 1, 1),
};

impl Validity {
    /// From the UTC day before `unix` (so a client clock a little behind still accepts
    /// it) for five years: what a freshly rotated platform certificate gets.
    pub(crate) fn fresh_from(unix: i64) -> Validity {
        let (year, month, day) = crate::time::utc_date(unix.saturating_sub(86_400));
        let year = year as i32;
        let (month, day) = (month as u8, day as u8);
        Validity {
            not_before: (year, month, day),
            // The 28th at most: every month has one, in every year.
            not_after: (year + 5, month, day.min(28)),
        }
    }

    fn apply(&self, params: &mut CertificateParams) {
        let (y, m, d) = self.not_before;
        params.not_before = date_time_ymd(y, m, d);
        let (y, m, d) = self.not_after;
        params.not_after = date_time_ymd(y, m, d);
    }
}

fn params_with_validity() -> CertificateParams {
    let mut params = CertificateParams::default();
    LONG_VALIDITY.apply(&mut params);
    params
}

/// The test CA's parameters. Deterministic, so that an issuer rebuilt from them and the
/// CA key kept in the state dir issues certificates that chain to the stored `ca.pem`.
pub(crate) fn ca_params() -> CertificateParams {
    let mut params = params_with_validity();
    params.distinguished_name = name("wxface-sim Test CA", "wxface-sim");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

pub(crate) fn self_signed_ca(key: &KeyPair) -> io::Result<Certificate> {
    ca_params()
        .self_signed(key)
        .map_err(rcgen_error("issuing the test CA"))
}

pub(crate) fn issuer(ca_key: &KeyPair) -> Issuer<'static, &KeyPair> {
    Issuer::new(ca_params(), ca_key)
}

fn leaf_params(common_name: &str, organization: &str) -> CertificateParams {
    let mut params = params_with_validity();
    params.distinguished_name = name(common_name, organization);
    params.use_authority_key_identifier_extension = true;
    params
}

/// The TLS server certificate for 127.0.0.1 and localhost.
pub(crate) fn server_cert(key: &KeyPair, issuer: &Issuer<'_, &KeyPair>) -> io::Result<Certificate> {
    let mut params = leaf_params("wxface-sim", "wxface-sim");
    params.subject_alt_names = vec![
        SanType::IpAddress([127, 0, 0, 1].into()),
        SanType::DnsName("localhost".try_into().map_err(rcgen_error("server name"))?),
    ];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params
        .signed_by(key, issuer)
        .map_err(rcgen_error("issuing the server certificate"))
}

/// The merchant API certificate (`apiclient_cert.pem` on the live platform); its serial
/// is the `serial_no` clients put in Authorization.
pub(crate) fn merchant_cert(
    key: &KeyPair,
    issuer: &Issuer<'_, &KeyPair>,
    serial: &[u8],
) -> io::Result<Certificate> {
    let mut params = leaf_params(MCHID, "wxface-sim merchant");
    params.serial_number = Some(SerialNumber::from_slice(serial));
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params
        .signed_by(key, issuer)
        .map_err(rcgen_error("issuing the merchant certificate"))
}

/// A WeChat Pay platform certificate for a WeChat Pay signing key.
pub(crate) fn platform_cert(
    key: &KeyPair,
    issuer: &Issuer<'_, &KeyPair>,
    serial: &[u8],
    validity: Validity,
) -> io::Result<Certificate> {
    let mut params = leaf_params("Tenpay.com sign", "Tenpay.com");
    validity.apply(&mut params);
    params.serial_number = Some(SerialNumber::from_slice(serial));
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params
        .signed_by(key, issuer)
        .map_err(rcgen_error("issuing the platform certificate"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_round_trips_through_a_certificate() {
        let ca_key = generate_ecdsa().unwrap();
        let leaf_key = generate_ecdsa().unwrap();
        let serial = random_serial().unwrap();
        let cert = merchant_cert(&leaf_key, &issuer(&ca_key), &serial).unwrap();
        let hex = serial_of_cert_pem(&cert.pem(), "test").unwrap();
        assert_eq!(hex, hex_upper(&serial));
        assert_eq!(hex.len(), 40);
    }

    #[test]
    fn platform_certificates_carry_their_validity() {
        let ca_key = generate_ecdsa().unwrap();
        let key = generate_ecdsa().unwrap();
        let serial = random_serial().unwrap();
        let expired = platform_cert(&key, &issuer(&ca_key), &serial, EXPIRED_VALIDITY).unwrap();
        let facts = cert_facts(&expired.pem(), "test").unwrap();
        assert_eq!(facts.serial, hex_upper(&serial));
        // 2021-01-01T00:00:00Z and 2024-01-01T00:00:00Z.
        assert_eq!(
            (facts.not_before, facts.not_after),
            (1_609_459_200, 1_704_067_200)
        );

        // 2025-03-01T12:00:00Z: valid from the day before, for five years.
        let fresh = Validity::fresh_from(1_740_830_400);
        assert_eq!(fresh.not_before, (2025, 2, 28));
        assert_eq!(fresh.not_after, (2030, 2, 28));
        let cert = platform_cert(&key, &issuer(&ca_key), &serial, fresh).unwrap();
        let facts = cert_facts(&cert.pem(), "test").unwrap();
        assert_eq!(facts.not_before, 1_740_700_800);
        assert!(facts.not_after > 1_740_830_400 + 4 * 365 * 86_400);
    }

    #[test]
    fn public_key_id_is_stable_and_well_formed() {
        let key = generate_ecdsa().unwrap();
        let id = public_key_id(&key);
        assert_eq!(id, public_key_id(&key));
        assert_eq!(id.len(), "PUB_KEY_ID_0119000000012025".len() + 12);
        assert!(
            id["PUB_KEY_ID_".len()..]
                .bytes()
                .all(|b| b.is_ascii_digit())
        );
    }
}
