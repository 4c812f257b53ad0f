//! The state dir: keys and certificates that survive restarts, and the ready-made
//! client configs rewritten at each start.
//!
//! Files: `ca.pem`, `ca.key.pem`, `server.pem`, `server.key.pem`, `merchant_key.pem`,
//! `merchant_cert.pem`, `wechatpay_key.pem`, `wechatpay_public_key.pem`,
//! `wechatpay_platform_cert.pem`, `client.json`, `client-public-key.json`,
//! `client-certificate.json` (and `.lock`, which serialises preparation between
//! simulators sharing the dir).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rcgen::KeyPair;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Value, json};

use crate::keys;
use crate::options::KeyMode;

/// Everything the server needs from the state dir.
pub(crate) struct Material {
    pub(crate) server_chain: Vec<CertificateDer<'static>>,
    pub(crate) server_key: PrivateKeyDer<'static>,
    /// Uppercase hex serial of `merchant_cert.pem`: the `serial_no` requests must name.
    pub(crate) merchant_serial: String,
    /// DER of the merchant key as stored (PKCS#8 when generated here); requests are
    /// verified with its public half.
    pub(crate) merchant_key_der: Vec<u8>,
    /// DER of the WeChat Pay key that signs answers, as stored.
    pub(crate) wechatpay_key_der: Vec<u8>,
    /// `PUB_KEY_ID_…` of the WeChat Pay public key.
    pub(crate) public_key_id: String,
    /// Uppercase hex serial of `wechatpay_platform_cert.pem`.
    pub(crate) platform_serial: String,
}

pub(crate) struct StateDir {
    root: PathBuf,
}

