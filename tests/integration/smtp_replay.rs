//! Real servers' replies, replayed: the recordings in `tests/data/smtp-replies/` (Exim, Courier,
//! OpenSMTPD and sendmail of tools/mta-testnet, each reply with the truth its configuration
//! made) are served by the testkit's replaying SMTP server, and `check --smtp` meets them as it
//! would meet those servers. No MTA is needed.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::support::run;
use mailsift_testkit::dns_server::DnsServer;
use mailsift_testkit::smtp_server::assert_clean_log;
use mailsift_testkit::smtp_server_replay::{Recorded, Reply, start};

/// One scenario of a recording: its address, the replies by stage, the truth.
struct Scenario {
    server: String,
    name: String,
    address: String,
    stages: Vec<(String, String, Reply)>, // (stage, address, reply)
    verdict: String,
    reason: String,
}

impl Scenario {
    fn reply(&self, stage: &str) -> Option<&Reply> {
        self.stages
            .iter()
            .rev()
            .find(|(s, _, _)| s == stage)
            .map(|(_, _, r)| r)
    }

    fn recorded(&self) -> Recorded {
        let mut rec = Recorded::new();
        rec.greeting = self.reply("greeting").expect("greeting").clone();
        // A session that upgraded to TLS when recorded is replayed with its post-TLS EHLO.
        rec.ehlo = self
            .reply("ehlo_tls")
            .or(self.reply("ehlo"))
            .expect("ehlo")
            .clone();
        rec.mail = self.reply("mail").expect("mail").clone();
        if let Some(r) = self.reply("rcpt") {
            rec.rcpt.push((self.address.clone(), r.clone()));
        }
        rec.rcpt_other = self
            .stages
            .iter()
            .find(|(s, _, _)| s == "rcpt_random")
            .map(|(_, a, r)| (a.clone(), r.clone()));
        rec
    }
}

fn recordings() -> Vec<Scenario> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/smtp-replies");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/data/smtp-replies")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "recordings of Exim, OpenSMTPD, sendmail");
    let mut out = Vec::new();
    for f in files {
        let server = f.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&f).unwrap();
        let mut by_name: BTreeMap<usize, Scenario> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
            let c: Vec<&str> = line.split('\t').collect();
            assert_eq!(c.len(), 7, "{}: {line:?}", f.display());
            let code: u16 = c[3].parse().expect("reply code");
            let idx = match order.iter().position(|n| n == c[0]) {
                Some(i) => i,
                None => {
                    order.push(c[0].to_owned());
                    order.len() - 1
                }
            };
            let sc = by_name.entry(idx).or_insert_with(|| Scenario {
                server: server.clone(),
                name: c[0].to_owned(),
                address: c[1].to_owned(),
                stages: Vec::new(),
                verdict: c[5].to_owned(),
                reason: c[6].to_owned(),
            });
            sc.stages.push((
                c[2].to_owned(),
                c[1].to_owned(),
                Reply::from_recorded(code, c[4]),
            ));
        }
        out.extend(by_name.into_values());
    }
    out
}

/// Replays one scenario and runs `check --smtp` on its address; returns the JSON result.
fn probe(sc: &Scenario) -> serde_json::Value {
    let srv = start(sc.recorded());
    let domain = sc.address.split('@').nth(1).unwrap();
    let dns = DnsServer::start(&format!(
        "{domain} MX 10 mx.{domain}\nmx.{domain} A 127.0.0.1\nprobe.mailsift.test A 192.0.2.1\n"
    ));
    let (port, dns_arg) = (srv.addr.port().to_string(), dns.arg());
    let out = run(
        &[
            "check",
            "--allow-special-use-domains",
            "--dns",
            &dns_arg,
            "--smtp",
            "--smtp-port",
            &port,
            "--smtp-timeout",
            "2",
            "--smtp-rate",
            "0",
            "--greylist-wait",
            "0",
            "--greylist-retries",
            "0",
            "--helo",
            "probe.mailsift.test",
            "--mail-from",
            "verify@mailsift.test",
            &sc.address,
        ],
        b"",
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_clean_log(&srv.seen);
    serde_json::from_str(stdout.lines().next().unwrap_or_else(|| {
        panic!(
            "{}/{}: no output; stderr: {}",
            sc.server,
            sc.name,
            String::from_utf8_lossy(&out.stderr)
        )
    }))
    .unwrap()
}

#[test]
fn recorded_replies_reach_the_probe_as_recorded() {
    // The replay itself: the reply the probe reports is the recorded one (the RCPT reply, or
    // the MAIL reply when MAIL was refused), code and text.
    let all = recordings();
    assert!(all.len() >= 30, "{} scenarios", all.len());
    for sc in &all {
        let got = probe(sc);
        let smtp = &got["smtp"];
        let deciding = sc.reply("rcpt").or(sc.reply("mail")).unwrap();
        let id = format!("{}/{} {}", sc.server, sc.name, sc.address);
        if sc.reason == "accept_all" {
            // The catch-all verdict is reported with the random local part's reply.
            assert_eq!(smtp["code"], 250, "{id}: {got}");
            continue;
        }
        assert_eq!(smtp["code"], deciding.code, "{id}: {got}");
        let message = smtp["message"].as_str().unwrap_or_default();
        assert!(
            !message.is_empty() && deciding.lines[0].ends_with(message),
            "{id}: recorded {:?}, probe reported {message:?}",
            deciding.lines[0]
        );
    }
}

#[test]
#[ignore = "enabled when the smtp-reply verdict rules land"]
fn recorded_replies_get_their_true_verdicts() {
    let mut wrong = Vec::new();
    let all = recordings();
    for sc in &all {
        let got = probe(sc);
        let have = (
            got["verdict"].as_str().unwrap(),
            got["reason"].as_str().unwrap(),
        );
        if have != (sc.verdict.as_str(), sc.reason.as_str()) {
            wrong.push(format!(
                "{}/{} {}: expected {}/{}, got {}/{} ({} {})",
                sc.server,
                sc.name,
                sc.address,
                sc.verdict,
                sc.reason,
                have.0,
                have.1,
                got["smtp"]["code"],
                got["smtp"]["message"]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} scenarios wrong:\n{}",
        wrong.len(),
        all.len(),
        wrong.join("\n")
    );
}

#[test]
#[ignore = "enabled when the smtp-reply verdict rules land"]
fn recorded_permanent_replies_are_never_tempfail_and_temporary_never_undeliverable() {
    // Issue #21: a 5yz reply is never `tempfail` (which means temporary), a 4yz reply never
    // `undeliverable`, whatever the wording.
    let mut wrong = Vec::new();
    for sc in &recordings() {
        let got = probe(sc);
        let code = got["smtp"]["code"].as_u64().unwrap_or(0);
        let (verdict, reason) = (
            got["verdict"].as_str().unwrap(),
            got["reason"].as_str().unwrap(),
        );
        if (500..600).contains(&code) && reason == "tempfail"
            || (400..500).contains(&code) && verdict == "undeliverable"
        {
            wrong.push(format!(
                "{}/{}: {code} {} -> {verdict}/{reason}",
                sc.server, sc.name, got["smtp"]["message"]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
