//! From what one connection saw to its report entry and findings: each rule of issue #18 in one
//! place. Transient answers never condemn (a 4yz to `RCPT TO:<postmaster>` is not a refusal).

use std::time::Duration;

use crate::dns::records::Rr;

use super::dane;
use super::driver::{Cut, PortRun};
use super::findings::{Finding, FindingId, Severity};
use super::identity::{self, IdentityFacts};
use super::mta_sts_match::StsPolicy;
use super::old_tls::OldTls;
use super::report::{Ehlo, Greeting, PortReport, Relay, Tls};
use super::session::{RELAY_TO, auth_mechanisms, keywords};

/// A greeting later than this is reported as `slow_greeting` (a tarpit or greet pause).
pub(crate) const SLOW_GREETING: Duration = Duration::from_secs(5);
/// A certificate expiring in fewer days is reported as `cert_expires_soon`.
pub(crate) const EXPIRY_WARNING_DAYS: i64 = 14;

/// What the assessment of one port needs besides the connection.
pub(crate) struct PortContext<'a> {
    /// The port.
    pub port: u16,
    /// The user named the port (else a default: a closed 465/587 is only a warning).
    pub explicit: bool,
    /// TLSA records at `_PORT._tcp.HOST`.
    pub tlsa: &'a [Rr],
    /// The MTA-STS policy (not checked on submission ports).
    pub sts: Option<&'a StsPolicy>,
    /// The host name (for MTA-STS).
    pub host: &'a str,
    /// The PTR names of the address.
    pub ptr: &'a [String],
    /// The session's reply timeout (the greeting gets twice as long).
    pub timeout: Duration,
    /// TLS from the first byte (port 465).
    pub implicit: bool,
    /// A submission port (465, 587, or implicit TLS): mail from other servers does not
    /// arrive here, so postmaster@ and MTA-STS are not owed.
    pub submission: bool,
    /// The postmaster address asked.
    pub postmaster: &'a str,
    /// `--relay-test` was given.
    pub relay_test: bool,
}

fn with(id: FindingId, severity: Severity, msg: String) -> Finding {
    let mut f = Finding::new(id, msg);
    f.severity = severity;
    f
}

