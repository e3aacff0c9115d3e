//! An in-process SMTP server on loopback that replays a real server's recorded replies
//! (`tests/data/smtp-replies/*.tsv`, recorded from tools/mta-testnet): its greeting, EHLO, MAIL
//! and RCPT replies, code and text as recorded, so that the probe meets Exim, OpenSMTPD, sendmail or
//! Courier wording without those servers. There is no TLS: STARTTLS is left out of the EHLO
//! reply, and a session that upgraded when recorded is replayed with its post-TLS replies.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::smtp_server::{Seen, Server};

/// One recorded reply: a code and its lines' text (without the `code-` / `code ` prefix).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit reply code.
    pub code: u16,
    /// The text of each line.
    pub lines: Vec<String>,
}

impl Reply {
    /// A reply from the recordings' form: the lines joined by a literal `\n`, with `\t` and `\\`
    /// escaped the same way.
    pub fn from_recorded(code: u16, text: &str) -> Reply {
        let mut lines = vec![String::new()];
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match (c, c == '\\') {
                (_, true) => match chars.next() {
                    Some('n') => lines.push(String::new()),
                    Some('t') => lines.last_mut().unwrap().push('\t'),
                    Some(other) => lines.last_mut().unwrap().push(other),
                    None => lines.last_mut().unwrap().push('\\'),
                },
                (c, false) => lines.last_mut().unwrap().push(c),
            }
        }
        Reply { code, lines }
    }

    /// The reply on the wire, CRLF after each line.
    pub fn wire(&self) -> String {
        let n = self.lines.len();
        let mut out = String::new();
        for (i, l) in self.lines.iter().enumerate() {
            let sep = if i + 1 == n { ' ' } else { '-' };
            out.push_str(&format!("{}{sep}{l}\r\n", self.code));
        }
        out
    }

    /// The same reply without an advertised STARTTLS (this server has no TLS).
    fn without_starttls(&self) -> Reply {
        let lines: Vec<String> = self
            .lines
            .iter()
            .filter(|l| !l.trim().eq_ignore_ascii_case("STARTTLS"))
            .cloned()
            .collect();
        Reply {
            code: self.code,
            lines,
        }
    }
}

/// What to replay.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Address to bind (port 0 = any).
    pub bind: SocketAddr,
    /// The banner.
    pub greeting: Reply,
    /// The reply to EHLO (STARTTLS is dropped from it).
    pub ehlo: Reply,
    /// The reply to MAIL FROM, whatever the sender.
    pub mail: Reply,
    /// Replies to RCPT TO per address (compared without case).
    pub rcpt: Vec<(String, Reply)>,
    /// The reply to any other RCPT TO (the recorded reply to a random local part), with the
    /// address it was recorded for: that address in its text becomes the one asked.
    pub rcpt_other: Option<(String, Reply)>,
}

impl Recorded {
    /// An empty recording: 220, 250, 250 and no recipients.
    pub fn new() -> Recorded {
        let ok = |t: &str| Reply {
            code: 250,
            lines: vec![t.into()],
        };
        Recorded {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            greeting: Reply {
                code: 220,
                lines: vec!["mx.test ESMTP".into()],
            },
            ehlo: ok("mx.test"),
            mail: ok("OK"),
            rcpt: Vec::new(),
            rcpt_other: None,
        }
    }

    fn rcpt_reply(&self, addr: &str) -> String {
        if let Some((_, r)) = self.rcpt.iter().find(|(a, _)| a.eq_ignore_ascii_case(addr)) {
            return r.wire();
        }
        match &self.rcpt_other {
            Some((recorded, r)) => r.wire().replace(recorded.as_str(), addr),
            None => "550 5.1.1 No such user (no recorded reply)\r\n".into(),
        }
    }
}

impl Default for Recorded {
    fn default() -> Self {
        Recorded::new()
    }
}

/// Start replaying on its own thread and runtime.
pub fn start(rec: Recorded) -> Server {
    let seen: Arc<Seen> = Arc::default();
    let (tx, rx) = std::sync::mpsc::channel();
    let s2 = seen.clone();
    crate::server_thread::spawn_runtime(move || async move {
        let listener = match tokio::net::TcpListener::bind(rec.bind).await {
            Ok(l) => l,
            Err(e) => {
                tx.send(Err(e.to_string())).unwrap();
                return;
            }
        };
        tx.send(Ok(listener.local_addr().unwrap())).unwrap();
        let rec = Arc::new(rec);
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                continue;
            };
            let (seen, rec) = (s2.clone(), rec.clone());
            tokio::spawn(async move {
                seen.sessions.fetch_add(1, Ordering::SeqCst);
                let now = seen.open.fetch_add(1, Ordering::SeqCst) + 1;
                seen.max_open.fetch_max(now, Ordering::SeqCst);
                session(sock, &rec, &seen).await;
                seen.open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    let addr = rx.recv().unwrap().expect("bind the replaying SMTP server");
    Server { addr, seen }
}

async fn session(mut sock: tokio::net::TcpStream, rec: &Recorded, seen: &Seen) {
    if sock
        .write_all(rec.greeting.wire().as_bytes())
        .await
        .is_err()
        || rec.greeting.code >= 400
    {
        return;
    }
    let mut r = BufReader::new(sock);
    let mut line = String::new();
    let mut mail_ok = false;
    loop {
        line.clear();
        match r.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let cmd = line.trim_end_matches(['\r', '\n']).to_owned();
        seen.log.lock().unwrap().push(cmd.clone());
        let up = cmd.to_ascii_uppercase();
        let reply = if up.starts_with("EHLO") {
            rec.ehlo.without_starttls().wire()
        } else if up.starts_with("HELO") {
            format!("250 {}\r\n", rec.ehlo.lines[0])
        } else if up.starts_with("MAIL FROM:") {
            mail_ok = rec.mail.code < 400;
            rec.mail.wire()
        } else if up.starts_with("RCPT TO:") && !mail_ok {
            "503 5.5.1 Error: need MAIL command\r\n".into()
        } else if up.starts_with("RCPT TO:") {
            let addr = cmd
                .split_once('<')
                .and_then(|(_, r)| r.split_once('>'))
                .map(|(a, _)| a.to_owned())
                .unwrap_or_default();
            rec.rcpt_reply(&addr)
        } else if up == "RSET" {
            mail_ok = false;
            "250 2.0.0 Ok\r\n".into()
        } else if up == "NOOP" {
            "250 2.0.0 Ok\r\n".into()
        } else if up == "QUIT" {
            "221 2.0.0 Bye\r\n".into()
        } else {
            "502 5.5.2 Error: command not recognized\r\n".into()
        };
        if r.get_mut().write_all(reply.as_bytes()).await.is_err() || up == "QUIT" {
            return;
        }
    }
}
