//! The thin tokio driver: one TCP connection per host, address and port, timed; implicit TLS
//! on 465, STARTTLS when the session asks; replies fed to the [`Session`], its commands sent.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::smtp::conn::Conn;
use crate::smtp::reply::ReplyParser;

use super::old_tls::{self, OldTls};
use super::session::{Action, Plan, ReplyLines, Session, Transcript};
use super::tls_facts::{self, TlsFacts, TrustRoots};

/// Where to connect and what to try.
#[derive(Debug, Clone)]
pub(crate) struct PortJob {
    /// The host name (or address) for SNI and the certificate name check.
    pub host: String,
    /// Address and port.
    pub addr: SocketAddr,
    /// TLS from the first byte (port 465).
    pub implicit_tls: bool,
    /// The session plan.
    pub plan: Plan,
    /// Connect and reply time limit; the greeting gets twice as long (tarpits).
    pub timeout: Duration,
}

/// How the connection ended before the session was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cut {
    /// The server closed the connection (or a read failed).
    Closed,
    /// No reply in time (the connection stayed open).
    Timeout,
    /// Bytes that are not an SMTP reply.
    Garbage,
}

/// What one connection found.
#[derive(Debug, Clone)]
pub(crate) struct PortRun {
    /// The TCP connection was made.
    pub open: bool,
    /// Connect time.
    pub connect_ms: Option<u64>,
    /// Why the connection failed.
    pub connect_error: Option<String>,
    /// The failure was ours: no route from here (e.g. no IPv6), so nothing is known.
    pub unreachable_from_here: bool,
    /// Time from connect to the complete greeting.
    pub greeting_ms: Option<u64>,
    /// How the conversation was cut short, if it was.
    pub cut: Option<Cut>,
    /// Where it was cut: `greeting` or the last command sent.
    pub cut_after: Option<String>,
    /// The session's transcript.
    pub t: Transcript,
    /// TLS facts and the DER chain, when a handshake completed.
    pub tls: Option<(Vec<Vec<u8>>, TlsFacts)>,
    /// Why the handshake failed.
    pub tls_error: Option<String>,
    /// The answer to a ClientHello capped at TLS 1.1 (second connection), when TLS was tried.
    pub old_tls: Option<OldTls>,
}

