//! One POST of a notification to a notify URL: a deliberately small HTTP/1.1 client
//! (one request per connection, `Connection: close`) over plain TCP or rustls.
//! `https://` URLs must present a certificate issued by the state dir's test CA (for
//! example the simulator's own `server.pem`): there is no public CA store here.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

/// The receiver's answer is read up to this many bytes (its head and a bit of body,
/// enough to show a `{"code":"FAIL","message":…}` in the delivery log).
const MAX_REPLY: usize = 64 << 10;
/// How much of the reply body the delivery log keeps.
const REPLY_SHOWN: usize = 512;

/// A parsed `http://` or `https://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WebhookUrl {
    pub(crate) text: String,
    tls: bool,
    host: String,
    port: u16,
    /// Path and query, at least `/`.
    target: String,
}

impl WebhookUrl {
    pub(crate) fn parse(url: &str) -> Result<WebhookUrl, String> {
        let bad = |why: &str| format!("notify URL {url:?}: {why}");
        let (tls, rest) = if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else {
            return Err(bad("must start with http:// or https://"));
        };
        if url.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err(bad("must be printable ASCII without spaces"));
        }
        let (authority, target) = match rest.find(['/', '?']) {
            Some(at) if rest[at..].starts_with('/') => (&rest[..at], rest[at..].to_owned()),
            Some(at) => (&rest[..at], format!("/{}", &rest[at..])),
            None => (rest, "/".to_owned()),
        };
        let target = target.split('#').next().unwrap_or("/").to_owned();
        if authority.contains('@') {
            return Err(bad("user info is not supported"));
        }
        let (host, port) = match authority.strip_prefix('[') {
            // [v6]:port
            Some(v6) => {
                let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
                (host, after.strip_prefix(':'))
            }
            None => match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            },
        };
        if host.is_empty() {
            return Err(bad("has no host"));
        }
        let port = match port {
            None => {
                if tls {
                    443
                } else {
                    80
                }
            }
            Some(port) => port
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad("port must be 1 to 65535"))?,
        };
        Ok(WebhookUrl {
            text: url.to_owned(),
            tls,
            host: host.to_owned(),
            port,
            target,
        })
    }
}

/// The receiver's answer to one POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    /// The start of the body, lossy UTF-8.
    pub(crate) body: String,
}

/// TLS settings for `https://` notify URLs: the test CA only.
pub(crate) fn tls_config(ca: &CertificateDer<'static>) -> io::Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    roots
        .add(ca.clone())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("ca.pem: {e}")))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// POSTs `body` with `headers`; any HTTP status is a reply, anything else an error
/// (connect, TLS, timeout, no status line).
pub(crate) fn post(
    url: &WebhookUrl,
    headers: &[(String, String)],
    body: &[u8],
    timeout: Duration,
    tls: &Arc<ClientConfig>,
) -> Result<Reply, String> {
    let tcp = connect(url, timeout).map_err(|e| format!("connect: {e}"))?;
    let mut request = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: wxface-sim/{}\r\nContent-Length: {}\r\nConnection: close\r\n",
        url.target,
        host_header(url),
        env!("CARGO_PKG_VERSION"),
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut request = request.into_bytes();
    request.extend_from_slice(body);

    let mut raw = Vec::new();
    let result = if url.tls {
        let name = ServerName::try_from(url.host.clone()).map_err(|e| format!("TLS: {e}"))?;
        let connection =
            ClientConnection::new(tls.clone(), name).map_err(|e| format!("TLS: {e}"))?;
        exchange(StreamOwned::new(connection, tcp), &request, &mut raw)
    } else {
        exchange(tcp, &request, &mut raw)
    };
    match parse_reply(&raw) {
        Some(reply) => Ok(reply),
        // What broke before a status line arrived is the error worth showing.
        None => Err(match result {
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::TimedOut =>
            {
                format!("no answer within {} ms", timeout.as_millis())
            }
            Err(e) => e.to_string(),
            Ok(()) if raw.is_empty() => "connection closed without an answer".into(),
            Ok(()) => "the answer is not HTTP".into(),
        }),
    }
}

fn host_header(url: &WebhookUrl) -> String {
    let host = if url.host.contains(':') {
        format!("[{}]", url.host)
    } else {
        url.host.clone()
    };
    let default_port = if url.tls { 443 } else { 80 };
    if url.port == default_port {
        host
    } else {
        format!("{host}:{}", url.port)
    }
}

fn connect(url: &WebhookUrl, timeout: Duration) -> io::Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the host has no address");
    for addr in (url.host.as_str(), url.port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(tcp) => {
                tcp.set_read_timeout(Some(timeout))?;
                tcp.set_write_timeout(Some(timeout))?;
                let _ = tcp.set_nodelay(true);
                return Ok(tcp);
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Writes the request, then reads until the receiver closes, the declared body has
/// arrived, or [`MAX_REPLY`] bytes.
fn exchange(mut stream: impl Read + Write, request: &[u8], raw: &mut Vec<u8>) -> io::Result<()> {
    stream.write_all(request)?;
    stream.flush()?;
    let mut buf = [0u8; 8192];
    while raw.len() < MAX_REPLY && !reply_complete(raw) {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            // A receiver that closes without TLS close_notify has still answered.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn head_end(raw: &[u8]) -> Option<usize> {
    raw.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| at + 4)
}

fn content_length(head: &str) -> Option<usize> {
    head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })
}

