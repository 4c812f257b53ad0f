//! The JSON configuration document: every key is named once, in the `schema!` list below,
//! with its type; from that list come the document's fields, the set of known keys and the
//! type checks. `apply` then gives the values to the [`Config`] setters, in a fixed order,
//! with the rules that involve several keys.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use zeroize::Zeroizing;

use super::{Config, timeout};
use crate::error::Error;
use crate::json::parse_without_duplicates;

/// Declares the document: one line per key, `name: Kind`.
macro_rules! schema {
    ($($key:ident: $kind:ident,)*) => {
        /// The values of one document, type-checked, not yet applied.
        #[derive(Default)]
        struct Document {
            $($key: Option<<$kind as Kind>::Value>,)*
        }

        impl Document {
            /// Every key the document may hold.
            const KEYS: &'static [&'static str] = &[$(stringify!($key)),*];

            fn set(&mut self, key: &str, value: Value) -> Result<(), Error> {
                match key {
                    $(stringify!($key) => self.$key = Some($kind::read(stringify!($key), value)?),)*
                    _ => return Err(unknown_key(key)),
                }
                Ok(())
            }
        }
    };
}

schema! {
    mchid: Text,
    merchant_serial_no: Text,
    private_key_pem: Secret,
    private_key_file: Text,
    wechatpay_public_key_id: Text,
    wechatpay_public_key_pem: Text,
    wechatpay_public_key_file: Text,
    platform_certificates_pem: Texts,
    platform_certificate_files: Texts,
    base_url: Text,
    backup_base_url: Text,
    root_ca_pem: Text,
    root_ca_file: Text,
    connect_timeout_ms: Millis,
    request_timeout_ms: Millis,
    proxy: Text,
    apiv3_key: Secret,
    apiv3_key_file: Text,
    auto_platform_certificates: Flag,
}

/// A key's type: how its JSON value is checked and what it becomes.
trait Kind {
    type Value;
    fn read(key: &str, value: Value) -> Result<Self::Value, Error>;
}

struct Text;
struct Secret;
struct Texts;
struct Millis;
struct Flag;

impl Kind for Text {
    type Value = String;
    fn read(key: &str, value: Value) -> Result<String, Error> {
        match value {
            Value::String(text) => Ok(text),
            _ => Err(wrong_type(key, "a string")),
        }
    }
}

/// A secret string (the private key PEM): moved out of the JSON tree into memory that is
/// wiped when dropped.
impl Kind for Secret {
    type Value = Zeroizing<String>;
    fn read(key: &str, value: Value) -> Result<Zeroizing<String>, Error> {
        match value {
            Value::String(text) => Ok(Zeroizing::new(text)),
            _ => Err(wrong_type(key, "a PEM string")),
        }
    }
}

impl Kind for Texts {
    type Value = Vec<String>;
    fn read(key: &str, value: Value) -> Result<Vec<String>, Error> {
        let Value::Array(items) = value else {
            return Err(wrong_type(key, "an array of strings"));
        };
        items
            .into_iter()
            .map(|item| match item {
                Value::String(text) => Ok(text),
                _ => Err(wrong_type(key, "an array of strings")),
            })
            .collect()
    }
}

impl Kind for Flag {
    type Value = bool;
    fn read(key: &str, value: Value) -> Result<bool, Error> {
        value
            .as_bool()
            .ok_or_else(|| wrong_type(key, "true or false"))
    }
}

impl Kind for Millis {
    type Value = Duration;
    fn read(key: &str, value: Value) -> Result<Duration, Error> {
        match value.as_u64() {
            Some(ms) => timeout(key, ms),
            None => Err(wrong_type(key, "a whole number of milliseconds")),
        }
    }
}

