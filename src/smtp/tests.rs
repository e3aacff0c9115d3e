//! The SMTP probe against in-process scripted servers on loopback: the driver (multi-line
//! replies, 421 banner, drop, tarpit, refused, STARTTLS with a self-signed certificate) and the
//! scheduler (MX fallback, greylisting, catch-all, batching, per-host limits, pacing, RSET,
//! SMTPUTF8). Every server logs every command: no test may see DATA or an injected command.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::model::Reason;
use crate::smtp::driver::{Target, Timeouts, probe};
use crate::smtp::scheduler::{DomainJob, Event, ProbeSettings, Scheduler};
use crate::smtp::session::SessionConfig;
use crate::smtp::verdict::{ConnFailure, connection_reason, result_reason};

use mailsift_testkit::smtp_server::{Mode, Script, Server, assert_clean_log, start};

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
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn target(addr: SocketAddr) -> Target {
    Target {
        addr,
        host: "mx.test".into(),
    }
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn verdicts_from_a_scripted_server_and_no_data() {
    let srv = start(Script {
        greylist: None,
        ..Script::default()
    });
    let rcpts: Vec<String> = strs(&[
        "alice@ok.test",
        "nobody@ok.test",
        "full@ok.test",
        "gone@ok.test",
    ])
    .into_iter()
    .chain(["evil@ok.test>\r\nDATA".to_string()])
    .collect();
    let out = rt()
        .block_on(probe(
            &target(srv.addr),
            cfg(),
            rcpts,
            timeouts(),
            None,
            None,
        ))
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
            Reason::MailboxDisabled,
            Reason::NotChecked
        ]
    );
    let log = srv.seen.commands();
    assert_eq!(
        log.first().map(String::as_str),
        Some("EHLO probe.mailsift.test")
    );
    assert_eq!(log.last().map(String::as_str), Some("QUIT"));
    assert!(
        log.iter().all(|l| !l.contains("evil")),
        "the unsafe path never reached the server"
    );
    assert_eq!(log.iter().filter(|l| l.starts_with("RCPT TO:")).count(), 4);
    assert_clean_log(&srv.seen);
}

#[test]
fn busy_drop_tarpit_and_refused() {
    let rcpts = strs(&["alice@ok.test"]);
    let rt = rt();
    let busy = start(Script {
        mode: Mode::Busy,
        ..Script::default()
    });
    let out = rt
        .block_on(probe(
            &target(busy.addr),
            cfg(),
            rcpts.clone(),
            timeouts(),
            None,
            None,
        ))
        .unwrap();
    assert_eq!(
        result_reason(out.results[0].as_ref().unwrap()),
        Reason::Unavailable
    );

    let drop = start(Script {
        mode: Mode::Drop,
        ..Script::default()
    });
    let out = rt
        .block_on(probe(
            &target(drop.addr),
            cfg(),
            rcpts.clone(),
            timeouts(),
            None,
            None,
        ))
        .unwrap();
    assert_eq!(out.failure, Some(ConnFailure::Closed));
    assert!(!out.greeted);
    assert_eq!(
        connection_reason(out.failure.unwrap()),
        Reason::ConnectionClosed
    );

    let tarpit = start(Script {
        mode: Mode::Tarpit,
        ..Script::default()
    });
    let t = Instant::now();
    let out = rt
        .block_on(probe(
            &target(tarpit.addr),
            cfg(),
            rcpts.clone(),
            timeouts(),
            None,
            None,
        ))
        .unwrap();
    assert_eq!(out.failure, Some(ConnFailure::Timeout));
    assert!(t.elapsed() < Duration::from_secs(3));

    let port = free_port(Ipv4Addr::LOCALHOST);
    let out = rt
        .block_on(probe(&target(port), cfg(), rcpts, timeouts(), None, None))
        .unwrap();
    assert_eq!(out.failure, Some(ConnFailure::Connect));
    assert_eq!(
        connection_reason(ConnFailure::Connect),
        Reason::ConnectFailed
    );
}

