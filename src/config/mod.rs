//! Client configuration: from the JSON document of the C API contract or from setters,
//! validated as it is given, with errors that name the key and the problem.
//!
//! Keys are parsed when they are set, so a wrong file is reported at once and the client
//! never parses key material again.

mod files;
mod url;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use zeroize::Zeroizing;

use self::files::read_setting_file;
use self::url::{ENDPOINT, PROXY, checked_url};
use crate::error::Error;
use crate::json::parse_without_duplicates;
use crate::keys::{KeyStore, MerchantKey, parse_root_certificates};

/// The live service's primary host.
pub const DEFAULT_BASE_URL: &str = "https://api.mch.weixin.qq.com";
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(5_000);
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_millis(15_000);

/// Everything a [`crate::Client`] needs: merchant identity and key, WeChat Pay
/// verification keys, endpoints, trust roots, timeouts and proxy.
///
/// `Debug` output shows key ids but never key material.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) mchid: Option<String>,
    pub(crate) merchant_serial_no: Option<String>,
    pub(crate) private_key: Option<Arc<MerchantKey>>,
    pub(crate) keys: KeyStore,
    pub(crate) base_url: String,
    pub(crate) backup_base_url: Option<String>,
    pub(crate) root_certificates: Vec<Vec<u8>>,
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) proxy: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mchid: None,
            merchant_serial_no: None,
            private_key: None,
            keys: KeyStore::default(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            backup_base_url: None,
            root_certificates: Vec::new(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            proxy: None,
        }
    }
}

