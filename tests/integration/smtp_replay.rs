//! Real servers' replies, replayed: the recordings in `tests/data/smtp-replies/` (Exim, Courier,
//! OpenSMTPD and sendmail of tools/mta-testnet, each reply with the truth its configuration
//! made) are served by the testkit's scripted SMTP server, and `check --smtp` meets them as it
//! would meet those servers: the addresses of one server in one run, as tools/mta-testnet/e2e.py
//! probes them live, so the differential evidence (the random local part's reply against what
//! the same server accepted) has what it has there. No MTA is needed.

use std::path::PathBuf;

use super::support::check_smtp;
use mailsift_testkit::dns_server::DnsServer;
use mailsift_testkit::smtp_server::{Script, assert_clean_log, start};

/// A scenario whose reason cannot be told from the server's answers, with the reason the probe
/// honestly gives instead; the verdict is still checked exactly. tools/mta-testnet/e2e.py holds
/// the same list (`KNOWN_REASON_MISSES`).
///
/// OpenSMTPD 6.8 refuses a domain it has no `match` rule for with `550 Invalid recipient`, no
/// enhanced code, to the address and to the random local part alike, and nothing at that domain
/// is accepted. Those are the words and the evidence of a domain with no such mailboxes
/// (OpenSMTPD before 6.4 and Mimecast use the same words for an unknown user); a lone unknown
/// address at a server that takes the domain looks exactly the same, so no rule can call this one
/// `relay_denied` without calling those `relay_denied` too. Both are `undeliverable`.
const KNOWN_REASON_MISSES: [(&str, &str, &str); 1] =
    [("opensmtpd", "relay_denied", "mailbox_not_found")];

/// One recorded reply: its code and lines (without the `code-` / `code ` prefix).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl Reply {
    /// From the recordings' form: lines joined by a literal `\n`, `\\` and `\t` escaped.
    fn from_recorded(code: u16, text: &str) -> Reply {
        let mut lines = vec![String::new()];
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            let c = if c == '\\' {
                match chars.next() {
                    Some('n') => {
                        lines.push(String::new());
                        continue;
                    }
                    Some('t') => '\t',
                    Some(other) => other,
                    None => '\\',
                }
            } else {
                c
            };
            lines.last_mut().unwrap().push(c);
        }
        Reply { code, lines }
    }

    /// In the scripted server's form (each line with its code, `-` on all but the last),
    /// without the lines for which `drop` is true.
    fn scripted(&self, drop: impl Fn(&str) -> bool) -> String {
        let lines: Vec<&String> = self.lines.iter().filter(|l| !drop(l)).collect();
        let n = lines.len();
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{}{}{l}", self.code, if i + 1 < n { '-' } else { ' ' }))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

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
    /// The last reply at `stage` (after a failed STARTTLS the session was started again).
    fn reply(&self, stage: &str) -> Option<&Reply> {
        self.stages
            .iter()
            .rev()
            .find(|(s, _, _)| s == stage)
            .map(|(_, _, r)| r)
    }

    fn domain(&self) -> &str {
        self.address.split('@').nth(1).unwrap()
    }

    fn id(&self) -> String {
        format!("{}/{} {}", self.server, self.name, self.address)
    }
}

const HEADER: &str = "scenario\taddress\tstage\tcode\ttext\texpected_verdict\texpected_reason";

