//! An in-process scripted SMTP server on loopback for hermetic tests and benchmarks.
//!
//! It logs every command line it receives, counts sessions and the most connections open at
//! once, and can misbehave: 421 banner, drop, tarpit, greylisting, reply latency, a delay before
//! each refused recipient (Courier's TARPIT), STARTTLS with a self-signed certificate, a
//! per-transaction recipient limit. It also replays other servers' replies, as recorded
//! (`tests/data/smtp-replies/`): their banner, EHLO and MAIL replies, and RCPT replies by local
//! part, address or domain.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

/// How the server greets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A normal server.
    Normal,
    /// 421 at the banner, then close.
    Busy,
    /// Accept and close at once.
    Drop,
    /// Accept and never speak.
    Tarpit,
}

/// Server behaviour.
#[derive(Clone, Debug)]
pub struct Script {
    /// Address to bind (port 0 = any).
    pub bind: SocketAddr,
    /// Greeting behaviour.
    pub mode: Mode,
    /// Local parts that exist (`full` is over quota, `gone` disabled, everything else unknown)
    /// unless `catch_all`.
    pub users: Vec<String>,
    /// Accept every recipient.
    pub catch_all: bool,
    /// Greylist: a recipient is refused with 450 until this long after it was first seen.
    pub greylist: Option<Duration>,
    /// Delay before every reply (and the banner).
    pub latency: Duration,
    /// Offer STARTTLS (self-signed certificate for mx.selfsigned.test).
    pub starttls: bool,
    /// Recipients allowed per transaction (452 4.5.3 beyond).
    pub max_rcpt: Option<usize>,
    /// Offer SMTPUTF8 (RFC 6531); without it a non-ASCII RCPT TO gets 553 5.6.7.
    pub smtputf8: bool,
    /// Replayed replies to `RCPT TO`, checked before everything else, keyed by the whole
    /// address (`bob@d.test`), else the local part (`bob`), else the domain (`@d.test`, any
    /// other local part there), keys compared without case. A reply is written as a server
    /// sends it without the final CRLF (`550 5.1.1 <{addr}>: User unknown`; lines separated by
    /// `\n`, each with its code), `{addr}` and `{local}` replaced by the recipient.
    pub replies: Vec<(String, String)>,
    /// The reply to local parts that are not users (default: Postfix's `550 5.1.1 ... User
    /// unknown in virtual mailbox table`), in the same form as `replies`.
    pub unknown_reply: Option<String>,
    /// The banner, in the same form as `replies` (default `220 mx.test ESMTP`). When it is not
    /// 2yz the server closes the connection after it.
    pub greeting: Option<String>,
    /// The reply to EHLO, in the same form (default: `mx.test`, then SMTPUTF8, PIPELINING and
    /// STARTTLS as configured). STARTTLS works only when `starttls` is set.
    pub ehlo: Option<String>,
    /// The reply to `MAIL FROM`, in the same form (default `250 2.1.0 Ok`).
    pub mail_reply: Option<String>,
    /// Delay before the reply to each refused `RCPT TO` (4yz or 5yz), as Courier's TARPIT.
    pub refusal_delay: Duration,
    /// Extra delay before the banner only (a greet pause or tarpit).
    pub greeting_delay: Duration,
    /// The host name in the default banner and EHLO reply (default `mx.test`).
    pub hostname: Option<String>,
    /// TLS from the first byte (SMTPS, port 465 style) instead of STARTTLS.
    pub implicit_tls: bool,
    /// The certificate chain and key (PEM) for TLS (default: the self-signed
    /// `mx.selfsigned.test` certificate).
    pub tls_pem: Option<(&'static str, &'static str)>,
    /// Offer AUTH (the mechanisms, e.g. `PLAIN LOGIN`) and accept these credentials.
    pub auth: Option<AuthScript>,
    /// The reply to `VRFY` (default `502 5.5.1 VRFY command is disabled`); also `EXPN`'s.
    pub vrfy_reply: Option<String>,
}

/// AUTH as the scripted server offers it.
#[derive(Clone, Debug)]
pub struct AuthScript {
    /// Mechanisms offered (`PLAIN LOGIN`); PLAIN and LOGIN are checked, others refused.
    pub mechanisms: String,
    /// Offer AUTH before TLS too (else only after STARTTLS, or on implicit TLS).
    pub before_tls: bool,
    /// The user accepted.
    pub user: String,
    /// Its password.
    pub password: String,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            mode: Mode::Normal,
            users: vec!["alice".into(), "bob".into()],
            catch_all: false,
            greylist: None,
            latency: Duration::ZERO,
            starttls: false,
            max_rcpt: None,
            smtputf8: false,
            replies: Vec::new(),
            unknown_reply: None,
            greeting: None,
            ehlo: None,
            mail_reply: None,
            refusal_delay: Duration::ZERO,
            greeting_delay: Duration::ZERO,
            hostname: None,
            implicit_tls: false,
            tls_pem: None,
            auth: None,
            vrfy_reply: None,
        }
    }
}