/// The report entry and findings of one port.
pub(crate) fn port(run: PortRun, cx: &PortContext<'_>) -> PortReport {
    let mut f: Vec<Finding> = Vec::new();
    let t = &run.t;
    if !run.open && !run.unreachable_from_here {
        let sev = if cx.port == 25 || cx.explicit {
            Severity::Error
        } else {
            Severity::Warning
        };
        f.push(with(
            FindingId::PortClosed,
            sev,
            format!(
                "no connection: {}",
                run.connect_error.as_deref().unwrap_or("refused")
            ),
        ));
    }
    let greeting = match (&t.greeting, run.greeting_ms) {
        (Some(g), Some(ms)) => Some(Greeting {
            code: g.code,
            text: g.text.clone(),
            ms,
        }),
        _ => None,
    };
    if run.open && greeting.is_none() {
        if run.tls_error.is_some() && t.tls_failed {
            // Implicit TLS that failed: reported below as tls_handshake_failed.
        } else if run.cut == Some(Cut::Timeout) {
            f.push(with(
                FindingId::SlowGreeting,
                Severity::Warning,
                format!(
                    "no greeting within {} s, the connection held open: a tarpit (senders wait \
                     up to 5 minutes; raise --timeout to see the greeting)",
                    (cx.timeout * 2).as_secs()
                ),
            ));
        } else {
            f.push(Finding::new(
                FindingId::NoGreeting,
                "the server accepted the connection and closed it (or sent no SMTP reply) \
                 without a greeting",
            ));
        }
    }
    if let Some(g) = &greeting {
        if g.code >= 400 {
            f.push(Finding::new(
                FindingId::Greeting4xx,
                format!("greeting {} {}", g.code, g.text),
            ));
        }
        if Duration::from_millis(g.ms) >= SLOW_GREETING {
            f.push(Finding::new(
                FindingId::SlowGreeting,
                format!(
                    "greeting after {:.1} s: a tarpit or greet pause (not a failure)",
                    g.ms as f64 / 1000.0
                ),
            ));
        }
    }
    // Identity of the names the server uses.
    if !cx.ptr.is_empty() {
        let gname = t
            .greeting
            .as_ref()
            .filter(|g| (200..300).contains(&g.code))
            .and_then(|g| identity::greeting_name(&g.text).map(str::to_owned));
        for (what, name) in [("greeting", gname), ("EHLO", t.ehlo_name.clone())] {
            if let Some(n) = name
                && !identity::agrees(&n, cx.ptr)
            {
                f.push(Finding::new(
                    FindingId::GreetingNameMismatch,
                    format!(
                        "the {what} name {n} is not the PTR name {}",
                        cx.ptr.join(", ")
                    ),
                ));
            }
        }
    }
    let helloed = t.ehlo_name.is_some() || t.used_helo;
    let ehlo = helloed.then(|| Ehlo {
        name: t.ehlo_name.clone(),
        extensions: t.extensions.clone(),
        extensions_tls: t.extensions_tls.clone(),
        helo_fallback: t.used_helo,
    });
    let implicit = cx.implicit;
    let offered_starttls = keywords(&t.extensions).iter().any(|k| k == "STARTTLS");
    if helloed && !implicit && !offered_starttls {
        f.push(Finding::new(
            FindingId::NoStarttls,
            "STARTTLS not offered: mail and passwords cross the network in clear text".to_owned(),
        ));
    }
    if !implicit && !t.tls && !auth_mechanisms(&t.extensions).is_empty() {
        f.push(Finding::new(
            FindingId::AuthWithoutTls,
            format!(
                "AUTH {} offered before TLS: passwords can cross the network in clear text",
                auth_mechanisms(&t.extensions).join(" ")
            ),
        ));
    }
    // TLS.
    let tried_tls = implicit || t.starttls.is_some();
    let mut tls = None;
    if tried_tls {
        let refused = t.starttls.as_ref().filter(|r| r.code != 220);
        let error = match refused {
            Some(r) => Some(format!("STARTTLS refused: {} {}", r.code, r.text)),
            None => run.tls_error.clone(),
        };
        if let Some(e) = &error {
            f.push(Finding::new(FindingId::TlsHandshakeFailed, e.clone()));
        }
        let facts = run.tls.as_ref().map(|(_, facts)| facts.clone());
        if let Some(x) = &facts {
            if matches!(x.version.as_str(), "TLSv1.0" | "TLSv1.1" | "SSLv3")
                && !matches!(run.old_tls, Some(OldTls::Accepted(_)))
            {
                f.push(Finding::new(
                    FindingId::TlsOldVersion,
                    format!("{} negotiated", x.version),
                ));
            }
            if x.expired {
                f.push(Finding::new(
                    FindingId::CertExpired,
                    format!("the certificate's notAfter is {}", x.not_after),
                ));
            } else if x.days_to_expiry < EXPIRY_WARNING_DAYS {
                f.push(Finding::new(
                    FindingId::CertExpiresSoon,
                    format!("the certificate expires in {} days", x.days_to_expiry),
                ));
            }
            if !x.trusted {
                f.push(Finding::new(
                    FindingId::CertUntrusted,
                    format!(
                        "the certificate chain does not lead to a trusted root: {}",
                        x.trust_error.as_deref().unwrap_or("unknown issuer")
                    ),
                ));
            }
            if x.name_match == Some(false) {
                f.push(Finding::new(
                    FindingId::CertNameMismatch,
                    format!(
                        "the certificate names {} but not {}",
                        x.names.join(", "),
                        cx.host
                    ),
                ));
            }
        }
        let dane = (!cx.tlsa.is_empty()).then(|| {
            let chain = run.tls.as_ref().map(|(c, _)| c.as_slice()).unwrap_or(&[]);
            dane::check(cx.tlsa, chain)
        });
        if let Some(d) = &dane
            && d.records > 0
            && !d.ok()
        {
            let publish = run
                .tls
                .as_ref()
                .and_then(|(c, _)| c.first())
                .and_then(|der| dane::spki_sha256(der))
                .map(|h| {
                    let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
                    format!(" (the certificate in use matches TLSA 3 1 1 {hex})")
                })
                .unwrap_or_default();
            f.push(Finding::new(
                FindingId::DaneMismatch,
                format!(
                    "none of the {} TLSA records at _{}._tcp.{} matches the certificate{publish}",
                    d.records, cx.port, cx.host
                ),
            ));
        }
        let legacy = match &run.old_tls {
            Some(OldTls::Accepted(v)) => {
                f.push(Finding::new(
                    FindingId::TlsOldVersion,
                    format!("{v} is still accepted (a ClientHello capped at TLS 1.1 was answered)"),
                ));
                Some((*v).to_owned())
            }
            Some(OldTls::Refused) => Some("refused".to_owned()),
            _ => None,
        };
        tls = Some(Tls {
            mode: if implicit { "implicit" } else { "starttls" },
            ok: run.tls.is_some() && error.is_none(),
            legacy_versions: legacy,
            error,
            facts,
            dane,
            mta_sts: None,
        });
    } else if !cx.tlsa.is_empty() && helloed {
        f.push(Finding::new(
            FindingId::DaneMismatch,
            format!(
                "TLSA records are published at _{}._tcp.{} but the server offers no TLS",
                cx.port, cx.host
            ),
        ));
    }
    if !cx.submission
        && let Some(policy) = cx.sts
    {
        let m = policy.check(cx.host);
        if !m.mx_listed {
            let sev = if m.mode == "enforce" {
                Severity::Error
            } else {
                Severity::Warning
            };
            f.push(with(
                FindingId::MtaStsMxMismatch,
                sev,
                format!(
                    "the MTA-STS policy (mode {}) does not list {}",
                    m.mode, cx.host
                ),
            ));
        }
        if let Some(x) = tls.as_mut() {
            x.mta_sts = Some(m);
        }
    }
    // AUTH.
    if let Some(a) = &t.auth
        && a.result == "refused"
    {
        let reply = a
            .reply
            .as_ref()
            .map(|r| format!("{} {}", r.code, r.text))
            .unwrap_or_default();
        f.push(Finding::new(
            FindingId::AuthFailed,
            format!("AUTH {} refused: {reply}", a.mechanism),
        ));
    }
    // VRFY / EXPN: an address confirmed (250/251), or 252 for postmaster but a refusal for a
    // name that does not exist (Postfix's way): either tells a harvester which addresses exist.
    let leaks = match (&t.vrfy, &t.vrfy_nobody) {
        (Some(r), _) if r.code == 250 || r.code == 251 => Some(r),
        (Some(r), Some(nx)) if r.code == 252 && (nx.code == 550 || nx.code == 551) => Some(r),
        _ => None,
    };
    if let Some(r) = leaks {
        f.push(Finding::new(
            FindingId::VrfyEnabled,
            format!(
                "VRFY postmaster answered {} {}{}",
                r.code,
                r.text,
                t.vrfy_nobody
                    .as_ref()
                    .map(|nx| format!("; VRFY of a missing user {} {}", nx.code, nx.text))
                    .unwrap_or_default()
            ),
        ));
    }
    if let Some(r) = &t.expn
        && (r.code == 250 || r.code == 251)
    {
        f.push(Finding::new(
            FindingId::VrfyEnabled,
            format!("EXPN postmaster answered {} {}", r.code, r.text),
        ));
    }
    // Relay test.
    let relay = match &t.mail {
        Some((from, reply)) if from.contains(super::session::RELAY_FROM) => {
            let result = match (&t.relay_rcpt, reply.code) {
                (Some(r), _) if (200..300).contains(&r.code) => "relays",
                (Some(_), _) => "refused",
                (None, _) => "not_tested",
            };
            if result == "relays" {
                f.push(Finding::new(
                    FindingId::OpenRelay,
                    format!(
                        "RCPT TO:<{RELAY_TO}> from an outside sender was accepted: {}",
                        t.relay_rcpt.as_ref().map(|r| r.text.as_str()).unwrap_or("")
                    ),
                ));
            }
            Some(Relay {
                mail_from: from.clone(),
                mail_reply: reply.clone(),
                rcpt_to: RELAY_TO.into(),
                rcpt_reply: t.relay_rcpt.clone(),
                result,
            })
        }
        // AUTH succeeded first: an authenticated client may relay, so the test is not made.
        Some((from, reply))
            if cx.relay_test && t.auth.as_ref().is_some_and(|a| a.result == "ok") =>
        {
            Some(Relay {
                mail_from: from.clone(),
                mail_reply: reply.clone(),
                rcpt_to: RELAY_TO.into(),
                rcpt_reply: None,
                result: "skipped_authenticated",
            })
        }
        _ => None,
    };
    // postmaster@ is owed by the ports where mail arrives from other servers.
    let postmaster = t
        .postmaster_rcpt
        .as_ref()
        .map(|r| (format!("<{}>", cx.postmaster), r.clone()));
    if !cx.submission
        && let Some((addr, r)) = &postmaster
        && r.code >= 500
    {
        f.push(Finding::new(
            FindingId::PostmasterRejected,
            format!("RCPT TO:{addr} refused: {} {}", r.code, r.text),
        ));
    }
    PortReport {
        port: cx.port,
        open: run.open,
        connect_ms: run.connect_ms,
        connect_error: run.connect_error.clone(),
        greeting,
        ehlo,
        tls,
        auth: t.auth.clone(),
        relay,
        vrfy: t.vrfy.clone(),
        vrfy_nobody: t.vrfy_nobody.clone(),
        expn: t.expn.clone(),
        postmaster,
        cut: run.cut.as_ref().map(|c| {
            format!("{c:?} after {}", run.cut_after.as_deref().unwrap_or("")).to_lowercase()
        }),
        commands: t.sent.clone(),
        findings: f,
    }
}