impl Config {
    /// An empty configuration with the defaults; set at least the merchant, the private key
    /// and one WeChat Pay key before building a client.
    pub fn new() -> Self {
        Config::default()
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

    /// The API endpoint, `https://host[:port]`. Default `https://api.mch.weixin.qq.com`.
    pub fn set_base_url(&mut self, url: &str) -> Result<(), Error> {
        self.base_url = checked_url("base_url", url, &ENDPOINT)?;
        Ok(())
    }

    /// The endpoint tried once when no connection to `base_url` could be established.
    pub fn set_backup_base_url(&mut self, url: &str) -> Result<(), Error> {
        self.backup_base_url = Some(checked_url("backup_base_url", url, &ENDPOINT)?);
        Ok(())
    }

    /// Extra trusted root certificates (PEM), in addition to the bundled webpki roots.
    pub fn add_root_ca_pem(&mut self, pem: &[u8]) -> Result<(), Error> {
        self.root_certificates
            .extend(parse_root_certificates("root_ca_pem", pem)?);
        Ok(())
    }

    /// Extra trusted root certificates from a PEM file.
    pub fn add_root_ca_file(&mut self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let pem = read_setting_file("root_ca_file", path)?;
        let source = format!("root_ca_file: {}", path.display());
        self.root_certificates
            .extend(parse_root_certificates(&source, &pem)?);
        Ok(())
    }

    /// Connect timeout and whole-call timeout, in milliseconds (each at least 1).
    pub fn set_timeouts(
        &mut self,
        connect_timeout_ms: u32,
        request_timeout_ms: u32,
    ) -> Result<(), Error> {
        let connect = timeout("connect_timeout_ms", u64::from(connect_timeout_ms))?;
        self.request_timeout = timeout("request_timeout_ms", u64::from(request_timeout_ms))?;
        self.connect_timeout = connect;
        Ok(())
    }

    /// An HTTP proxy, `http://host:port` (optionally `http://user:password@host:port`).
    pub fn set_proxy(&mut self, proxy_url: &str) -> Result<(), Error> {
        self.proxy = Some(checked_url("proxy", proxy_url, &PROXY)?);
        Ok(())
    }

    /// Reads the JSON document of the C API contract (keys: `mchid`, `merchant_serial_no`,
    /// `private_key_pem` | `private_key_file`, `wechatpay_public_key_id` +
    /// `wechatpay_public_key_pem` | `wechatpay_public_key_file`, `platform_certificates_pem` |
    /// `platform_certificate_files`, `base_url`, `backup_base_url`, `root_ca_pem` |
    /// `root_ca_file`, `connect_timeout_ms`, `request_timeout_ms`, `proxy`).
    pub fn from_json(json: &str) -> Result<Config, Error> {
        let value = parse_without_duplicates(json)
            .map_err(|e| Error::config(format!("config is not valid JSON: {e}")))?;
        let Value::Object(mut object) = value else {
            return Err(Error::config("config must be a JSON object"));
        };
        // The private key PEM is a secret: move it out of the JSON tree into memory that is
        // wiped when dropped.
        let private_key_pem = match object.remove("private_key_pem") {
            Some(Value::String(pem)) => Some(Zeroizing::new(pem)),
            Some(_) => return Err(wrong_type("private_key_pem", "a PEM string")),
            None => None,
        };
        let mut config = Config::new();
        config.apply_json(&object, private_key_pem)?;
        Ok(config)
    }

    /// Reads the JSON document from a file.
    pub fn from_json_file(path: impl AsRef<Path>) -> Result<Config, Error> {
        let path = path.as_ref();
        let text = read_setting_file("config file", path)?;
        let text = std::str::from_utf8(&text)
            .map_err(|_| Error::config(format!("config file {} is not UTF-8", path.display())))?;
        Config::from_json(text)
    }

    fn apply_json(
        &mut self,
        object: &Map<String, Value>,
        private_key_pem: Option<Zeroizing<String>>,
    ) -> Result<(), Error> {
        if let Some(key) = object
            .keys()
            .find(|key| !KNOWN_KEYS.contains(&key.as_str()))
        {
            return Err(Error::config(format!("unknown key \"{}\"", excerpt(key))));
        }
        let string = |key: &str| -> Result<Option<&str>, Error> {
            match object.get(key) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(wrong_type(key, "a string")),
            }
        };
        let strings = |key: &str| -> Result<Vec<&str>, Error> {
            match object.get(key) {
                None => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|item| {
                        item.as_str()
                            .ok_or_else(|| wrong_type(key, "an array of strings"))
                    })
                    .collect(),
                Some(_) => Err(wrong_type(key, "an array of strings")),
            }
        };
        let millis = |key: &str| -> Result<Option<Duration>, Error> {
            match object.get(key) {
                None => Ok(None),
                Some(value) => match value.as_u64() {
                    Some(ms) => timeout(key, ms).map(Some),
                    None => Err(wrong_type(key, "a whole number of milliseconds")),
                },
            }
        };

        match (string("mchid")?, string("merchant_serial_no")?) {
            (Some(mchid), Some(serial)) => self.set_merchant(mchid, serial)?,
            (None, _) => {
                return Err(Error::config(
                    "mchid: missing (the merchant id is required)",
                ));
            }
            (_, None) => {
                return Err(Error::config(
                    "merchant_serial_no: missing (the serial of the merchant API certificate is required)",
                ));
            }
        }

        match (private_key_pem, string("private_key_file")?) {
            (Some(pem), None) => self.set_private_key_pem(pem.as_bytes())?,
            (None, Some(path)) => self.set_private_key_file(path)?,
            (Some(_), Some(_)) => {
                return Err(Error::config(
                    "private_key_pem and private_key_file: give exactly one, not both",
                ));
            }
            (None, None) => {
                return Err(Error::config(
                    "private_key_pem or private_key_file: missing (the merchant API private key is required)",
                ));
            }
        }

