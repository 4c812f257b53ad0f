//! The state dir: keys and certificates that survive restarts, and the ready-made
//! client configs rewritten at each start.
//!
//! Files: `ca.pem`, `ca.key.pem`, `server.pem`, `server.key.pem`, `merchant_key.pem`,
//! `merchant_cert.pem`, `wechatpay_key.pem`, `wechatpay_public_key.pem`,
//! `wechatpay_platform_cert.pem`, `wechatpay_platform_cert_expired.pem`, `apiv3_key.txt`,
//! `client.json`, `client-public-key.json`, `client-certificate.json`, `client-auto.json`
//! (and `.lock`, which serialises preparation between simulators sharing the dir).
//! Rotated platform certificates are written next to them as
//! `wechatpay_platform_cert_<SERIAL>.pem` (see `certificates.rs`).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rcgen::KeyPair;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Value, json};

use crate::options::KeyMode;
use crate::{apiv3, keys};

/// The current platform certificate, and one for the same key whose validity lies in the
/// past (served with `--expired-platform-certificate`).
pub(crate) const PLATFORM_CERT: &str = "wechatpay_platform_cert.pem";
pub(crate) const EXPIRED_PLATFORM_CERT: &str = "wechatpay_platform_cert_expired.pem";
const APIV3_KEY: &str = "apiv3_key.txt";

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
    /// The test CA's key: it issues rotated platform certificates.
    pub(crate) ca_key: KeyPair,
    /// `ca.pem` as DER: the root an `https://` notify URL must chain to.
    pub(crate) ca_der: CertificateDer<'static>,
    /// The merchant's APIv3 key (32 alphanumeric characters).
    pub(crate) apiv3_key: String,
}

/// What the client configs say besides the fixed files.
pub(crate) struct ConfigChoices {
    pub(crate) mode: KeyMode,
    /// Also list the expired platform certificate in certificate-mode configs, so that
    /// a client knows it and must refuse it for its dates rather than its serial.
    pub(crate) list_expired_certificate: bool,
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
        for (name, validity) in [
            (PLATFORM_CERT, keys::LONG_VALIDITY),
            (EXPIRED_PLATFORM_CERT, keys::EXPIRED_VALIDITY),
        ] {
            if ca_new || wechatpay_key_new || !self.file(name).exists() {
                let serial = keys::random_serial()?;
                let cert = keys::platform_cert(&wechatpay_key, &issuer, &serial, validity)?;
                self.write(name, &cert.pem(), false)?;
            }
        }
        let apiv3_key = self.apiv3_key()?;
        let ca_der = CertificateDer::from_pem_file(self.file("ca.pem"))
            .map_err(|e| invalid(&self.file("ca.pem"), e))?;