/// Reads a document; relative `*_file` paths are resolved against `folder` when given.
pub(super) fn read_document(json: &str, folder: Option<&Path>) -> Result<Config, Error> {
    let value = parse_without_duplicates(json)
        .map_err(|e| Error::config(format!("config is not valid JSON: {e}")))?;
    let Value::Object(object) = value else {
        return Err(Error::config("config must be a JSON object"));
    };
    if let Some(key) = object
        .keys()
        .find(|key| !Document::KEYS.contains(&key.as_str()))
    {
        return Err(unknown_key(key));
    }
    let mut document = Document::default();
    for (key, value) in object {
        document.set(&key, value)?;
    }
    let mut config = Config::new();
    apply(document, &mut config, &|path: &str| resolve(folder, path))?;
    config.check_complete()?;
    Ok(config)
}

/// Gives the document's values to the setters, with the rules that span keys.
fn apply(d: Document, config: &mut Config, path: &dyn Fn(&str) -> PathBuf) -> Result<(), Error> {
    if let (Some(mchid), Some(serial)) = (&d.mchid, &d.merchant_serial_no) {
        config.set_merchant(mchid, serial)?;
    }
    match (d.private_key_pem, d.private_key_file) {
        (Some(pem), None) => config.set_private_key_pem(pem.as_bytes())?,
        (None, Some(file)) => config.set_private_key_file(path(&file))?,
        (Some(_), Some(_)) => {
            return Err(Error::config(
                "private_key_pem and private_key_file: give exactly one, not both",
            ));
        }
        (None, None) => {}
    }
    match (
        d.wechatpay_public_key_id,
        d.wechatpay_public_key_pem,
        d.wechatpay_public_key_file,
    ) {
        (Some(id), Some(pem), None) => config.add_wechatpay_public_key_pem(&id, pem.as_bytes())?,
        (Some(id), None, Some(file)) => config.add_wechatpay_public_key_file(&id, path(&file))?,
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
    for pem in d.platform_certificates_pem.unwrap_or_default() {
        config.add_platform_certificate_pem(pem.as_bytes())?;
    }
    for file in d.platform_certificate_files.unwrap_or_default() {
        config.add_platform_certificate_file(path(&file))?;
    }
    if let Some(url) = d.base_url {
        config.set_base_url(&url)?;
    }
    if let Some(url) = d.backup_base_url {
        config.set_backup_base_url(&url)?;
    }
    if let Some(pem) = d.root_ca_pem {
        config.add_root_ca_pem(pem.as_bytes())?;
    }
    if let Some(file) = d.root_ca_file {
        config.add_root_ca_file(path(&file))?;
    }
    if let Some(connect) = d.connect_timeout_ms {
        config.transport.connect_timeout = connect;
    }
    if let Some(request) = d.request_timeout_ms {
        config.transport.request_timeout = request;
    }
    if let Some(proxy) = d.proxy {
        config.set_proxy(&proxy)?;
    }
    match (d.apiv3_key, d.apiv3_key_file) {
        (Some(key), None) => config.set_apiv3_key(key.as_bytes())?,
        (None, Some(file)) => config.set_apiv3_key_file(path(&file))?,
        (Some(_), Some(_)) => {
            return Err(Error::config(
                "apiv3_key and apiv3_key_file: give exactly one, not both",
            ));
        }
        (None, None) => {}
    }
    if let Some(enabled) = d.auto_platform_certificates {
        config.set_auto_platform_certificates(enabled);
    }
    Ok(())
}

/// A `*_file` value as a path: relative ones are relative to the config file's folder.
fn resolve(folder: Option<&Path>, path: &str) -> PathBuf {
    match folder {
        Some(folder) if Path::new(path).is_relative() => folder.join(path),
        _ => PathBuf::from(path),
    }
}

fn wrong_type(key: &str, expected: &str) -> Error {
    Error::config(format!("{key}: must be {expected}"))
}

fn unknown_key(key: &str) -> Error {
    Error::config(format!("unknown key \"{}\"", excerpt(key)))
}

/// Keys can be long or odd: quote a short printable prefix only, and never PEM text (a key
/// pasted into the wrong place must not end up in an error message or a log).
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