/// Findings about the address itself.
pub(crate) fn address(id: &IdentityFacts, ip: &str) -> Vec<Finding> {
    let mut f = Vec::new();
    match (id.ptr.is_empty(), id.ptr_lookup.as_str()) {
        (true, "nxdomain" | "nodata") => f.push(Finding::new(
            FindingId::NoPtr,
            format!("{ip} has no PTR record"),
        )),
        (true, _) => {} // SERVFAIL or timeout: not known, never condemned
        (false, _) => {
            if id.fcrdns == Some(false) {
                f.push(Finding::new(
                    FindingId::FcrdnsMismatch,
                    format!(
                        "the PTR name {} does not resolve back to {ip}",
                        id.ptr.join(", ")
                    ),
                ));
            }
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ptr: &[&str], lookup: &str, fcrdns: Option<bool>) -> IdentityFacts {
        IdentityFacts {
            ptr: ptr.iter().map(|s| s.to_string()).collect(),
            ptr_lookup: lookup.into(),
            fcrdns,
        }
    }

    #[test]
    fn a_transient_ptr_failure_condemns_nothing() {
        let ids = |f: Vec<Finding>| f.into_iter().map(|f| f.id).collect::<Vec<_>>();
        assert_eq!(
            ids(address(&id(&[], "nxdomain", None), "192.0.2.1")),
            [FindingId::NoPtr]
        );
        assert_eq!(
            ids(address(&id(&[], "nodata", None), "192.0.2.1")),
            [FindingId::NoPtr]
        );
        assert!(address(&id(&[], "servfail", None), "192.0.2.1").is_empty());
        assert!(address(&id(&[], "timeout", None), "192.0.2.1").is_empty());
        assert_eq!(
            ids(address(
                &id(&["mx.example"], "answer", Some(false)),
                "192.0.2.1"
            )),
            [FindingId::FcrdnsMismatch]
        );
        assert!(address(&id(&["mx.example"], "answer", Some(true)), "192.0.2.1").is_empty());
    }
}