/// What the server saw.
#[derive(Default)]
pub struct Seen {
    /// Every command line, in order of arrival (all connections).
    pub log: Mutex<Vec<String>>,
    /// Connections accepted.
    pub sessions: AtomicUsize,
    /// Connections open now.
    pub open: AtomicUsize,
    /// Most connections open at once.
    pub max_open: AtomicUsize,
    /// Sessions that completed a TLS handshake.
    pub tls_sessions: AtomicUsize,
    first_seen: Mutex<HashMap<String, Instant>>,
}

impl Seen {
    /// Commands received so far.
    pub fn commands(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// `RCPT TO` commands for `addr` received so far.
    pub fn rcpts_for(&self, addr: &str) -> usize {
        let needle = format!("RCPT TO:<{addr}>");
        self.commands().iter().filter(|c| **c == needle).count()
    }
}

/// Asserts that the server saw only the commands a probe may send (HELO `probe.mailsift.test`,
/// MAIL FROM `verify@mailsift.test`), each well-formed: never DATA, never anything injected.
pub fn assert_clean_log(seen: &Seen) {
    for c in seen.commands() {
        let ok = c.starts_with("EHLO probe.mailsift.test")
            || c.starts_with("HELO probe.mailsift.test")
            || c == "STARTTLS"
            || c == "MAIL FROM:<verify@mailsift.test>"
            || c == "MAIL FROM:<verify@mailsift.test> SMTPUTF8"
            || (c.starts_with("RCPT TO:<")
                && c.ends_with('>')
                && c.matches('<').count() == 1
                && !c["RCPT TO:".len()..].contains(' '))
            || c == "RSET"
            || c == "QUIT";
        assert!(ok, "unexpected command {c:?}");
    }
}

/// A running server.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    /// What it saw.
    pub seen: Arc<Seen>,
}

/// Throwaway certificates (PEM chain, PEM key) made by `tools/server-testnet/make-certs` for
/// `mx.server.test` and `localhost`: see `data/tls/server/README.md`.
pub mod certs {
    /// The test CA (trust it with `--tls-ca`).
    pub const CA: &str = include_str!("../data/tls/server/ca.pem");
    /// CA-signed, valid until 2124, EC P-256.
    pub const VALID: (&str, &str) = (
        include_str!("../data/tls/server/valid.pem"),
        include_str!("../data/tls/server/valid.key"),
    );
    /// CA-signed, expired 2021-01-01.
    pub const EXPIRED: (&str, &str) = (
        include_str!("../data/tls/server/expired.pem"),
        include_str!("../data/tls/server/expired.key"),
    );
    /// CA-signed for `wrong.invalid` only.
    pub const WRONG_NAME: (&str, &str) = (
        include_str!("../data/tls/server/wrongname.pem"),
        include_str!("../data/tls/server/wrongname.key"),
    );
    /// Self-signed for `mx.server.test`.
    pub const SELF_SIGNED: (&str, &str) = (
        include_str!("../data/tls/server/selfsigned.pem"),
        include_str!("../data/tls/server/selfsigned.key"),
    );
}

fn tls_acceptor(pem: Option<(&str, &str)>) -> tokio_rustls::TlsAcceptor {
    use rustls::pki_types::pem::PemObject;
    let (certs, key) = match pem {
        Some((chain, key)) => (
            rustls::pki_types::CertificateDer::pem_slice_iter(chain.as_bytes())
                .map(|c| c.expect("PEM certificate"))
                .collect(),
            rustls::pki_types::PrivateKeyDer::from_pem_slice(key.as_bytes()).expect("PEM key"),
        ),
        None => (
            vec![rustls::pki_types::CertificateDer::from(
                include_bytes!("../data/tls/cert.der").to_vec(),
            )],
            rustls::pki_types::PrivateKeyDer::Pkcs8(
                include_bytes!("../data/tls/key.der").to_vec().into(),
            ),
        ),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(cfg))
}