/// Every scenario of the recordings (the files with the header above; `styles.tsv`, replayed
/// by the unit tests in src/smtp/tests.rs, has another).
fn recordings() -> Vec<Scenario> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/smtp-replies");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/data/smtp-replies")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
        .collect();
    files.sort();
    let mut out: Vec<Scenario> = Vec::new();
    let mut servers = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let mut lines = text.lines().filter(|l| !l.starts_with('#'));
        if lines.next() != Some(HEADER) {
            continue;
        }
        let server = f.file_stem().unwrap().to_string_lossy().into_owned();
        servers.push(server.clone());
        let first = out.len();
        for line in lines {
            let c: Vec<&str> = line.split('\t').collect();
            assert_eq!(c.len(), 7, "{}: {line:?}", f.display());
            let reply = Reply::from_recorded(c[3].parse().expect("reply code"), c[4]);
            let i = match out[first..].iter().position(|s| s.name == c[0]) {
                Some(i) => first + i,
                None => {
                    out.push(Scenario {
                        server: server.clone(),
                        name: c[0].to_owned(),
                        address: c[1].to_owned(),
                        stages: Vec::new(),
                        verdict: c[5].to_owned(),
                        reason: c[6].to_owned(),
                    });
                    out.len() - 1
                }
            };
            out[i]
                .stages
                .push((c[2].to_owned(), c[1].to_owned(), reply));
        }
    }
    assert_eq!(servers, ["courier", "exim", "opensmtpd", "sendmail"]);
    out
}

/// The scenarios of one server that can share a replayed server and one `check` run: the same
/// `MAIL FROM` reply, each address once.
fn groups(all: &[Scenario]) -> Vec<Vec<&Scenario>> {
    let mut out: Vec<Vec<&Scenario>> = Vec::new();
    for sc in all {
        let fits = |g: &Vec<&Scenario>| {
            g[0].server == sc.server
                && g[0].reply("mail") == sc.reply("mail")
                && g.iter().all(|o| o.address != sc.address)
        };
        match out.iter_mut().find(|g| fits(g)) {
            Some(g) => g.push(sc),
            None => out.push(vec![sc]),
        }
    }
    out
}

/// The scripted server for a group: the first scenario's banner and EHLO (the one inside TLS
/// when it upgraded; STARTTLS left out, as the replay has no TLS), the group's MAIL reply, each
/// address's RCPT reply, and per domain the random local part's reply (its recorded address
/// replaced by the one asked).
fn script(group: &[&Scenario]) -> Script {
    let first = group[0];
    let ehlo = first
        .reply("ehlo_tls")
        .or(first.reply("ehlo"))
        .expect("ehlo");
    let mut replies = Vec::new();
    for sc in group {
        if let Some(r) = sc.reply("rcpt") {
            replies.push((sc.address.clone(), r.scripted(|_| false)));
        }
        let key = format!("@{}", sc.domain());
        if let Some((_, addr, r)) = sc.stages.iter().find(|(s, _, _)| s == "rcpt_random")
            && !replies.iter().any(|(k, _)| *k == key)
        {
            replies.push((key, r.scripted(|_| false).replace(addr.as_str(), "{addr}")));
        }
    }
    Script {
        greeting: Some(
            first
                .reply("greeting")
                .expect("greeting")
                .scripted(|_| false),
        ),
        ehlo: Some(ehlo.scripted(|l| l.trim().eq_ignore_ascii_case("STARTTLS"))),
        mail_reply: Some(first.reply("mail").expect("mail").scripted(|_| false)),
        replies,
        ..Script::default()
    }
}

/// Replays each group and runs `check --smtp` on its addresses; the JSON result per scenario.
fn probe_all(all: &[Scenario]) -> Vec<(&Scenario, serde_json::Value)> {
    let mut out = Vec::new();
    for group in groups(all) {
        let srv = start(script(&group));
        let mut zone = String::from("probe.mailsift.test A 192.0.2.1\n");
        let mut domains: Vec<&str> = group.iter().map(|s| s.domain()).collect();
        domains.sort_unstable();
        domains.dedup();
        for d in domains {
            zone.push_str(&format!("{d} MX 10 mx.{d}\nmx.{d} A 127.0.0.1\n"));
        }
        let dns = DnsServer::start(&zone);
        let (port, dns_arg) = (srv.addr.port().to_string(), dns.arg());
        let mut args = vec![
            "--allow-special-use-domains",
            "--greylist-wait",
            "0",
            "--greylist-retries",
            "0",
        ];
        args.extend(group.iter().map(|s| s.address.as_str()));
        let o = check_smtp(&dns_arg, &port, "2", &args);
        let stdout = String::from_utf8(o.stdout).unwrap();
        let lines: Vec<serde_json::Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            lines.len(),
            group.len(),
            "{}: {stdout}\nstderr: {}",
            group[0].id(),
            String::from_utf8_lossy(&o.stderr)
        );
        assert_clean_log(&srv.seen);
        out.extend(group.into_iter().zip(lines));
    }
    out
}