        let public_key_id = string("wechatpay_public_key_id")?;
        match (
            public_key_id,
            string("wechatpay_public_key_pem")?,
            string("wechatpay_public_key_file")?,
        ) {
            (Some(id), Some(pem), None) => self.add_wechatpay_public_key_pem(id, pem.as_bytes())?,
            (Some(id), None, Some(path)) => self.add_wechatpay_public_key_file(id, path)?,
            (None, None, None) => {}
            (Some(_), Some(_), Some(_)) => {
                return Err(Error::config(
                    "wechatpay_public_key_pem and wechatpay_public_key_file: give exactly one, not both",
                ));
            }
            (Some(_), None, None) => {
                return Err(Error::config(
                    "wechatpay_public_key_id: needs wechatpay_public_key_pem or wechatpay_public_key_file",
                ));
            }
            (None, _, _) => {
                return Err(Error::config(
                    "wechatpay_public_key_id: missing (required with a WeChat Pay public key)",
                ));
            }
        }

        for pem in strings("platform_certificates_pem")? {
            self.add_platform_certificate_pem(pem.as_bytes())?;
        }
        for path in strings("platform_certificate_files")? {
            self.add_platform_certificate_file(path)?;
        }
        if self.keys.is_empty() {
            return Err(Error::config(
                "no WeChat Pay verification key: set wechatpay_public_key_id with wechatpay_public_key_pem/_file, or platform_certificates_pem/platform_certificate_files",
            ));
        }

        if let Some(url) = string("base_url")? {
            self.set_base_url(url)?;
        }
        if let Some(url) = string("backup_base_url")? {
            self.set_backup_base_url(url)?;
        }
        if let Some(pem) = string("root_ca_pem")? {
            self.add_root_ca_pem(pem.as_bytes())?;
        }
        if let Some(path) = string("root_ca_file")? {
            self.add_root_ca_file(path)?;
        }
        if let Some(connect) = millis("connect_timeout_ms")? {
            self.connect_timeout = connect;
        }
        if let Some(request) = millis("request_timeout_ms")? {
            self.request_timeout = request;
        }
        if let Some(proxy) = string("proxy")? {
            self.set_proxy(proxy)?;
        }
        Ok(())
    }

    /// Checks that everything a client needs is present.
    pub(crate) fn check_complete(&self) -> Result<(), Error> {
        if self.mchid.is_none() || self.merchant_serial_no.is_none() {
            return Err(Error::config("mchid and merchant_serial_no: not set"));
        }
        if self.private_key.is_none() {
            return Err(Error::config(
                "private key: not set (private_key_pem or private_key_file)",
            ));
        }
        if self.keys.is_empty() {
            return Err(Error::config(
                "no WeChat Pay verification key: add a WeChat Pay public key or a platform certificate",
            ));
        }
        Ok(())
    }
}

const KNOWN_KEYS: &[&str] = &[
    "mchid",
    "merchant_serial_no",
    "private_key_pem",
    "private_key_file",
    "wechatpay_public_key_id",
    "wechatpay_public_key_pem",
    "wechatpay_public_key_file",
    "platform_certificates_pem",
    "platform_certificate_files",
    "base_url",
    "backup_base_url",
    "root_ca_pem",
    "root_ca_file",
    "connect_timeout_ms",
    "request_timeout_ms",
    "proxy",
];

fn wrong_type(key: &str, expected: &str) -> Error {
    Error::config(format!("{key}: must be {expected}"))
}

fn timeout(key: &str, ms: u64) -> Result<Duration, Error> {
    if ms == 0 || ms > u64::from(u32::MAX) {
        return Err(Error::config(format!(
            "{key}: must be 1 to 4294967295 milliseconds"
        )));
    }
    Ok(Duration::from_millis(ms))
}

/// Config values can be long or odd: quote a short printable prefix only, and never PEM text
/// (a key pasted into the wrong setting must not end up in an error message or a log).
fn excerpt(value: &str) -> String {
    if value.contains("-----BEGIN") {
        return "(PEM text, not shown)".to_owned();
    }
    value
        .chars()
        .take(80)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::test_vectors::vector_path;
    use serde_json::json;

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
        assert_eq!(config.base_url, DEFAULT_BASE_URL);
        assert_eq!(config.connect_timeout, Duration::from_secs(5));
        assert_eq!(config.request_timeout, Duration::from_secs(15));
        assert_eq!(
            config.keys.request_serial(),
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