/// Start a server on its own thread and runtime.
pub fn start(script: Script) -> Server {
    let seen: Arc<Seen> = Arc::default();
    let (tx, rx) = std::sync::mpsc::channel();
    let s2 = seen.clone();
    crate::server_thread::spawn_runtime(move || async move {
        let listener = match tokio::net::TcpListener::bind(script.bind).await {
            Ok(l) => l,
            Err(e) => {
                tx.send(Err(e.to_string())).unwrap();
                return;
            }
        };
        tx.send(Ok(listener.local_addr().unwrap())).unwrap();
        let script = Arc::new(script);
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                continue;
            };
            let (seen, script) = (s2.clone(), script.clone());
            tokio::spawn(async move {
                seen.sessions.fetch_add(1, Ordering::SeqCst);
                let now = seen.open.fetch_add(1, Ordering::SeqCst) + 1;
                seen.max_open.fetch_max(now, Ordering::SeqCst);
                session(sock, &script, &seen).await;
                seen.open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    let addr = rx.recv().unwrap().expect("bind the scripted SMTP server");
    Server { addr, seen }
}

async fn session(sock: tokio::net::TcpStream, script: &Script, seen: &Seen) {
    if script.implicit_tls && script.mode == Mode::Normal {
        let Ok(tls) = tls_acceptor(script.tls_pem).accept(sock).await else {
            return;
        };
        seen.tls_sessions.fetch_add(1, Ordering::SeqCst);
        return greet_and_converse(tls, script, seen, true).await;
    }
    greet_and_converse(sock, script, seen, false).await;
}

async fn greet_and_converse<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    mut sock: S,
    script: &Script,
    seen: &Seen,
    implicit: bool,
) where
    tokio_rustls::server::TlsStream<S>: AsyncRead + AsyncWrite + Unpin,
{
    match script.mode {
        Mode::Drop => return,
        Mode::Tarpit => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            return;
        }
        Mode::Busy => {
            let _ = sock
                .write_all(b"421 4.3.2 mx.test Service not available\r\n")
                .await;
            return;
        }
        Mode::Normal => {}
    }
    tokio::time::sleep(script.latency + script.greeting_delay).await;
    let name = script.hostname.as_deref().unwrap_or("mx.test");
    let greeting = match &script.greeting {
        Some(g) => replay(g, "", ""),
        None => format!("220 {name} ESMTP\r\n"),
    };
    if sock.write_all(greeting.as_bytes()).await.is_err() || !greeting.starts_with('2') {
        return;
    }
    if let Some(plain) = converse(sock, script, seen, implicit).await {
        let Ok(tls) = tls_acceptor(script.tls_pem).accept(plain).await else {
            return;
        };
        seen.tls_sessions.fetch_add(1, Ordering::SeqCst);
        converse(tls, script, seen, true).await;
    }
}

/// Serve commands; returns the stream when the client asked for STARTTLS.
async fn converse<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    script: &Script,
    seen: &Seen,
    tls: bool,
) -> Option<S> {
    let mut r = BufReader::new(stream);
    let mut in_txn = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        match r.read_line(&mut line).await {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
        let cmd = line.trim_end_matches(['\r', '\n']).to_owned();
        seen.log.lock().unwrap().push(cmd.clone());
        let up = cmd.to_ascii_uppercase();
        let name = script.hostname.as_deref().unwrap_or("mx.test");
        let reply: String = if up.starts_with("EHLO")
            && let Some(e) = &script.ehlo
        {
            replay(e, "", "")
        } else if up.starts_with("EHLO") {
            let utf8 = if script.smtputf8 {
                "250-SMTPUTF8\r\n"
            } else {
                ""
            };
            let auth = match &script.auth {
                Some(a) if tls || a.before_tls => format!("250-AUTH {}\r\n", a.mechanisms),
                _ => String::new(),
            };
            if script.starttls && !tls {
                format!("250-{name}\r\n{utf8}{auth}250-PIPELINING\r\n250 STARTTLS\r\n")
            } else {
                format!("250-{name}\r\n{utf8}{auth}250 PIPELINING\r\n")
            }
        } else if up.starts_with("HELO") {
            format!("250 {name}\r\n")
        } else if up.starts_with("AUTH ")
            && let Some(a) = &script.auth
        {
            auth_exchange(&mut r, &cmd, a, seen).await
        } else if up.starts_with("VRFY") || up.starts_with("EXPN") {
            match &script.vrfy_reply {
                Some(v) => replay(v, "", ""),
                None => "502 5.5.1 VRFY command is disabled\r\n".into(),
            }
        } else if up == "STARTTLS" && script.starttls && !tls {
            tokio::time::sleep(script.latency).await;
            let _ = r
                .get_mut()
                .write_all(b"220 2.0.0 Ready to start TLS\r\n")
                .await;
            return Some(r.into_inner());
        } else if up.starts_with("MAIL FROM:") {
            in_txn = 0;
            match &script.mail_reply {
                Some(m) => replay(m, "", ""),
                None => "250 2.1.0 Ok\r\n".into(),
            }
        } else if up.starts_with("RCPT TO:") && !cmd.is_ascii() && !script.smtputf8 {
            "553 5.6.7 Non-ASCII address without SMTPUTF8\r\n".into()
        } else if up.starts_with("RCPT TO:") {
            in_txn += 1;
            let reply = rcpt_reply(&cmd, script, seen, in_txn);
            if reply.starts_with(['4', '5']) {
                tokio::time::sleep(script.refusal_delay).await;
            }
            reply
        } else if up == "RSET" {
            in_txn = 0;
            "250 2.0.0 Ok\r\n".into()
        } else if up == "QUIT" {
            "221 2.0.0 Bye\r\n".into()
        } else if up == "DATA" {
            "354 End data with <CR><LF>.<CR><LF>\r\n".into()
        } else {
            "502 5.5.2 Error: command not recognized\r\n".into()
        };
        tokio::time::sleep(script.latency).await;
        if r.get_mut().write_all(reply.as_bytes()).await.is_err() {
            return None;
        }
        if up == "QUIT" {
            return None;
        }
    }
}

