//! The SMTP probe against an in-process scripted server on 127.0.0.1: every command is logged,
//! so tests can assert that no DATA and no injected command ever reaches the server.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailsift::model::Reason;
use mailsift::smtp::driver::{Timeouts, probe};
use mailsift::smtp::session::SessionConfig;
use mailsift::smtp::verdict::{ConnFailure, connection_reason, result_reason};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// How the scripted server behaves.
#[derive(Clone, Copy)]
enum Script {
    /// A normal server: alice and bob exist, full is over quota, grey is greylisted.
    Normal,
    /// 421 at the banner.
    Busy,
    /// Accept and close at once.
    Drop,
    /// Accept and never speak.
    Tarpit,
}

fn answer(line: &str) -> String {
    let up = line.to_ascii_uppercase();
    if up.starts_with("EHLO") {
        "250-mx.test Hello\r\n250-PIPELINING\r\n250 8BITMIME\r\n".into()
    } else if up.starts_with("MAIL FROM:") {
        "250 2.1.0 Ok\r\n".into()
    } else if up.starts_with("RCPT TO:") {
        let who = line.to_ascii_lowercase();
        if who.contains("<alice@") || who.contains("<bob@") {
            "250 2.1.5 Ok\r\n".into()
        } else if who.contains("<full@") {
            "452 4.2.2 Mailbox full\r\n".into()
        } else if who.contains("<grey@") {
            "450 4.2.0 <grey@x>: Recipient address rejected: Greylisted\r\n".into()
        } else {
            "550 5.1.1 <x>: Recipient address rejected: User unknown\r\n".into()
        }
    } else if up.starts_with("QUIT") {
        "221 2.0.0 Bye\r\n".into()
    } else if up.starts_with("DATA") {
        "354 go ahead\r\n".into()
    } else {
        "502 5.5.2 Error: command not recognized\r\n".into()
    }
}

fn start(script: Script) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let (tx, rx) = std::sync::mpsc::channel();
    let l2 = log.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    continue;
                };
                let log = l2.clone();
                tokio::spawn(async move {
                    match script {
                        Script::Drop => return,
                        Script::Tarpit => {
                            tokio::time::sleep(Duration::from_secs(30)).await;
                            return;
                        }
                        Script::Busy => {
                            let _ = sock.write_all(b"421 4.3.2 Service not available\r\n").await;
                            return;
                        }
                        Script::Normal => {}
                    }
                    let _ = sock.write_all(b"220 mx.test ESMTP\r\n").await;
                    let (r, mut w) = sock.split();
                    let mut lines = BufReader::new(r).lines();
                    while let Ok(Some(line)) = lines.next_line().await {
                        log.lock().unwrap().push(line.clone());
                        let _ = w.write_all(answer(&line).as_bytes()).await;
                        if line.to_ascii_uppercase().starts_with("QUIT") {
                            return;
                        }
                    }
                });
            }
        });
    });
    (rx.recv().unwrap(), log)
}

fn cfg() -> SessionConfig {
    SessionConfig {
        helo: "probe.mailsift.test".into(),
        mail_from: "verify@mailsift.test".into(),
        starttls: false,
    }
}

fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        banner: Duration::from_millis(500),
        reply: Duration::from_millis(500),
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn verdicts_from_a_scripted_server_and_no_data() {
    let (addr, log) = start(Script::Normal);
    let rcpts: Vec<String> = [
        "alice@ok.test",
        "nobody@ok.test",
        "full@ok.test",
        "grey@ok.test",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(["evil@ok.test>\r\nDATA".to_string()])
    .collect();
    let out = rt()
        .block_on(probe(addr, cfg(), rcpts, timeouts()))
        .unwrap();
    assert!(out.failure.is_none());
    let reasons: Vec<Reason> = out
        .results
        .iter()
        .map(|r| result_reason(r.as_ref().unwrap()))
        .collect();
    assert_eq!(
        reasons,
        [
            Reason::Accepted,
            Reason::MailboxNotFound,
            Reason::MailboxFull,
            Reason::Greylisted,
            Reason::InvalidSyntax
        ]
    );
    let log = log.lock().unwrap().clone();
    assert_eq!(
        log.first().map(String::as_str),
        Some("EHLO probe.mailsift.test")
    );
    assert_eq!(log.last().map(String::as_str), Some("QUIT"));
    assert!(
        log.iter().all(|l| !l.eq_ignore_ascii_case("DATA")),
        "{log:?}"
    );
    assert!(
        log.iter().all(|l| !l.contains("evil")),
        "the unsafe path never reached the server"
    );
    assert_eq!(log.iter().filter(|l| l.starts_with("RCPT TO:")).count(), 4);
}

#[test]
fn busy_drop_tarpit_and_refused() {
    let rcpts = vec!["alice@ok.test".to_string()];
    let (busy, _) = start(Script::Busy);
    let out = rt()
        .block_on(probe(busy, cfg(), rcpts.clone(), timeouts()))
        .unwrap();
    assert_eq!(
        result_reason(out.results[0].as_ref().unwrap()),
        Reason::Unavailable
    );

    let (drop, _) = start(Script::Drop);
    let out = rt()
        .block_on(probe(drop, cfg(), rcpts.clone(), timeouts()))
        .unwrap();
    assert_eq!(out.failure, Some(ConnFailure::Closed));
    assert_eq!(
        connection_reason(out.failure.unwrap()),
        Reason::ConnectionClosed
    );

    let (tarpit, _) = start(Script::Tarpit);
    let t = std::time::Instant::now();
    let out = rt()
        .block_on(probe(tarpit, cfg(), rcpts.clone(), timeouts()))
        .unwrap();
    assert_eq!(out.failure, Some(ConnFailure::Timeout));
    assert!(t.elapsed() < Duration::from_secs(3));

    // Nothing listens on a fresh port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = rt()
        .block_on(probe(port, cfg(), rcpts, timeouts()))
        .unwrap();
    assert_eq!(out.failure, Some(ConnFailure::Connect));
    assert_eq!(
        connection_reason(ConnFailure::Connect),
        Reason::ConnectFailed
    );
}
