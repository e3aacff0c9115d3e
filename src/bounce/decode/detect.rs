//! What kind of message this is: a bounce by its sender or subject, a notice that reads like a
//! delivery failure, an RFC 3834 auto-reply.

use std::sync::OnceLock;

use mail_parser::Message;

pub(super) fn is_autoreply(msg: &Message<'_>, subject: &str) -> bool {
    let hv = |n: mail_parser::HeaderName<'static>| {
        msg.header_raw(n).map(|v| v.trim().to_ascii_lowercase())
    };
    let s = subject.to_ascii_lowercase();
    if let Some(a) = hv(hname!("Auto-Submitted"))
        && a.starts_with("auto-replied")
    {
        return true;
    }
    hv(hname!("X-Autoreply")).is_some()
        || hv(hname!("X-Autorespond")).is_some()
        || hv(hname!("X-Auto-Response-Suppress")).is_some() && s.starts_with("automatic reply")
        || hv(hname!("Precedence")).is_some_and(|p| p == "auto_reply")
        || s.starts_with("auto:")
        || s.starts_with("automatic reply")
        || s.starts_with("auto-reply")
        || s.starts_with("auto reply")
        || s.starts_with("autoreply")
        || s.contains("out of office")
        || s.contains("out of the office")
        || s.starts_with("vacation")
}

pub(super) fn looks_like_bounce(from: &str, subject: &str) -> bool {
    let f = from.to_ascii_lowercase();
    let s = subject.to_ascii_lowercase();
    f.contains("mailer-daemon")
        || f.contains("postmaster")
        || s.contains("undeliver")
        || s.contains("delivery status")
        || s.contains("delivery failure")
        || s.contains("failure notice")
        || s.contains("returned mail")
        || s.contains("delivery notification")
        || s.contains("mail delivery")
        || s.contains("failed")
        || s.contains("not delivered")
        || s.contains("could not be delivered")
        || s.contains("rejected")
        || s.contains("bounce")
        || localised_undeliverable(&s)
}

/// Exchange's and other MTAs' localised "Undeliverable" subjects (lowercase input).
fn localised_undeliverable(s: &str) -> bool {
    s.is_ascii() && {
        [
            "unzustellbar",
            "non remis",
            "non distribuable",
            "non recapitabile",
            "onbestelbaar",
            "no se puede entregar",
            "imposible de entregar",
            "olevererbart",
            "kan ikke leveres",
            "ikke levert",
            "niedostarczalne",
        ]
        .iter()
        .any(|w| s.contains(w))
    } || [
        "nedoručitelné",
        "não é possível entregar",
        "недоставл",
        "配信不能",
        "配達不能",
        "無法傳遞",
        "无法投递",
    ]
    .iter()
    .any(|w| s.contains(w))
}

/// Whether the notice text reads like a delivery failure.
pub(super) fn notice_says_failure(notice: &str) -> bool {
    let mut end = notice.len().min(4096);
    while !notice.is_char_boundary(end) {
        end -= 1;
    }
    // one case-insensitive scan for all phrases (the same as lowercasing and searching each)
    static AC: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let ac = AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([
                "could not be delivered",
                "couldn't be delivered",
                "undeliver",
                "delivery failed",
                "delivery has failed",
                "not delivered",
                "permanent error",
                "permanent fatal",
                "failed",
                "error",
                "rejected",
                "user unknown",
                "unknown user",
                "no such user",
                "returned mail",
            ])
            .expect("static phrases")
    });
    if ac.is_match(&notice[..end]) {
        return true;
    }
    // localised Exchange headings ("Delivery has failed to these recipients or groups") and
    // notices, only when no English phrase matched (a second automaton keeps the first one's
    // fast ASCII prefilter)
    static LOCAL: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let local = LOCAL.get_or_init(|| {
        // (rarely consulted: the automaton that is cheapest to build)
        aho_corasick::AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::NoncontiguousNFA))
            .ascii_case_insensitive(true)
            .build([
                "ist fehlgeschlagen",
                "konnte nicht zugestellt werden",
                "a échoué",
                "n'a pas pu être remis",
                "error en la entrega",
                "no se pudo entregar",
                "recapito non riuscito",
                "non è stato possibile recapitare",
                "bezorging is mislukt",
                "kon niet worden bezorgd",
                "falha na entrega",
                "leverans misslyckades",
                "не удалось доставить",
                "配信に失敗しました",
                "送信できませんでした",
            ])
            .expect("static phrases")
    });
    local.is_match(&notice[..end])
}
