//! The thin tokio driver: runs a [`Session`] over one TCP connection with connect, banner and
//! per-reply timeouts, upgrading to TLS when the session asks (STARTTLS).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;

use super::conn::Conn;
use super::reply::ReplyParser;
use super::session::{Action, PathError, RcptResult, Session, SessionConfig};
use super::tls::{self, TlsInfo};
use super::verdict::ConnFailure;

/// Time limits for one session.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// TCP connect.
    pub connect: Duration,
    /// The banner after connecting.
    pub banner: Duration,
    /// Each later reply.
    pub reply: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            banner: Duration::from_secs(30),
            reply: Duration::from_secs(30),
        }
    }
}

/// Paces `RCPT TO` commands: at most one per `interval` across every session that shares it.
#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Duration,
    next: std::sync::Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer allowing `per_second` commands a second.
    pub(crate) fn new(per_second: f64) -> Pacer {
        Pacer {
            interval: Duration::from_secs_f64(1.0 / per_second.max(1e-6)),
            next: std::sync::Mutex::new(None),
        }
    }

    /// Wait for the next slot.
    pub(crate) async fn wait(&self) {
        let when = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let when = next.map_or(now, |n| n.max(now));
            *next = Some(when + self.interval);
            when
        };
        tokio::time::sleep_until(when).await;
    }
}

/// Where to connect.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// Address and port.
    pub addr: SocketAddr,
    /// The MX host name (for TLS verification and evidence).
    pub host: String,
}

/// What one session found.
#[derive(Debug, Clone)]
pub(crate) struct ProbeOutcome {
    /// One entry per recipient (`None`: no answer before the connection failed).
    pub results: Vec<Option<RcptResult>>,
    /// Why the connection failed, if it did before every recipient was answered.
    pub failure: Option<ConnFailure>,
    /// Commands sent, in order.
    pub sent: Vec<String>,
    /// TLS, when the session was upgraded.
    pub tls: Option<TlsInfo>,
    /// The server greeted us (a banner arrived, whatever its code).
    pub greeted: bool,
}

/// Probe `recipients` at `target`. Never sends `DATA`. `pace`, when given, is awaited before
/// every `RCPT TO`.
pub(crate) async fn probe(
    target: &Target,
    cfg: SessionConfig,
    recipients: Vec<String>,
    t: Timeouts,
    pace: Option<&Pacer>,
    bind: Option<IpAddr>,
) -> Result<ProbeOutcome, PathError> {
    let mut session = Session::new(cfg, recipients)?;
    let mut run = Run {
        tls: None,
        greeted: false,
    };
    let mut failure = run.run(target, &mut session, t, pace, bind).await.err();
    session.closed();
    if session.results().iter().all(Option::is_some) {
        // Everything was answered; a connection dropped after that does not matter.
        failure = None;
    }
    Ok(ProbeOutcome {
        results: session.results().to_vec(),
        failure,
        sent: session.sent.clone(),
        tls: run.tls,
        greeted: run.greeted,
    })
}

/// Connect to `addr`, from `bind` when given and of the same family (an IPv4 source cannot
/// reach an IPv6 server: then the system chooses).
async fn connect(addr: SocketAddr, bind: Option<IpAddr>) -> std::io::Result<TcpStream> {
    let Some(ip) = bind.filter(|ip| ip.is_ipv4() == addr.is_ipv4()) else {
        return TcpStream::connect(addr).await;
    };
    let socket = if ip.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.bind(SocketAddr::new(ip, 0))?;
    socket.connect(addr).await
}

struct Run {
    tls: Option<TlsInfo>,
    greeted: bool,
}

impl Run {
    async fn run(
        &mut self,
        target: &Target,
        s: &mut Session,
        t: Timeouts,
        pace: Option<&Pacer>,
        bind: Option<IpAddr>,
    ) -> Result<(), ConnFailure> {
        let mut conn = match tokio::time::timeout(t.connect, connect(target.addr, bind)).await {
            Ok(Ok(st)) => {
                let _ = st.set_nodelay(true);
                Conn::Plain(st)
            }
            Ok(Err(_)) => return Err(ConnFailure::Connect),
            Err(_) => return Err(ConnFailure::Timeout),
        };
        let mut parser = ReplyParser::new();
        let mut buf = vec![0u8; 4096];
        let mut limit = t.banner;
        loop {
            let reply = loop {
                match parser.next_reply() {
                    Ok(Some(r)) => break r,
                    Ok(None) => {}
                    Err(_) => return Err(ConnFailure::Closed),
                }
                let n = match tokio::time::timeout(limit, conn.read(&mut buf)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => return Err(ConnFailure::Closed),
                    Ok(Ok(n)) => n,
                    Err(_) => return Err(ConnFailure::Timeout),
                };
                parser.feed(&buf[..n]);
            };
            self.greeted = true;
            limit = t.reply;
            let mut action = s.on_reply(&reply);
            if action == Action::StartTls {
                // RFC 3207 §4.2: nothing sent before the handshake counts; start afresh.
                parser = ReplyParser::new();
                conn = match self.start_tls(conn, target, t).await {
                    Ok(c) => c,
                    Err(f) => return Err(f),
                };
                action = s.tls_started();
            }
            match action {
                Action::Send(bytes) => {
                    if bytes.starts_with(b"RCPT")
                        && let Some(p) = pace
                    {
                        p.wait().await;
                    }
                    let w = tokio::time::timeout(t.reply, conn.write_all(&bytes)).await;
                    if !matches!(w, Ok(Ok(()))) {
                        return Err(ConnFailure::Closed);
                    }
                }
                Action::StartTls => return Err(ConnFailure::Closed),
                Action::Close => return Ok(()),
            }
        }
    }

    async fn start_tls(
        &mut self,
        conn: Conn,
        target: &Target,
        t: Timeouts,
    ) -> Result<Conn, ConnFailure> {
        let Conn::Plain(tcp) = conn else {
            // STARTTLS inside TLS: the session never asks for it.
            return Err(ConnFailure::Closed);
        };
        let config = tls::client_config().map_err(|_| ConnFailure::Closed)?;
        let name = rustls::pki_types::ServerName::try_from(target.host.clone())
            .unwrap_or_else(|_| target.addr.ip().into());
        let connector = tokio_rustls::TlsConnector::from(config);
        let stream = match tokio::time::timeout(t.reply, connector.connect(name, tcp)).await {
            Ok(Ok(s)) => s,
            Ok(Err(_)) => return Err(ConnFailure::TlsFailed),
            Err(_) => return Err(ConnFailure::Timeout),
        };
        let (_, c) = stream.get_ref();
        let verified = tls::verify_peer(&target.host, c.peer_certificates().unwrap_or_default());
        self.tls = Some(TlsInfo {
            version: c
                .protocol_version()
                .map(|v| format!("{v:?}"))
                .unwrap_or_default(),
            verified: verified.is_ok(),
            error: verified.err().map(|e| e.to_string()),
        });
        Ok(Conn::Tls(Box::new(stream)))
    }
}