/// The head has arrived with a `Content-Length` and that much body after it (a
/// receiver that keeps the connection open anyway is not waited for).
fn reply_complete(raw: &[u8]) -> bool {
    let Some(end) = head_end(raw) else {
        return false;
    };
    let head = String::from_utf8_lossy(&raw[..end]);
    content_length(&head).is_some_and(|n| raw.len() - end >= n)
}

/// `HTTP/1.x CODE …` and the start of the body; `None` without a status line.
fn parse_reply(raw: &[u8]) -> Option<Reply> {
    let line_end = raw.windows(2).position(|w| w == b"\r\n")?;
    let line = std::str::from_utf8(&raw[..line_end]).ok()?;
    let mut parts = line.split(' ');
    let version = parts.next()?;
    let status = parts.next()?.parse::<u16>().ok()?;
    if !version.starts_with("HTTP/1.") || !(100..=599).contains(&status) {
        return None;
    }
    let body = head_end(raw).map_or(&[][..], |end| &raw[end..]);
    let shown = &body[..body.len().min(REPLY_SHOWN)];
    Some(Reply {
        status,
        body: String::from_utf8_lossy(shown).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn parses_urls() {
        let url = WebhookUrl::parse("http://127.0.0.1:8080/notify?a=1#frag").unwrap();
        assert_eq!(
            (url.tls, url.host.as_str(), url.port, url.target.as_str()),
            (false, "127.0.0.1", 8080, "/notify?a=1")
        );
        assert_eq!(host_header(&url), "127.0.0.1:8080");
        let url = WebhookUrl::parse("https://localhost").unwrap();
        assert_eq!((url.tls, url.port, url.target.as_str()), (true, 443, "/"));
        assert_eq!(host_header(&url), "localhost");
        let url = WebhookUrl::parse("http://[::1]:9000?x").unwrap();
        assert_eq!(
            (url.host.as_str(), url.port, url.target.as_str()),
            ("::1", 9000, "/?x")
        );
        assert_eq!(host_header(&url), "[::1]:9000");
        for (bad, needle) in [
            ("ftp://x/", "http:// or https://"),
            ("http://", "no host"),
            ("http://h:0/", "port"),
            ("http://h:x/", "port"),
            ("http://u@h/", "user info"),
            ("http://h/a b", "printable"),
            ("http://[::1/", "unclosed"),
        ] {
            let err = WebhookUrl::parse(bad).unwrap_err();
            assert!(err.contains(needle), "{bad}: {err}");
        }
    }

    #[test]
    fn reads_replies() {
        let reply = parse_reply(b"HTTP/1.1 500 Internal\r\nContent-Length: 4\r\n\r\nFAIL").unwrap();
        assert_eq!((reply.status, reply.body.as_str()), (500, "FAIL"));
        assert_eq!(
            parse_reply(b"HTTP/1.0 204 No Content\r\n\r\n")
                .unwrap()
                .status,
            204
        );
        assert_eq!(parse_reply(b"SSH-2.0-x\r\n"), None);
        assert_eq!(parse_reply(b"HTTP/1.1 20"), None);
        assert!(reply_complete(
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        ));
        assert!(!reply_complete(
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok"
        ));
        assert!(!reply_complete(b"HTTP/1.1 200 OK\r\n\r\nok"));
    }

    #[test]
    fn posts_and_reports_what_broke() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut raw = Vec::new();
            let mut buf = [0u8; 4096];
            while !reply_complete(&raw) {
                let n = conn.read(&mut buf).unwrap();
                raw.extend_from_slice(&buf[..n]);
            }
            conn.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
            String::from_utf8(raw).unwrap()
        });
        let tls = tls_config(&CertificateDer::from(Vec::new())).err();
        assert!(tls.is_some(), "an empty CA is refused");
        let ca_key = crate::keys::generate_ecdsa().unwrap();
        let ca = crate::keys::self_signed_ca(&ca_key).unwrap();
        let tls = tls_config(&ca.der().clone()).unwrap();
        let url = WebhookUrl::parse(&format!("http://127.0.0.1:{port}/n")).unwrap();
        let headers = [("Wechatpay-Nonce".to_owned(), "N".to_owned())];
        let reply = post(&url, &headers, b"{}", Duration::from_secs(5), &tls).unwrap();
        assert_eq!(reply.status, 204);
        let request = server.join().unwrap();
        assert!(request.starts_with("POST /n HTTP/1.1\r\n"), "{request}");
        assert!(request.contains("\r\nWechatpay-Nonce: N\r\n"), "{request}");
        assert!(request.contains("\r\nContent-Length: 2\r\n"), "{request}");
        assert!(request.ends_with("\r\n\r\n{}"), "{request}");

        // Nobody listens on the port any more.
        let err = post(&url, &headers, b"{}", Duration::from_secs(5), &tls).unwrap_err();
        assert!(err.starts_with("connect: "), "{err}");
    }
}
