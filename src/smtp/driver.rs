//! The thin tokio driver: runs a [`Session`] over one TCP connection with connect, banner and
//! per-reply timeouts. Plain text only for now: STARTTLS is not offered to the session
//! (`SessionConfig::starttls` must be false) until TLS support lands.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::reply::ReplyParser;
use super::session::{Action, RcptResult, Session, SessionConfig};
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

/// What one session found.
#[derive(Debug, Clone)]
pub struct ProbeOutcome {
    /// One entry per recipient (`None`: no answer before the connection failed).
    pub results: Vec<Option<RcptResult>>,
    /// Why the connection failed, if it did before every recipient was answered.
    pub failure: Option<ConnFailure>,
    /// Commands sent, in order.
    pub sent: Vec<String>,
}

/// Probe `recipients` at `addr`. Never sends `DATA`.
pub async fn probe(
    addr: SocketAddr,
    cfg: SessionConfig,
    recipients: Vec<String>,
    t: Timeouts,
) -> Result<ProbeOutcome, super::session::PathError> {
    let mut cfg = cfg;
    cfg.starttls = false;
    let mut session = Session::new(cfg, recipients)?;
    let mut failure = run(addr, &mut session, t).await.err();
    session.closed();
    if session.results().iter().all(Option::is_some) {
        // Everything was answered; a connection dropped after that does not matter.
        failure = None;
    }
    Ok(ProbeOutcome {
        results: session.results().to_vec(),
        failure,
        sent: session.sent.clone(),
    })
}

async fn run(addr: SocketAddr, s: &mut Session, t: Timeouts) -> Result<(), ConnFailure> {
    let mut stream = match tokio::time::timeout(t.connect, TcpStream::connect(addr)).await {
        Ok(Ok(st)) => st,
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
            let n = match tokio::time::timeout(limit, stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return Err(ConnFailure::Closed),
                Ok(Ok(n)) => n,
                Err(_) => return Err(ConnFailure::Timeout),
            };
            parser.feed(&buf[..n]);
        };
        limit = t.reply;
        match s.on_reply(&reply) {
            Action::Send(bytes) => {
                if stream.write_all(&bytes).await.is_err() {
                    return Err(ConnFailure::Closed);
                }
            }
            // Not offered to the session yet (see the module docs).
            Action::StartTls => return Err(ConnFailure::Closed),
            Action::Close => return Ok(()),
        }
    }
}