#[test]
fn recorded_replies_reach_the_probe_as_recorded() {
    // The replay itself: the reply the probe reports is the recorded one (the RCPT reply, or
    // the MAIL reply when MAIL was refused), code and text.
    let all = recordings();
    assert!(all.len() >= 30, "{} scenarios", all.len());
    let results = probe_all(&all);
    assert_eq!(results.len(), all.len());
    for (sc, got) in results {
        let smtp = &got["smtp"];
        let deciding = sc.reply("rcpt").or(sc.reply("mail")).unwrap();
        let id = sc.id();
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
fn recorded_replies_get_their_true_verdicts() {
    let mut wrong = Vec::new();
    let mut misses = Vec::new();
    let all = recordings();
    for (sc, got) in probe_all(&all) {
        let have = (
            got["verdict"].as_str().unwrap(),
            got["reason"].as_str().unwrap(),
        );
        let known = KNOWN_REASON_MISSES
            .iter()
            .find(|(s, n, _)| *s == sc.server && *n == sc.name)
            .map(|(_, _, r)| *r);
        let want = (sc.verdict.as_str(), known.unwrap_or(sc.reason.as_str()));
        if known.is_some() {
            misses.push(sc.id());
        }
        if (sc.server.as_str(), sc.name.as_str()) == ("opensmtpd", "unknown_user") {
            // `524 5.2.4 Mailing list expansion problem` says nothing of the mailbox: the random
            // local part got the same while alice@ at the same server was accepted.
            let d = &got["smtp"]["differential"];
            assert_eq!(d["accepted"], 1, "{}: {got}", sc.id());
            assert_eq!(d["reply_reason"], "refused_unclear", "{}: {got}", sc.id());
        }
        if have != want {
            wrong.push(format!(
                "{}: expected {}/{}, got {}/{} ({} {}; differential {})",
                sc.id(),
                want.0,
                want.1,
                have.0,
                have.1,
                got["smtp"]["code"],
                got["smtp"]["message"],
                got["smtp"]["differential"]
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
    // Every known miss is still in the recordings (else the list is stale).
    assert_eq!(misses.len(), KNOWN_REASON_MISSES.len(), "{misses:?}");
}

#[test]
fn recorded_permanent_replies_are_never_tempfail_and_temporary_never_undeliverable() {
    // Issue #21: a 5yz reply is never `tempfail` (which means temporary), a 4yz reply never
    // `undeliverable`, whatever the wording.
    let mut wrong = Vec::new();
    let all = recordings();
    let results = probe_all(&all);
    let mut codes = [0usize; 2];
    for (sc, got) in results {
        let code = got["smtp"]["code"].as_u64().unwrap_or(0);
        let (verdict, reason) = (
            got["verdict"].as_str().unwrap(),
            got["reason"].as_str().unwrap(),
        );
        match code {
            400..=499 => codes[0] += 1,
            500..=599 => codes[1] += 1,
            _ => {}
        }
        if (500..600).contains(&code) && reason == "tempfail"
            || (400..500).contains(&code) && verdict == "undeliverable"
        {
            wrong.push(format!(
                "{}: {code} {} -> {verdict}/{reason}",
                sc.id(),
                got["smtp"]["message"]
            ));
        }
    }
    // The recordings have both kinds of refusal, else the test could not fail.
    assert!(codes[0] >= 3 && codes[1] >= 10, "{codes:?}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
