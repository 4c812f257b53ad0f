//! Client configuration: the settings themselves, each checked as it is given, with errors
//! that name the setting and the problem. The JSON document is read in `schema.rs`, files in
//! `files.rs`, URLs in `url.rs`.
//!
//! Keys are parsed when they are set, so a wrong file is reported at once and the client
//! never parses key material again.

mod files;
mod schema;
mod url;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use self::files::{read_file_shown_as, read_setting_file, shown_path};
use self::url::{ENDPOINT, PROXY, checked_url};
use crate::auth::RequestSigner;
use crate::error::Error;
use crate::keys::{ApiV3Key, KeyStore, MerchantKey, parse_root_certificates};
use crate::transport::TransportSettings;

/// The live service's primary host.
pub const DEFAULT_BASE_URL: &str = "https://api.mch.weixin.qq.com";
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(5_000);
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_millis(15_000);

/// Everything a [`crate::Client`] needs: merchant identity and key, WeChat Pay
/// verification keys, endpoints, trust roots, timeouts and proxy.
///
/// `Debug` output shows key ids but never key material or a proxy password.
#[derive(Clone, Debug)]
pub struct Config {
    mchid: Option<String>,
    merchant_serial_no: Option<String>,
    private_key: Option<Arc<MerchantKey>>,
    keys: KeyStore,
    apiv3_key: Option<ApiV3Key>,
    auto_platform_certificates: bool,
    transport: TransportSettings,
}

/// What a complete configuration turns into: the parts a client is made of.
pub(crate) struct ClientParts {
    pub signer: RequestSigner,
    pub keys: KeyStore,
    pub apiv3_key: Option<ApiV3Key>,
    pub auto_platform_certificates: bool,
    pub transport: TransportSettings,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mchid: None,
            merchant_serial_no: None,
            private_key: None,
            keys: KeyStore::default(),
            apiv3_key: None,
            auto_platform_certificates: false,
            transport: TransportSettings {
                base_url: DEFAULT_BASE_URL.to_owned(),
                backup_base_url: None,
                root_certificates: Vec::new(),
                connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                request_timeout: DEFAULT_REQUEST_TIMEOUT,
                proxy: None,
            },
        }
    }
}

impl Config {
    /// An empty configuration with the defaults; set at least the merchant, the private key
    /// and one WeChat Pay key before building a client.
    pub fn new() -> Self {
        Config::default()
    }

    /// Reads the JSON document of the C API (keys: `mchid`, `merchant_serial_no`,
    /// `private_key_pem` | `private_key_file`, `wechatpay_public_key_id` +
    /// `wechatpay_public_key_pem` | `wechatpay_public_key_file`, `platform_certificates_pem` |
    /// `platform_certificate_files`, `base_url`, `backup_base_url`, `root_ca_pem` |
    /// `root_ca_file`, `connect_timeout_ms`, `request_timeout_ms`, `proxy`). Relative `*_file`
    /// paths are relative to the working directory.
    pub fn from_json(json: &str) -> Result<Config, Error> {
        schema::read_document(json, None)
    }

    /// Reads the JSON document from a file (UTF-8, at most 1 MiB, a leading UTF-8 BOM
    /// skipped). Relative `*_file` paths in it are relative to the file's folder. The buffer
    /// the file was read into is wiped.
    pub fn from_json_file(path: impl AsRef<Path>) -> Result<Config, Error> {
        let path = path.as_ref();
        let bytes = read_setting_file("config file", path)?;
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let text = std::str::from_utf8(text).map_err(|_| {
            Error::config(format!("config file {} is not UTF-8 text", path.display()))
        })?;
        let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
        schema::read_document(text, Some(folder.unwrap_or(Path::new("."))))
    }