fn ms(d: Duration) -> u64 {
    d.as_millis().min(u128::from(u64::MAX)) as u64
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

async fn handshake(
    tcp: TcpStream,
    job: &PortJob,
    roots: &TrustRoots,
    run: &mut PortRun,
) -> Option<Conn> {
    let config = match crate::smtp::tls::client_config() {
        Ok(c) => c,
        Err(e) => {
            run.tls_error = Some(e.to_string());
            return None;
        }
    };
    let name = rustls::pki_types::ServerName::try_from(job.host.clone())
        .unwrap_or_else(|_| job.addr.ip().into());
    let connector = tokio_rustls::TlsConnector::from(config);
    match tokio::time::timeout(job.timeout, connector.connect(name, tcp)).await {
        Ok(Ok(stream)) => {
            let (_, c) = stream.get_ref();
            run.tls = tls_facts::of_connection(c, &job.host, roots, unix_now());
            if run.tls.is_none() {
                run.tls_error = Some("no readable certificate".into());
            }
            Some(Conn::Tls(Box::new(stream)))
        }
        Ok(Err(e)) => {
            run.tls_error = Some(e.to_string());
            None
        }
        Err(_) => {
            run.tls_error = Some("handshake timed out".into());
            None
        }
    }
}

/// Run the diagnostic session of `job`. Never sends `DATA`.
pub(crate) async fn run(job: PortJob, roots: TrustRoots) -> PortRun {
    let mut session = Session::new(job.plan.clone());
    let mut run = PortRun {
        open: false,
        connect_ms: None,
        connect_error: None,
        unreachable_from_here: false,
        greeting_ms: None,
        cut: None,
        cut_after: None,
        t: Transcript::default(),
        tls: None,
        tls_error: None,
        old_tls: None,
    };
    let start = Instant::now();
    let tcp = match tokio::time::timeout(job.timeout, TcpStream::connect(job.addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            run.unreachable_from_here = matches!(
                e.kind(),
                std::io::ErrorKind::NetworkUnreachable | std::io::ErrorKind::AddrNotAvailable
            );
            run.connect_error = Some(e.to_string());
            run.t = session.t;
            return run;
        }
        Err(_) => {
            run.connect_error = Some(format!("no answer in {} s", job.timeout.as_secs()));
            run.t = session.t;
            return run;
        }
    };
    let _ = tcp.set_nodelay(true);
    run.open = true;
    run.connect_ms = Some(ms(start.elapsed()));
    let connected = Instant::now();
    let conn = if job.implicit_tls {
        match handshake(tcp, &job, &roots, &mut run).await {
            Some(c) => c,
            None => {
                session.tls_failed();
                run.t = session.t;
                return run;
            }
        }
    } else {
        Conn::Plain(tcp)
    };
    talk(conn, &job, &roots, &mut session, &mut run, connected).await;
    run.t = session.t;
    let tried_tls = job.implicit_tls || run.t.starttls.as_ref().is_some_and(|r| r.code == 220);
    if tried_tls {
        run.old_tls = tokio::time::timeout(job.timeout * 3, probe_old_tls(&job))
            .await
            .ok()
            .flatten();
    }
    run
}

/// Read one complete reply (`None`: closed, garbage or timeout).
async fn read_reply(
    tcp: &mut TcpStream,
    parser: &mut ReplyParser,
    limit: Duration,
) -> Option<crate::smtp::reply::Reply> {
    let mut buf = [0u8; 2048];
    loop {
        if let Ok(Some(r)) = parser.next_reply() {
            return Some(r);
        }
        match tokio::time::timeout(limit, tcp.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => parser.feed(&buf[..n]),
            _ => return None,
        }
    }
}

/// A second connection: greeting, EHLO, STARTTLS (unless implicit), then a ClientHello capped at
/// TLS 1.1; the first record back says whether old versions are still accepted.
async fn probe_old_tls(job: &PortJob) -> Option<OldTls> {
    let mut tcp = tokio::time::timeout(job.timeout, TcpStream::connect(job.addr))
        .await
        .ok()?
        .ok()?;
    if !job.implicit_tls {
        let mut parser = ReplyParser::new();
        let greeting = read_reply(&mut tcp, &mut parser, job.timeout * 2).await?;
        if !greeting.is_positive() {
            return None;
        }
        let ehlo = format!("EHLO {}\r\n", job.plan.helo);
        tcp.write_all(ehlo.as_bytes()).await.ok()?;
        if !read_reply(&mut tcp, &mut parser, job.timeout)
            .await?
            .is_positive()
        {
            return None;
        }
        tcp.write_all(b"STARTTLS\r\n").await.ok()?;
        if read_reply(&mut tcp, &mut parser, job.timeout).await?.code != 220 {
            return None;
        }
    }
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut random = [0u8; 32];
    for (i, b) in random.iter_mut().enumerate() {
        *b = (seed >> ((i % 16) * 8)) as u8 ^ (i as u8).wrapping_mul(73);
    }
    let sni = job
        .host
        .parse::<std::net::IpAddr>()
        .is_err()
        .then_some(job.host.as_str());
    tcp.write_all(&old_tls::client_hello(sni, random))
        .await
        .ok()?;
    let mut got = Vec::new();
    let mut buf = [0u8; 2048];
    loop {
        match old_tls::answer(&got) {
            OldTls::Incomplete => {}
            other => return Some(other),
        }
        match tokio::time::timeout(job.timeout, tcp.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            // Closed without a word: refused.
            Ok(_) => return Some(OldTls::Refused),
            Err(_) => return None,
        }
    }
}

async fn talk(
    mut conn: Conn,
    job: &PortJob,
    roots: &TrustRoots,
    s: &mut Session,
    run: &mut PortRun,
    connected: Instant,
) {
    let mut parser = ReplyParser::new();
    let mut lines = ReplyLines::default();
    let mut buf = vec![0u8; 4096];
    let mut limit = job.timeout * 2;
    loop {
        let reply = loop {
            match parser.next_reply() {
                Ok(Some(r)) => break r,
                Ok(None) => {}
                Err(_) => return cut(run, s, Cut::Garbage),
            }
            match tokio::time::timeout(limit, conn.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return cut(run, s, Cut::Closed),
                Ok(Ok(n)) => {
                    parser.feed(&buf[..n]);
                    lines.feed(&buf[..n]);
                }
                Err(_) => return cut(run, s, Cut::Timeout),
            }
        };
        if run.greeting_ms.is_none() {
            run.greeting_ms = Some(ms(connected.elapsed()));
        }
        limit = job.timeout;
        let mut action = s.on_reply(&reply, &lines.next());
        if action == Action::StartTls {
            parser = ReplyParser::new();
            lines.reset();
            let Conn::Plain(tcp) = conn else {
                return cut(run, s, Cut::Closed);
            };
            match handshake(tcp, job, roots, run).await {
                Some(c) => {
                    conn = c;
                    action = s.tls_started();
                }
                None => {
                    s.tls_failed();
                    return;
                }
            }
        }
        match action {
            Action::Send(line) => {
                let w = tokio::time::timeout(
                    job.timeout,
                    conn.write_all(format!("{line}\r\n").as_bytes()),
                )
                .await;
                if !matches!(w, Ok(Ok(()))) {
                    return cut(run, s, Cut::Closed);
                }
            }
            Action::StartTls | Action::Close => return,
        }
    }
}

fn cut(run: &mut PortRun, s: &Session, how: Cut) {
    if s.is_done() {
        return;
    }
    run.cut = Some(how);
    run.cut_after = Some(
        s.t.sent
            .last()
            .cloned()
            .unwrap_or_else(|| "greeting".into()),
    );
}