impl StateDir {
    /// Creates the directory if needed; paths in configs are absolute from here on.
    pub(crate) fn open(path: &Path) -> io::Result<StateDir> {
        fs::create_dir_all(path).map_err(|e| with_path(e, "cannot create state dir", path))?;
        let root =
            fs::canonicalize(path).map_err(|e| with_path(e, "cannot resolve state dir", path))?;
        Ok(StateDir { root })
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn file(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Loads what exists and generates only what is missing. A certificate is issued
    /// again when its key or its issuer (the CA) was just generated.
    pub(crate) fn prepare(&self) -> io::Result<Material> {
        // Two simulators starting on one state dir must not both generate keys.
        let lock_file = File::create(self.file(".lock"))?;
        lock_file.lock()?;

        let (ca_key, ca_key_new) = self.key("ca.key.pem", keys::generate_ecdsa)?;
        let ca_new = ca_key_new || !self.file("ca.pem").exists();
        if ca_new {
            self.write("ca.pem", &keys::self_signed_ca(&ca_key)?.pem(), false)?;
        }
        let issuer = keys::issuer(&ca_key);

        let (server_key, server_key_new) = self.key("server.key.pem", keys::generate_ecdsa)?;
        if ca_new || server_key_new || !self.file("server.pem").exists() {
            self.write(
                "server.pem",
                &keys::server_cert(&server_key, &issuer)?.pem(),
                false,
            )?;
        }
        let server_chain = CertificateDer::pem_file_iter(self.file("server.pem"))
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| invalid(&self.file("server.pem"), e))?;

        let (merchant_key, merchant_key_new) = self.key("merchant_key.pem", keys::generate_rsa)?;
        if ca_new || merchant_key_new || !self.file("merchant_cert.pem").exists() {
            let cert = keys::merchant_cert(&merchant_key, &issuer, &keys::random_serial()?)?;
            self.write("merchant_cert.pem", &cert.pem(), false)?;
        }

        let (wechatpay_key, wechatpay_key_new) =
            self.key("wechatpay_key.pem", keys::generate_rsa)?;
        if wechatpay_key_new || !self.file("wechatpay_public_key.pem").exists() {
            self.write(
                "wechatpay_public_key.pem",
                &wechatpay_key.public_key_pem(),
                false,
            )?;
        }
        if ca_new || wechatpay_key_new || !self.file("wechatpay_platform_cert.pem").exists() {
            let cert = keys::platform_cert(&wechatpay_key, &issuer, &keys::random_serial()?)?;
            self.write("wechatpay_platform_cert.pem", &cert.pem(), false)?;
        }

        Ok(Material {
            server_chain,
            server_key: PrivatePkcs8KeyDer::from(server_key.serialize_der()).into(),
            merchant_serial: self.cert_serial("merchant_cert.pem")?,
            merchant_key_der: merchant_key.serialize_der(),
            public_key_id: keys::public_key_id(&wechatpay_key),
            wechatpay_key_der: wechatpay_key.serialize_der(),
            platform_serial: self.cert_serial("wechatpay_platform_cert.pem")?,
        })
    }

    /// Writes `client-public-key.json`, `client-certificate.json` and `client.json` (the
    /// variant for `mode`) and returns the `client.json` document.
    pub(crate) fn write_client_configs(
        &self,
        material: &Material,
        base_url: &str,
        mode: KeyMode,
    ) -> io::Result<Value> {
        let public_key = self.client_config(material, base_url, KeyMode::PublicKey);
        let certificate = self.client_config(material, base_url, KeyMode::Certificate);
        self.write("client-public-key.json", &pretty(&public_key), false)?;
        self.write("client-certificate.json", &pretty(&certificate), false)?;
        let chosen = match mode {
            KeyMode::PublicKey => public_key,
            KeyMode::Certificate => certificate,
        };
        self.write("client.json", &pretty(&chosen), false)?;
        Ok(chosen)
    }

    /// A wxface config using only the configuration keys the README documents.
    fn client_config(&self, material: &Material, base_url: &str, mode: KeyMode) -> Value {
        let path = |name: &str| Value::String(self.file(name).to_string_lossy().into_owned());
        let mut doc = json!({
            "mchid": keys::MCHID,
            "merchant_serial_no": material.merchant_serial,
            "private_key_file": path("merchant_key.pem"),
            "base_url": base_url,
            "root_ca_file": path("ca.pem"),
        });
        match mode {
            KeyMode::PublicKey => {
                doc["wechatpay_public_key_id"] = json!(material.public_key_id);
                doc["wechatpay_public_key_file"] = path("wechatpay_public_key.pem");
            }
            KeyMode::Certificate => {
                doc["platform_certificate_files"] = json!([path("wechatpay_platform_cert.pem")]);
            }
        }
        doc
    }

    /// The key in `name`, or a new one written there; `true` when it is new.
    fn key(
        &self,
        name: &str,
        generate: fn() -> io::Result<KeyPair>,
    ) -> io::Result<(KeyPair, bool)> {
        let path = self.file(name);
        match fs::read_to_string(&path) {
            Ok(pem) => Ok((keys::key_from_pem(&pem, &path.to_string_lossy())?, false)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let key = generate()?;
                self.write(name, &key.serialize_pem(), true)?;
                Ok((key, true))
            }
            Err(e) => Err(with_path(e, "cannot read", &path)),
        }
    }

    fn cert_serial(&self, name: &str) -> io::Result<String> {
        let path = self.file(name);
        let pem = fs::read_to_string(&path).map_err(|e| with_path(e, "cannot read", &path))?;
        keys::serial_of_cert_pem(&pem, &path.to_string_lossy())
    }

    /// Writes through a temporary file and a rename, so a reader (another simulator, a
    /// client loading client.json) never sees half a file. Private keys get mode 0600.
    fn write(&self, name: &str, contents: &str, private: bool) -> io::Result<()> {
        let path = self.file(name);
        // Unique per write: several simulators in one process may share a state dir and
        // write the same file at once; each renames only its own temporary file.
        static WRITES: AtomicU64 = AtomicU64::new(0);
        let n = WRITES.fetch_add(1, Ordering::Relaxed);
        let tmp = self.file(&format!(".{name}.{}.{n}.tmp", std::process::id()));
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        let mut file = options
            .open(&tmp)
            .map_err(|e| with_path(e, "cannot write", &tmp))?;
        file.write_all(contents.as_bytes())?;
        drop(file);
        fs::rename(&tmp, &path).map_err(|e| with_path(e, "cannot write", &path))
    }
}

fn pretty(doc: &Value) -> String {
    // Serialising a Value cannot fail.
    let mut text = serde_json::to_string_pretty(doc).unwrap_or_default();
    text.push('\n');
    text
}

fn with_path(e: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}

fn invalid(path: &Path, e: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {e}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_state_dir(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("wxface-sim-unit-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn prepare_reuses_what_exists_and_fills_gaps() {
        let path = temp_state_dir("state");
        let dir = StateDir::open(&path).unwrap();
        let first = dir.prepare().unwrap();
        let ca = fs::read_to_string(dir.file("ca.pem")).unwrap();

        let again = dir.prepare().unwrap();
        assert_eq!(again.merchant_serial, first.merchant_serial);
        assert_eq!(again.platform_serial, first.platform_serial);
        assert_eq!(again.public_key_id, first.public_key_id);
        assert_eq!(again.merchant_key_der, first.merchant_key_der);
        assert_eq!(fs::read_to_string(dir.file("ca.pem")).unwrap(), ca);

        // A lost certificate is issued again; the key and its id stay.
        fs::remove_file(dir.file("wechatpay_platform_cert.pem")).unwrap();
        let third = dir.prepare().unwrap();
        assert_ne!(third.platform_serial, first.platform_serial);
        assert_eq!(third.public_key_id, first.public_key_id);
        assert_eq!(third.platform_serial.len(), 40);

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.file("merchant_key.pem"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        let doc = dir
            .write_client_configs(&third, "https://127.0.0.1:1", KeyMode::Certificate)
            .unwrap();
        assert_eq!(doc["mchid"], "1900000001");
        assert_eq!(doc["merchant_serial_no"], third.merchant_serial.as_str());
        assert!(doc.get("wechatpay_public_key_id").is_none());
        let cert_file = doc["platform_certificate_files"][0].as_str().unwrap();
        assert!(Path::new(cert_file).is_absolute());
        let on_disk: Value =
            serde_json::from_str(&fs::read_to_string(dir.file("client.json")).unwrap()).unwrap();
        assert_eq!(on_disk, doc);
        let public: Value =
            serde_json::from_str(&fs::read_to_string(dir.file("client-public-key.json")).unwrap())
                .unwrap();
        assert_eq!(
            public["wechatpay_public_key_id"],
            third.public_key_id.as_str()
        );
        assert!(public.get("platform_certificate_files").is_none());
        let _ = fs::remove_dir_all(&path);
    }
}