    /// The merchant id (`mchid`) and the serial number of its API certificate.
    pub fn set_merchant(&mut self, mchid: &str, merchant_serial_no: &str) -> Result<(), Error> {
        if mchid.is_empty() || mchid.len() > 32 || !mchid.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(Error::config(
                "mchid: must be 1 to 32 ASCII letters or digits",
            ));
        }
        if merchant_serial_no.is_empty()
            || merchant_serial_no.len() > 64
            || !merchant_serial_no.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(Error::config(
                "merchant_serial_no: must be the certificate serial in hex (1 to 64 hex digits)",
            ));
        }
        self.mchid = Some(mchid.to_owned());
        self.merchant_serial_no = Some(merchant_serial_no.to_owned());
        Ok(())
    }

    /// The merchant API private key as PEM (PKCS#8 `apiclient_key.pem`, or PKCS#1).
    pub fn set_private_key_pem(&mut self, pem: &[u8]) -> Result<(), Error> {
        self.private_key = Some(Arc::new(MerchantKey::from_pem("private_key_pem", pem)?));
        Ok(())
    }

    /// The merchant API private key from a PEM file.
    pub fn set_private_key_file(&mut self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let pem = read_setting_file("private_key_file", path)?;
        let source = format!("private_key_file: {}", path.display());
        self.private_key = Some(Arc::new(MerchantKey::from_pem(&source, &pem)?));
        Ok(())
    }

    /// A WeChat Pay public key (SPKI PEM) and its id `PUB_KEY_ID_…`.
    pub fn add_wechatpay_public_key_pem(
        &mut self,
        public_key_id: &str,
        pem: &[u8],
    ) -> Result<(), Error> {
        self.keys
            .add_public_key("wechatpay_public_key_pem", public_key_id, pem)
    }

    /// A WeChat Pay public key from a PEM file, and its id `PUB_KEY_ID_…`.
    pub fn add_wechatpay_public_key_file(
        &mut self,
        public_key_id: &str,
        path: impl AsRef<Path>,
    ) -> Result<(), Error> {
        let path = path.as_ref();
        let pem = read_setting_file("wechatpay_public_key_file", path)?;
        let source = format!("wechatpay_public_key_file: {}", path.display());
        self.keys.add_public_key(&source, public_key_id, &pem)
    }

    /// One or more WeChat Pay platform certificates (PEM); each serial is read from its certificate.
    pub fn add_platform_certificate_pem(&mut self, pem: &[u8]) -> Result<(), Error> {
        self.keys
            .add_platform_certificates("platform_certificates_pem", pem)
            .map(drop)
    }

    /// WeChat Pay platform certificates from a PEM file.
    pub fn add_platform_certificate_file(&mut self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let pem = read_setting_file("platform_certificate_files", path)?;
        let source = format!("platform_certificate_files: {}", path.display());
        self.keys.add_platform_certificates(&source, &pem).map(drop)
    }

    /// The merchant's APIv3 key (exactly 32 bytes, set in the merchant platform): decrypts
    /// notifications and downloaded platform certificates.
    pub fn set_apiv3_key(&mut self, key: &[u8]) -> Result<(), Error> {
        self.apiv3_key = Some(ApiV3Key::new("apiv3_key", key)?);
        Ok(())
    }

    /// The APIv3 key from a file (its 32 bytes; a trailing line break is ignored).
    pub fn set_apiv3_key_file(&mut self, path: impl AsRef<Path>) -> Result<(), Error> {
        const SETTING: &str = "apiv3_key_file";
        let path = path.as_ref();
        let mut shown = shown_path(SETTING, path)?;
        // apiv3_key and apiv3_key_file swapped would put the key where a path belongs: a
        // value of a key's length without a folder in it is never quoted.
        if path.as_os_str().len() == crate::keys::APIV3_KEY_LEN
            && !path.to_string_lossy().contains(std::path::MAIN_SEPARATOR)
        {
            shown = "the given path (32 bytes, as long as an APIv3 key: the key itself goes in apiv3_key)".into();
        }
        let bytes = read_file_shown_as(SETTING, path, &shown)?;
        let key = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
        let key = key.strip_suffix(b"\r").unwrap_or(key);
        self.apiv3_key = Some(ApiV3Key::new(&format!("{SETTING}: {shown}"), key)?);
        Ok(())
    }

    /// Downloads WeChat Pay's platform certificates by itself, on the caller's thread: at the
    /// first call when no configured key can verify, and when a response or a notification
    /// names an unknown certificate (at most once per 60 s). Needs the APIv3 key; a client in
    /// this mode may be built without any configured verification key.
    pub fn set_auto_platform_certificates(&mut self, enabled: bool) {
        self.auto_platform_certificates = enabled;
    }

    /// The API endpoint, `https://host[:port]`. Default `https://api.mch.weixin.qq.com`.
    pub fn set_base_url(&mut self, url: &str) -> Result<(), Error> {
        self.transport.base_url = checked_url("base_url", url, &ENDPOINT)?;
        Ok(())
    }

    /// The endpoint tried once when no connection to `base_url` could be established.
    pub fn set_backup_base_url(&mut self, url: &str) -> Result<(), Error> {
        self.transport.backup_base_url = Some(checked_url("backup_base_url", url, &ENDPOINT)?);
        Ok(())
    }

    /// Extra trusted root certificates (PEM), in addition to the bundled webpki roots.
    pub fn add_root_ca_pem(&mut self, pem: &[u8]) -> Result<(), Error> {
        let roots = parse_root_certificates("root_ca_pem", pem)?;
        self.transport.root_certificates.extend(roots);
        Ok(())
    }

    /// Extra trusted root certificates from a PEM file.
    pub fn add_root_ca_file(&mut self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let pem = read_setting_file("root_ca_file", path)?;
        let source = format!("root_ca_file: {}", path.display());
        let roots = parse_root_certificates(&source, &pem)?;
        self.transport.root_certificates.extend(roots);
        Ok(())
    }

    /// Connect timeout and whole-request timeout, in milliseconds (each at least 1).
    pub fn set_timeouts(
        &mut self,
        connect_timeout_ms: u32,
        request_timeout_ms: u32,
    ) -> Result<(), Error> {
        let connect = timeout("connect_timeout_ms", u64::from(connect_timeout_ms))?;
        self.transport.request_timeout =
            timeout("request_timeout_ms", u64::from(request_timeout_ms))?;
        self.transport.connect_timeout = connect;
        Ok(())
    }

    /// An HTTP proxy, `http://host:port` (optionally `http://user:password@host:port`).
    pub fn set_proxy(&mut self, proxy_url: &str) -> Result<(), Error> {
        self.transport.proxy = Some(checked_url("proxy", proxy_url, &PROXY)?);
        Ok(())
    }

    /// Fails with the first thing a client needs that is missing.
    fn check_complete(&self) -> Result<(), Error> {
        self.merchant()?;
        self.private_key()?;
        if self.auto_platform_certificates && self.apiv3_key.is_none() {
            return Err(Error::config(
                "auto_platform_certificates: needs the APIv3 key (apiv3_key or apiv3_key_file) to decrypt the downloaded certificates",
            ));
        }
        if self.keys.is_empty() && !self.auto_platform_certificates {
            return Err(Error::config(
                "no WeChat Pay verification key: set wechatpay_public_key_id with wechatpay_public_key_pem/_file, or platform_certificates_pem/platform_certificate_files (or auto_platform_certificates with apiv3_key)",
            ));
        }
        Ok(())
    }

    fn merchant(&self) -> Result<(&str, &str), Error> {
        let mchid = self
            .mchid
            .as_deref()
            .ok_or_else(|| Error::config("mchid: missing (the merchant id is required)"))?;
        let serial = self.merchant_serial_no.as_deref().ok_or_else(|| {
            Error::config(
                "merchant_serial_no: missing (the serial of the merchant API certificate is required)",
            )
        })?;
        Ok((mchid, serial))
    }

    fn private_key(&self) -> Result<&Arc<MerchantKey>, Error> {
        self.private_key.as_ref().ok_or_else(|| {
            Error::config(
                "private_key_pem or private_key_file: missing (the merchant API private key is required)",
            )
        })
    }

    /// The parts of a client, once everything it needs is there.
    pub(crate) fn into_parts(self) -> Result<ClientParts, Error> {
        self.check_complete()?;
        let (mchid, serial) = self.merchant()?;
        let signer = RequestSigner::new(mchid, serial, Arc::clone(self.private_key()?));
        Ok(ClientParts {
            signer,
            keys: self.keys,
            apiv3_key: self.apiv3_key,
            auto_platform_certificates: self.auto_platform_certificates,
            transport: self.transport,
        })
    }
}