#[test]
fn starttls_with_a_self_signed_certificate() {
    let srv = start(Script {
        starttls: true,
        ..Script::default()
    });
    let mut c = cfg();
    c.starttls = true;
    let out = rt()
        .block_on(probe(
            &Target {
                addr: srv.addr,
                host: "mx.selfsigned.test".into(),
            },
            c,
            strs(&["alice@ok.test", "nobody@ok.test"]),
            timeouts(),
            None,
            None,
        ))
        .unwrap();
    assert!(out.failure.is_none(), "{:?}", out.failure);
    let tls = out.tls.expect("TLS was used");
    assert!(!tls.verified, "a self-signed certificate does not verify");
    assert!(tls.error.is_some());
    assert!(tls.version.contains("TLS"), "{}", tls.version);
    assert_eq!(
        srv.seen
            .tls_sessions
            .load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    let log = srv.seen.commands();
    // Greeted again inside TLS (RFC 3207 §4.2), and the answers are still read.
    assert_eq!(log.iter().filter(|c| c.starts_with("EHLO")).count(), 2);
    assert_eq!(log[1], "STARTTLS");
    let reasons: Vec<Reason> = out
        .results
        .iter()
        .map(|r| result_reason(r.as_ref().unwrap()))
        .collect();
    assert_eq!(reasons, [Reason::Accepted, Reason::MailboxNotFound]);
    assert_clean_log(&srv.seen);
}

fn free_port(ip: Ipv4Addr) -> SocketAddr {
    std::net::TcpListener::bind((ip, 0))
        .unwrap()
        .local_addr()
        .unwrap()
}

fn settings(port: u16) -> ProbeSettings {
    ProbeSettings {
        session: cfg(),
        port,
        timeouts: timeouts(),
        rate: None,
        greylist_wait: Duration::from_millis(50),
        ..ProbeSettings::default()
    }
}

fn job(domain: &str, ips: &[IpAddr], rcpts: &[&str]) -> DomainJob {
    DomainJob {
        domain: domain.into(),
        hosts: ips
            .iter()
            .enumerate()
            .map(|(i, ip)| (format!("mx{i}.{domain}"), vec![*ip]))
            .collect(),
        recipients: strs(rcpts),
        catch_all: None,
    }
}

fn reasons_of(r: &crate::smtp::scheduler::DomainResult) -> Vec<(String, Reason)> {
    r.outcomes
        .iter()
        .map(|(a, o)| (a.clone(), o.reason))
        .collect()
}

/// A scripted server on `ip` at the same port as `port_of` (so one `--smtp-port` reaches both).
fn start_on(ip: Ipv4Addr, port: u16, script: Script) -> Server {
    start(Script {
        bind: SocketAddr::new(IpAddr::V4(ip), port),
        ..script
    })
}

#[test]
fn falls_back_to_the_next_mx_when_refused_or_busy() {
    let up = start_on(Ipv4Addr::new(127, 0, 0, 3), 0, Script::default());
    let port = up.addr.port();
    let busy = start_on(
        Ipv4Addr::new(127, 0, 0, 5),
        port,
        Script {
            mode: Mode::Busy,
            ..Script::default()
        },
    );
    // 127.0.0.4 has nothing listening on `port`: refused.
    let s = Scheduler::new(settings(port));
    let rt = rt();
    let ips: Vec<IpAddr> = [4, 5, 3]
        .iter()
        .map(|&d| IpAddr::V4(Ipv4Addr::new(127, 0, 0, d)))
        .collect();
    let r = rt.block_on(s.probe_domain(
        job(
            "fallback.test",
            &ips,
            &["alice@fallback.test", "zed@fallback.test"],
        ),
        &|_| {},
    ));
    assert_eq!(
        reasons_of(&r),
        [
            ("alice@fallback.test".to_string(), Reason::Accepted),
            ("zed@fallback.test".to_string(), Reason::MailboxNotFound)
        ]
    );
    let ev = &r.outcomes[0].1.evidence;
    assert_eq!(ev.ip, Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3))));
    assert_eq!(ev.code, Some(250));
    assert_eq!(ev.enhanced_code.as_deref(), Some("2.1.5"));
    assert_eq!(ev.tried.len(), 3, "{:?}", ev.tried);
    assert!(ev.tried[0].ends_with("connect_failed"), "{:?}", ev.tried);
    assert!(ev.tried[1].ends_with("421"), "{:?}", ev.tried);
    assert_eq!(r.catch_all, Some(false));
    assert!(
        busy.seen.commands().len() <= 1,
        "only QUIT after the 421 banner"
    );
    assert_clean_log(&up.seen);

    // Every MX refused: unknown, never undeliverable.
    let mut st = settings(port);
    st.batch = 2;
    let s = Scheduler::new(st);
    let many: Vec<String> = (0..10).map(|i| format!("u{i}@dead.test")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let r = rt.block_on(s.probe_domain(job("dead.test", &ips[..1], &refs), &|_| {}));
    assert!(
        r.outcomes
            .iter()
            .all(|(_, o)| o.reason == Reason::ConnectFailed)
    );
    // Six groups (catch-all probe + 10 recipients, 2 a session), one connection attempt: the
    // rest of the domain is not hammered once its servers cannot be reached.
    assert_eq!(
        s.stats.sessions.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
}

#[test]
fn greylisting_is_retried_after_the_wait() {
    let srv = start(Script {
        greylist: Some(Duration::from_millis(300)),
        ..Script::default()
    });
    let ip = [srv.addr.ip()];
    let rt = rt();
    // Waiting longer than the greylist delay: accepted on the second round.
    let mut st = settings(srv.addr.port());
    st.greylist_wait = Duration::from_millis(450);
    st.greylist_retries = 2;
    let events = Mutex::new(Vec::new());
    let t = Instant::now();
    let r = rt.block_on(Scheduler::new(st).probe_domain(
        job("grey.test", &ip, &["alice@grey.test", "nobody@grey.test"]),
        &|e| {
            if let Event::Rcpt(a, o) = e {
                events.lock().unwrap().push((a.to_string(), o.reason));
            }
        },
    ));
    assert!(t.elapsed() >= Duration::from_millis(450));
    assert_eq!(
        reasons_of(&r),
        [
            ("alice@grey.test".to_string(), Reason::Accepted),
            ("nobody@grey.test".to_string(), Reason::MailboxNotFound)
        ]
    );
    assert_eq!(r.outcomes[0].1.evidence.attempts, 2);
    assert_eq!(r.catch_all, Some(false), "the random probe was retried too");
    assert_eq!(
        events.lock().unwrap().len(),
        2,
        "each outcome reported once"
    );
    assert_eq!(srv.seen.rcpts_for("alice@grey.test"), 2);

    // Still greylisted after the retries: risky greylisted_unresolved.
    let srv = start(Script {
        greylist: Some(Duration::from_secs(60)),
        ..Script::default()
    });
    let st = settings(srv.addr.port());
    let r = rt.block_on(Scheduler::new(st.clone()).probe_domain(
        job("grey2.test", &[srv.addr.ip()], &["alice@grey2.test"]),
        &|_| {},
    ));
    assert_eq!(r.outcomes[0].1.reason, Reason::GreylistedUnresolved);
    assert_eq!(r.outcomes[0].1.evidence.code, Some(450));
    assert_eq!(r.catch_all, None);
    // No retries allowed: unknown greylisted.
    let mut st0 = st;
    st0.greylist_retries = 0;
    let r = rt.block_on(Scheduler::new(st0).probe_domain(
        job("grey3.test", &[srv.addr.ip()], &["bob@grey3.test"]),
        &|_| {},
    ));
    assert_eq!(r.outcomes[0].1.reason, Reason::Greylisted);
    assert_clean_log(&srv.seen);
}

#[test]
fn catch_all_domains_are_risky() {
    let all = start(Script {
        catch_all: true,
        ..Script::default()
    });
    let r = rt().block_on(Scheduler::new(settings(all.addr.port())).probe_domain(
        job(
            "catchall.test",
            &[all.addr.ip()],
            &["alice@catchall.test", "full@catchall.test"],
        ),
        &|_| {},
    ));
    assert_eq!(r.catch_all, Some(true));
    assert_eq!(
        reasons_of(&r),
        [
            ("alice@catchall.test".to_string(), Reason::AcceptAll),
            ("full@catchall.test".to_string(), Reason::MailboxFull)
        ]
    );
    assert_eq!(r.outcomes[0].1.evidence.catch_all, Some(true));
    let log = all.seen.commands();
    let rcpts: Vec<&String> = log.iter().filter(|c| c.starts_with("RCPT")).collect();
    assert_eq!(
        rcpts.len(),
        3,
        "the recipients, then one random probe: {rcpts:?}"
    );
    assert!(rcpts[2].contains("mailsift-nx-"), "{rcpts:?}");
    assert_eq!(
        all.seen.sessions.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
}

/// A server that answers each refused recipient only after a delay longer than our reply
/// timeout (Courier's tarpit: 8 s, then 16 s, ...). The random local part's refusal times out;
/// the recipients' replies, received before it, are kept, and only the catch-all status is
/// unknown. (Asked first, the random probe's timeout used to end the session before any
/// recipient was answered: every address of the server came out `smtp_timeout`.)
#[test]
fn a_tarpitted_random_probe_loses_only_the_catch_all_status() {
    let srv = start(Script {
        refusal_delay: Duration::from_millis(1500),
        ..Script::default()
    });
    let mut st = settings(srv.addr.port());
    st.batch = 2;
    let events = Mutex::new(Vec::new());
    let r = rt().block_on(Scheduler::new(st).probe_domain(
        job(
            "tarpit.test",
            &[srv.addr.ip()],
            &["alice@tarpit.test", "bob@tarpit.test", "full@tarpit.test"],
        ),
        &|e| {
            if let Event::CatchAll(d, c) = e {
                events.lock().unwrap().push((d.to_string(), c));
            }
        },
    ));
    assert_eq!(
        reasons_of(&r),
        [
            ("alice@tarpit.test".to_string(), Reason::Accepted),
            ("bob@tarpit.test".to_string(), Reason::Accepted),
            // in a second session, refused after the delay: the timeout is its own answer
            ("full@tarpit.test".to_string(), Reason::SmtpTimeout),
        ]
    );
    assert_eq!(r.catch_all, None);
    for (_, o) in &r.outcomes[..2] {
        assert_eq!(o.evidence.code, Some(250));
        assert_eq!(o.evidence.catch_all, None);
    }
    assert!(
        events.lock().unwrap().is_empty(),
        "no catch-all status known"
    );
    let rcpts: Vec<String> = srv
        .seen
        .commands()
        .into_iter()
        .filter(|c| c.starts_with("RCPT"))
        .collect();
    assert!(rcpts[2].contains("mailsift-nx-"), "{rcpts:?}");
    assert_clean_log(&srv.seen);
}

#[test]
fn batches_reuse_sessions_and_respect_the_per_host_limit() {
    let srv = start(Script {
        catch_all: false,
        users: (0..45).map(|i| format!("u{i}")).collect(),
        latency: Duration::from_millis(2),
        max_rcpt: Some(8),
        ..Script::default()
    });
    let rcpts: Vec<String> = (0..45).map(|i| format!("u{i}@batch.test")).collect();
    let refs: Vec<&str> = rcpts.iter().map(String::as_str).collect();
    let mut st = settings(srv.addr.port());
    st.batch = 20;
    st.per_host = 1;
    let s = std::sync::Arc::new(Scheduler::new(st));
    let rt = rt();
    // Three domains on the same MX address at once: still one connection at a time.
    let results = rt.block_on(async {
        let mut hs = Vec::new();
        for d in ["batch.test", "b2.test", "b3.test"] {
            let s = s.clone();
            let j = if d == "batch.test" {
                job(d, &[srv.addr.ip()], &refs)
            } else {
                job(d, &[srv.addr.ip()], &[&format!("u1@{d}")])
            };
            hs.push(tokio::spawn(
                async move { s.probe_domain(j, &|_| {}).await },
            ));
        }
        let mut out = Vec::new();
        for h in hs {
            out.push(h.await.unwrap());
        }
        out
    });
    assert!(
        results[0]
            .outcomes
            .iter()
            .all(|(_, o)| o.reason == Reason::Accepted)
    );
    // ceil(45 / 20) = 3 sessions for batch.test, one each for the others.
    assert_eq!(
        srv.seen.sessions.load(std::sync::atomic::Ordering::SeqCst),
        5
    );
    assert_eq!(
        srv.seen.max_open.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    // More recipients than the server takes per transaction: RSET and a new MAIL FROM.
    let log = srv.seen.commands();
    assert!(log.iter().any(|c| c == "RSET"));
    // Each recipient asked once, except the one refused as "too many", asked again after RSET.
    let rsets = log.iter().filter(|c| *c == "RSET").count();
    let twice = rcpts.iter().filter(|a| srv.seen.rcpts_for(a) == 2).count();
    assert!(
        rcpts
            .iter()
            .all(|a| (1..=2).contains(&srv.seen.rcpts_for(a)))
    );
    assert_eq!(twice, rsets);
    assert_clean_log(&srv.seen);
}

#[test]
fn rcpt_rate_is_paced_per_domain() {
    let srv = start(Script::default());
    let mut st = settings(srv.addr.port());
    st.rate = Some(20.0);
    st.catch_all = false;
    let rcpts: Vec<String> = (0..8).map(|i| format!("x{i}@pace.test")).collect();
    let refs: Vec<&str> = rcpts.iter().map(String::as_str).collect();
    let t = Instant::now();
    rt().block_on(
        Scheduler::new(st).probe_domain(job("pace.test", &[srv.addr.ip()], &refs), &|_| {}),
    );
    // 8 RCPTs at 20/s: at least 7 intervals of 50 ms.
    assert!(
        t.elapsed() >= Duration::from_millis(340),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn internationalised_local_parts_use_smtputf8_when_offered() {
    let rt = rt();
    for offered in [true, false] {
        let srv = start(Script {
            users: vec!["jörg".into()],
            smtputf8: offered,
            ..Script::default()
        });
        let r = rt.block_on(Scheduler::new(settings(srv.addr.port())).probe_domain(
            job(
                "ok.test",
                &[srv.addr.ip()],
                &["jörg@ok.test", "jürgen@ok.test"],
            ),
            &|_| {},
        ));
        let log = srv.seen.commands();
        if offered {
            assert_eq!(
                reasons_of(&r),
                [
                    ("jörg@ok.test".to_string(), Reason::Accepted),
                    ("jürgen@ok.test".to_string(), Reason::MailboxNotFound)
                ]
            );
            assert!(log.contains(&"MAIL FROM:<verify@mailsift.test> SMTPUTF8".to_string()));
        } else {
            // Never sent raw UTF-8 to a server that did not offer SMTPUTF8: not checked.
            assert!(
                r.outcomes
                    .iter()
                    .all(|(_, o)| o.reason == Reason::NotChecked)
            );
            assert!(
                r.outcomes[0]
                    .1
                    .evidence
                    .message
                    .as_deref()
                    .unwrap_or("")
                    .contains("SMTPUTF8")
            );
            assert!(log.iter().all(|c| c.is_ascii()), "{log:?}");
        }
    }
}

/// One replay case: `code<TAB>text<TAB>verdict<TAB>reason` (tests/data/smtp-replies/*.tsv).
struct ReplayCase {
    file: String,
    code: u16,
    text: String,
    verdict: String,
    reason: String,
}

/// Every `tests/data/smtp-replies/*.tsv` whose first line is the replay header.
fn replay_cases() -> Vec<ReplayCase> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/smtp-replies");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let data = std::fs::read_to_string(&f).unwrap();
        let mut lines = data.lines();
        if lines.next() != Some("code\ttext\tverdict\treason") {
            continue;
        }
        for line in lines.filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let c: Vec<&str> = line.split('\t').collect();
            assert_eq!(c.len(), 4, "{}: {line:?}", f.display());
            out.push(ReplayCase {
                file: f.file_name().unwrap().to_string_lossy().into_owned(),
                code: c[0].parse().expect("a reply code"),
                text: c[1].to_owned(),
                verdict: c[2].to_owned(),
                reason: c[3].to_owned(),
            });
        }
    }
    out
}

/// Replies of Exim, OpenSMTPD, sendmail, Courier, qmail, mailbox providers and filtering
/// services, replayed from the scripted server and probed through the driver and scheduler
/// (one session each, no catch-all probe: the reply alone decides).
#[test]
fn replayed_replies_get_their_verdicts() {
    let cases = replay_cases();
    assert!(cases.len() >= 80, "{}", cases.len());
    let replies = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let lines: Vec<&str> = c.text.split("\\n").collect();
            let n = lines.len();
            let reply = lines
                .iter()
                .enumerate()
                .map(|(k, l)| format!("{}{}{l}", c.code, if k + 1 < n { '-' } else { ' ' }))
                .collect::<Vec<_>>()
                .join("\n");
            (format!("case{i}"), reply)
        })
        .collect();
    let srv = start(Script {
        replies,
        ..Script::default()
    });
    let mut st = settings(srv.addr.port());
    st.batch = 1;
    st.catch_all = false;
    st.greylist_retries = 0;
    st.concurrency = 4;
    st.per_host = 4;
    let rcpts: Vec<String> = (0..cases.len())
        .map(|i| format!("case{i}@replay.test"))
        .collect();
    let refs: Vec<&str> = rcpts.iter().map(String::as_str).collect();
    let r = rt().block_on(
        Scheduler::new(st).probe_domain(job("replay.test", &[srv.addr.ip()], &refs), &|_| {}),
    );
    let mut wrong = Vec::new();
    for (c, (_, o)) in cases.iter().zip(&r.outcomes) {
        assert_eq!(o.evidence.code, Some(c.code), "{} {}", c.file, c.text);
        let (v, reason) = (o.reason.verdict().as_str(), o.reason.as_str());
        if (v, reason) != (c.verdict.as_str(), c.reason.as_str()) {
            wrong.push(format!(
                "{}: {} {} -> {v}/{reason}, want {}/{}",
                c.file, c.code, c.text, c.verdict, c.reason
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} wrong:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
    assert_clean_log(&srv.seen);
}

/// Differential evidence: a server that refuses unknown and known-but-blocked addresses alike
/// with a silent `550 Access denied`, and accepts its users. The address that gets the random
/// local part's refusal does not exist; the refusal is kept as evidence.
#[test]
fn same_refusal_as_a_random_local_part_means_no_such_mailbox() {
    let srv = start(Script {
        unknown_reply: Some("550 5.7.1 <{addr}>: Access denied".into()),
        replies: vec![(
            "held".into(),
            "550 5.7.1 Policy violation, contact abuse".into(),
        )],
        ..Script::default()
    });
    let rt = rt();
    let r = rt.block_on(Scheduler::new(settings(srv.addr.port())).probe_domain(
        job(
            "diff.test",
            &[srv.addr.ip()],
            &["alice@diff.test", "ghost@diff.test", "held@diff.test"],
        ),
        &|_| {},
    ));
    assert_eq!(
        reasons_of(&r),
        [
            ("alice@diff.test".to_string(), Reason::Accepted),
            ("ghost@diff.test".to_string(), Reason::MailboxNotFound),
            ("held@diff.test".to_string(), Reason::RefusedUnclear),
        ]
    );
    let d = r.outcomes[1]
        .1
        .evidence
        .differential
        .clone()
        .expect("evidence");
    assert_eq!(d.accepted, 1);
    assert_eq!(d.reply_reason, Reason::RefusedUnclear);
    assert!(d.random.starts_with("mailsift-nx-") && d.random.ends_with("@diff.test"));
    assert_eq!(r.outcomes[1].1.evidence.code, Some(550));
    assert!(r.outcomes[2].1.evidence.differential.is_none());

    // Nothing accepted: the same refusal for everyone may be about us; no conclusion.
    let r = rt.block_on(Scheduler::new(settings(srv.addr.port())).probe_domain(
        job(
            "diff2.test",
            &[srv.addr.ip()],
            &["ghost@diff2.test", "nemo@diff2.test"],
        ),
        &|_| {},
    ));
    for (_, o) in &r.outcomes {
        assert_eq!(o.reason, Reason::RefusedUnclear);
        assert_eq!(
            o.evidence.differential.as_ref().map(|d| d.accepted),
            Some(0)
        );
    }
    assert_clean_log(&srv.seen);
}