        Ok(Material {
            server_chain,
            server_key: PrivatePkcs8KeyDer::from(server_key.serialize_der()).into(),
            merchant_serial: self.cert_serial("merchant_cert.pem")?,
            merchant_key_der: merchant_key.serialize_der(),
            public_key_id: keys::public_key_id(&wechatpay_key),
            wechatpay_key_der: wechatpay_key.serialize_der(),
            ca_key,
            ca_der,
            apiv3_key,
        })
    }

    /// The APIv3 key in `apiv3_key.txt` (exactly the 32 characters, no newline, so that
    /// `apiv3_key_file` can name it), or a new one written there.
    fn apiv3_key(&self) -> io::Result<String> {
        let path = self.file(APIV3_KEY);
        match fs::read_to_string(&path) {
            Ok(text) => {
                // An editor may have added a newline; nothing else is forgiven.
                let key = text.trim_end_matches(['\r', '\n']);
                apiv3::check_key(key).map_err(|why| invalid(&path, why))?;
                Ok(key.to_owned())
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let key = apiv3::generate_key()?;
                self.write(APIV3_KEY, &key, true)?;
                Ok(key)
            }
            Err(e) => Err(with_path(e, "cannot read", &path)),
        }
    }

    /// Writes `client-public-key.json`, `client-certificate.json`, `client-auto.json` and
    /// `client.json` (the variant for the key mode) and returns the `client.json` document.
    pub(crate) fn write_client_configs(
        &self,
        material: &Material,
        base_url: &str,
        choices: &ConfigChoices,
    ) -> io::Result<Value> {
        let public_key = self.client_config(material, base_url, Some(KeyMode::PublicKey), choices);
        let certificate =
            self.client_config(material, base_url, Some(KeyMode::Certificate), choices);
        let auto = self.client_config(material, base_url, None, choices);
        self.write("client-public-key.json", &pretty(&public_key), false)?;
        self.write("client-certificate.json", &pretty(&certificate), false)?;
        self.write("client-auto.json", &pretty(&auto), false)?;
        let chosen = match choices.mode {
            KeyMode::PublicKey => public_key,
            KeyMode::Certificate => certificate,
        };
        self.write("client.json", &pretty(&chosen), false)?;
        Ok(chosen)
    }

    /// A wxface config using only the configuration keys the README documents. `mode`
    /// `None`: no verification key at all, certificates downloaded by the client
    /// (`auto_platform_certificates`).
    fn client_config(
        &self,
        material: &Material,
        base_url: &str,
        mode: Option<KeyMode>,
        choices: &ConfigChoices,
    ) -> Value {
        let path = |name: &str| Value::String(self.file(name).to_string_lossy().into_owned());
        let mut doc = json!({
            "mchid": keys::MCHID,
            "merchant_serial_no": material.merchant_serial,
            "private_key_file": path("merchant_key.pem"),
            "base_url": base_url,
            "root_ca_file": path("ca.pem"),
        });
        match mode {
            Some(KeyMode::PublicKey) => {
                doc["wechatpay_public_key_id"] = json!(material.public_key_id);
                doc["wechatpay_public_key_file"] = path("wechatpay_public_key.pem");
            }
            Some(KeyMode::Certificate) => {
                let mut files = vec![path(PLATFORM_CERT)];
                if choices.list_expired_certificate {
                    files.push(path(EXPIRED_PLATFORM_CERT));
                }
                doc["platform_certificate_files"] = Value::Array(files);
            }
            None => {}
        }
        doc["apiv3_key"] = json!(material.apiv3_key);
        if mode.is_none() {
            doc["auto_platform_certificates"] = json!(true);
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
        let platform_serial = || dir.cert_serial(PLATFORM_CERT).unwrap();
        let first_platform_serial = platform_serial();
        let ca = fs::read_to_string(dir.file("ca.pem")).unwrap();

        let again = dir.prepare().unwrap();
        assert_eq!(again.merchant_serial, first.merchant_serial);
        assert_eq!(platform_serial(), first_platform_serial);
        assert_eq!(again.public_key_id, first.public_key_id);
        assert_eq!(again.merchant_key_der, first.merchant_key_der);
        assert_eq!(fs::read_to_string(dir.file("ca.pem")).unwrap(), ca);

        // A lost certificate is issued again; the key and its id stay.
        fs::remove_file(dir.file(PLATFORM_CERT)).unwrap();
        let third = dir.prepare().unwrap();
        assert_ne!(platform_serial(), first_platform_serial);
        assert_eq!(third.public_key_id, first.public_key_id);
        assert_eq!(platform_serial().len(), 40);

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.file("merchant_key.pem"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        // The APIv3 key is kept too, and is exactly 32 characters on disk.
        assert_eq!(third.apiv3_key, first.apiv3_key);
        assert_eq!(fs::read(dir.file(APIV3_KEY)).unwrap().len(), 32);

        let choices = ConfigChoices {
            mode: KeyMode::Certificate,
            list_expired_certificate: false,
        };
        let doc = dir
            .write_client_configs(&third, "https://127.0.0.1:1", &choices)
            .unwrap();
        assert_eq!(doc["apiv3_key"], third.apiv3_key.as_str());
        assert_eq!(
            doc["platform_certificate_files"].as_array().unwrap().len(),
            1
        );
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
        assert_eq!(public["apiv3_key"], third.apiv3_key.as_str());

        let auto: Value =
            serde_json::from_str(&fs::read_to_string(dir.file("client-auto.json")).unwrap())
                .unwrap();
        let keys: Vec<&str> = auto
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "mchid",
                "merchant_serial_no",
                "private_key_file",
                "base_url",
                "root_ca_file",
                "apiv3_key",
                "auto_platform_certificates"
            ]
        );
        assert_eq!(auto["auto_platform_certificates"], true);

        let with_expired = ConfigChoices {
            mode: KeyMode::Certificate,
            list_expired_certificate: true,
        };
        let doc = dir
            .write_client_configs(&third, "https://127.0.0.1:1", &with_expired)
            .unwrap();
        let files = doc["platform_certificate_files"].as_array().unwrap();
        assert!(files[1].as_str().unwrap().ends_with(EXPIRED_PLATFORM_CERT));

        // A damaged APIv3 key is an error, not silently replaced.
        fs::write(dir.file(APIV3_KEY), "too short\n").unwrap();
        let err = dir.prepare().err().unwrap();
        assert!(err.to_string().contains(APIV3_KEY), "{err}");
        let _ = fs::remove_dir_all(&path);
    }
}