fn timeout(key: &str, ms: u64) -> Result<Duration, Error> {
    if ms == 0 || ms > u64::from(u32::MAX) {
        return Err(Error::config(format!(
            "{key}: must be 1 to 4294967295 milliseconds"
        )));
    }
    Ok(Duration::from_millis(ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::test_vectors::vector_path;
    use serde_json::{Map, Value, json};

    fn base() -> Value {
        json!({
            "mchid": "1900000001",
            "merchant_serial_no": "3775B6A45ACD588826D15E583A95F5DD1A2B3C4D",
            "private_key_file": vector_path("merchant_test_key.pem"),
            "wechatpay_public_key_id": "PUB_KEY_ID_0119000000012025000000000001",
            "wechatpay_public_key_file": vector_path("wechatpay_test_public_key.pem"),
        })
    }

    fn error_for(change: impl FnOnce(&mut Map<String, Value>)) -> Error {
        let mut value = base();
        change(value.as_object_mut().unwrap());
        Config::from_json(&value.to_string()).unwrap_err()
    }

    #[test]
    fn a_complete_document_gives_defaults_for_the_rest() {
        let config = Config::from_json(&base().to_string()).unwrap();
        assert_eq!(config.transport.base_url, DEFAULT_BASE_URL);
        assert_eq!(config.transport.connect_timeout, Duration::from_secs(5));
        assert_eq!(config.transport.request_timeout, Duration::from_secs(15));
        assert_eq!(
            config.keys.preferred(0).map(|p| p.0),
            Some("PUB_KEY_ID_0119000000012025000000000001")
        );
        config.check_complete().unwrap();
    }

    #[test]
    fn errors_name_the_key_and_the_problem() {
        type Change = Box<dyn FnOnce(&mut Map<String, Value>)>;
        let cases: Vec<(Change, &str)> = vec![
            (
                Box::new(|o| {
                    o.insert("colour".into(), json!(1));
                }),
                "unknown key \"colour\"",
            ),
            (
                Box::new(|o| {
                    o.remove("mchid");
                }),
                "mchid: missing",
            ),
            (
                Box::new(|o| {
                    o.insert("mchid".into(), json!(1900000001));
                }),
                "mchid: must be a string",
            ),
            (
                Box::new(|o| {
                    o.insert("base_url".into(), json!("http://127.0.0.1:1"));
                }),
                "base_url: must start with https://",
            ),
            (
                Box::new(|o| {
                    o.insert("base_url".into(), json!("https://h/v3"));
                }),
                "base_url: must be https://host[:port] without a path",
            ),
            (
                Box::new(|o| {
                    o.insert("connect_timeout_ms".into(), json!(0));
                }),
                "connect_timeout_ms: must be 1 to",
            ),
            (
                Box::new(|o| {
                    o.insert("request_timeout_ms".into(), json!("5"));
                }),
                "request_timeout_ms: must be a whole number",
            ),
            (
                Box::new(|o| {
                    o.insert("private_key_pem".into(), json!("x"));
                }),
                "private_key_pem and private_key_file: give exactly one",
            ),
            (
                Box::new(|o| {
                    o.remove("private_key_file");
                }),
                "private_key_pem or private_key_file: missing",
            ),
            (
                Box::new(|o| {
                    o.remove("wechatpay_public_key_id");
                    o.remove("wechatpay_public_key_file");
                }),
                "no WeChat Pay verification key",
            ),
            (
                Box::new(|o| {
                    o.insert("proxy".into(), json!("socks5://h:1"));
                }),
                "proxy: must start with http://",
            ),
        ];
        for (change, expected) in cases {
            let err = error_for(change);
            assert_eq!(err.kind(), ErrorKind::Config);
            assert!(
                err.message().starts_with(expected),
                "{:?} does not start with {expected:?}",
                err.message()
            );
        }
    }

    #[test]
    fn a_certificate_given_as_private_key_is_named() {
        let cert = vector_path("wechatpay_test_public_key.pem");
        let err = error_for(|o| {
            o.insert("private_key_file".into(), json!(cert));
        });
        assert_eq!(
            err.message(),
            format!("private_key_file: {cert} holds a public key, not a private key")
        );
        let err = error_for(|o| {
            o.insert("private_key_file".into(), json!("/nonexistent/key.pem"));
        });
        assert!(
            err.message()
                .starts_with("private_key_file: cannot read /nonexistent/key.pem: "),
            "{}",
            err.message()
        );
    }

    #[test]
    fn debug_output_never_shows_the_private_key() {
        let pem = std::fs::read_to_string(vector_path("merchant_test_key.pem")).unwrap();
        let mut value = base();
        value.as_object_mut().unwrap().remove("private_key_file");
        value["private_key_pem"] = json!(pem);
        let config = Config::from_json(&value.to_string()).unwrap();
        let debug = format!("{config:?}");
        let body_line = pem.lines().nth(1).unwrap();
        assert!(!debug.contains(body_line));
        assert!(debug.contains("redacted"));
    }
}
