//! Differential evidence: the catch-all probe's random local part compared with each refused
//! address of the same domain. The same permanent refusal for both, at the same server, while
//! that server accepted other addresses of the domain, says the address does not exist,
//! whatever the reply's words or codes say. The same refusal with nothing accepted says nothing
//! about the address (it may be about us or the server): it is kept as evidence only.

use std::net::IpAddr;

use super::evidence::Outcome;
use super::verdict;
use crate::model::{Differential, Reason, SmtpEvidence};
use crate::status::EnhancedStatus;

/// A permanent refusal of `RCPT TO` (5yz, not contradicted by a class-4 enhanced code): the
/// only outcomes the differential can decide, held by the scheduler until the domain is done.
pub(crate) fn is_permanent_refusal(ev: &SmtpEvidence) -> bool {
    let Some(code) = ev.code else { return false };
    let e = ev.enhanced_code.as_deref().and_then(EnhancedStatus::parse);
    ev.stage == "rcpt" && (500..600).contains(&code) && !verdict::is_temporary(code, e)
}

/// The refusal's wording without what differs between two recipients: the address and its
/// local part, and every token with a digit in it (queue ids, timestamps, IP addresses).
fn shape(text: &str, addr: &str) -> String {
    let addr = addr.to_lowercase();
    let local = addr.rsplit_once('@').map_or(addr.as_str(), |(l, _)| l);
    let t = text.to_lowercase().replace(&addr, "");
    let mut out = String::new();
    for w in t.split_whitespace() {
        // the local part alone, as a whole token between punctuation
        let core = w.trim_matches(|c: char| !c.is_alphanumeric());
        let w = if !local.is_empty() && core == local {
            w.replacen(local, "", 1)
        } else {
            w.to_owned()
        };
        if w.is_empty() || w.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&w);
    }
    out
}

/// The same permanent refusal from the same server: reply code, enhanced code and wording
/// (up to the addresses and numbers).
pub(crate) fn same_refusal(a: &SmtpEvidence, a_addr: &str, b: &SmtpEvidence, b_addr: &str) -> bool {
    is_permanent_refusal(a)
        && is_permanent_refusal(b)
        && a.ip.is_some()
        && a.ip == b.ip
        && a.code == b.code
        && a.enhanced_code == b.enhanced_code
        && shape(a.message.as_deref().unwrap_or(""), a_addr)
            == shape(b.message.as_deref().unwrap_or(""), b_addr)
}

/// Weigh `o` (a permanent refusal of `addr`) against the random probe's outcome. `accepted`
/// counts the domain's addresses each server accepted in this run.
pub(crate) fn apply(
    addr: &str,
    o: &mut Outcome,
    random: &str,
    probe: &Outcome,
    accepted: impl Fn(IpAddr) -> u32,
) {
    if !same_refusal(&o.evidence, addr, &probe.evidence, random) {
        return;
    }
    let Some(ip) = o.evidence.ip else { return };
    let n = accepted(ip);
    o.evidence.differential = Some(Differential {
        random: random.to_owned(),
        accepted: n,
        reply_reason: o.reason,
    });
    if n > 0 {
        o.reason = Reason::MailboxNotFound;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(msg: &str, ip: [u8; 4]) -> Outcome {
        Outcome {
            reason: Reason::RefusedUnclear,
            evidence: SmtpEvidence {
                ip: Some(IpAddr::from(ip)),
                code: Some(550),
                enhanced_code: Some("5.7.1".into()),
                message: Some(msg.into()),
                stage: "rcpt".into(),
                ..SmtpEvidence::default()
            },
        }
    }

    const RANDOM: &str = "mailsift-nx-0123456789abcdef@d.test";

    #[test]
    fn the_same_refusal_as_a_random_local_part_condemns_only_when_others_were_accepted() {
        let probe = refusal(
            "<mailsift-nx-0123456789abcdef@d.test>: Access denied [id 8F3A2]",
            [127, 0, 0, 1],
        );
        let mut o = refusal("<bob@d.test>: Access denied [id 77B10]", [127, 0, 0, 1]);
        apply("bob@d.test", &mut o, RANDOM, &probe, |_| 2);
        assert_eq!(o.reason, Reason::MailboxNotFound);
        let d = o.evidence.differential.clone().unwrap();
        assert_eq!((d.accepted, d.reply_reason), (2, Reason::RefusedUnclear));
        assert_eq!(d.random, RANDOM);

        // nothing accepted: about us or the server, the reply's reason stands
        let mut o = refusal("<bob@d.test>: Access denied [id 1]", [127, 0, 0, 1]);
        apply("bob@d.test", &mut o, RANDOM, &probe, |_| 0);
        assert_eq!(o.reason, Reason::RefusedUnclear);
        assert_eq!(o.evidence.differential.unwrap().accepted, 0);

        // a different refusal, another server, or a temporary one: no evidence
        for (msg, ip, code) in [
            ("<bob@d.test>: Mailbox disabled", [127, 0, 0, 1], 550),
            ("<bob@d.test>: Access denied [id 1]", [127, 0, 0, 2], 550),
            ("<bob@d.test>: Access denied [id 1]", [127, 0, 0, 1], 450),
        ] {
            let mut o = refusal(msg, ip);
            o.evidence.code = Some(code);
            apply("bob@d.test", &mut o, RANDOM, &probe, |_| 2);
            assert_eq!(o.reason, Reason::RefusedUnclear, "{msg}");
            assert!(o.evidence.differential.is_none());
        }
    }

    #[test]
    fn shape_drops_addresses_local_parts_and_numbers() {
        assert_eq!(
            shape(
                "User BOB unknown <bob@d.test> (10.0.0.1) q=ABC123",
                "bob@d.test"
            ),
            shape(
                "User mailsift-nx-1 unknown <mailsift-nx-1@d.test> (10.0.0.9) q=ZZZ9",
                "mailsift-nx-1@d.test"
            )
        );
        assert_ne!(
            shape("user unknown", "b@d.test"),
            shape("mailbox full", "b@d.test")
        );
    }
}