/// Read one line of an AUTH exchange (logged as sent).
async fn auth_line<S: AsyncRead + AsyncWrite + Unpin>(
    r: &mut BufReader<S>,
    seen: &Seen,
) -> Option<String> {
    let mut line = String::new();
    match r.read_line(&mut line).await {
        Ok(0) | Err(_) => None,
        Ok(_) => {
            let l = line.trim_end_matches(['\r', '\n']).to_owned();
            seen.log.lock().unwrap().push(l.clone());
            Some(l)
        }
    }
}

fn b64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            out.push(if i <= c.len() {
                T[((n >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

/// PLAIN and LOGIN, checked against the script's credentials: the final reply.
async fn auth_exchange<S: AsyncRead + AsyncWrite + Unpin>(
    r: &mut BufReader<S>,
    cmd: &str,
    a: &AuthScript,
    seen: &Seen,
) -> String {
    let ok = "235 2.7.0 Authentication successful\r\n".to_owned();
    let bad = "535 5.7.8 Error: authentication failed\r\n".to_owned();
    let plain = b64(format!("\0{}\0{}", a.user, a.password).as_bytes());
    let up = cmd.to_ascii_uppercase();
    if up.starts_with("AUTH PLAIN ") {
        return if cmd[11..] == plain { ok } else { bad };
    }
    if up == "AUTH LOGIN" {
        let _ = r.get_mut().write_all(b"334 VXNlcm5hbWU6\r\n").await;
        let Some(user) = auth_line(r, seen).await else {
            return bad;
        };
        let _ = r.get_mut().write_all(b"334 UGFzc3dvcmQ6\r\n").await;
        let Some(pass) = auth_line(r, seen).await else {
            return bad;
        };
        return if user == b64(a.user.as_bytes()) && pass == b64(a.password.as_bytes()) {
            ok
        } else {
            bad
        };
    }
    "504 5.5.4 Unrecognized authentication type\r\n".into()
}

fn rcpt_reply(cmd: &str, script: &Script, seen: &Seen, in_txn: usize) -> String {
    let addr = cmd
        .split_once('<')
        .and_then(|(_, r)| r.split_once('>'))
        .map(|(a, _)| a.to_ascii_lowercase())
        .unwrap_or_default();
    if script.max_rcpt.is_some_and(|m| in_txn > m) {
        return "452 4.5.3 Error: too many recipients\r\n".into();
    }
    if let Some(delay) = script.greylist {
        let mut first = seen.first_seen.lock().unwrap();
        let t = *first.entry(addr.clone()).or_insert_with(Instant::now);
        if t.elapsed() < delay {
            return format!(
                "450 4.2.0 <{addr}>: Recipient address rejected: Greylisted, see \
                 http://postgrey.example/\r\n"
            );
        }
    }
    let (local, domain) = addr.split_once('@').unwrap_or((&addr, ""));
    for key in [addr.as_str(), local, &format!("@{domain}")] {
        if let Some((_, r)) = script
            .replies
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            return replay(r, &addr, local);
        }
    }
    match local {
        "full" => format!("452 4.2.2 <{addr}>: Recipient address rejected: Mailbox full\r\n"),
        "gone" => format!("550 5.2.1 <{addr}>: Mailbox disabled\r\n"),
        _ if script.catch_all || script.users.iter().any(|u| u == local) => {
            "250 2.1.5 Ok\r\n".into()
        }
        _ => match &script.unknown_reply {
            Some(r) => replay(r, &addr, local),
            None => format!(
                "550 5.1.1 <{addr}>: Recipient address rejected: User unknown in virtual mailbox \
                 table\r\n"
            ),
        },
    }
}

/// A scripted reply as sent: `{addr}` / `{local}` filled in, each line CRLF-terminated.
pub fn replay(reply: &str, addr: &str, local: &str) -> String {
    let mut out = String::new();
    for line in reply.split('\n') {
        out.push_str(&line.replace("{addr}", addr).replace("{local}", local));
        out.push_str("\r\n");
    }
    out
}
