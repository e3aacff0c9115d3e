//! Mailbox provider of a recipient domain: known consumer domains first, then the MX host that
//! the log shows the mail going to (so tenant domains hosted by Google Workspace or Microsoft 365
//! are told apart from the consumer services).
//!
//! Names follow the vocabulary of the project's log generators (`google`, `yahoo`, `microsoft`,
//! `microsoft-365`, `google-workspace`, ...). A domain whose MX lies inside the domain itself is
//! `self-hosted`; one with no known MX is `unknown`; any other MX gives `other`.

/// Consumer domains and their provider.
const DOMAINS: &[(&str, &str)] = &[
    ("gmail.com", "google"),
    ("googlemail.com", "google"),
    ("yahoo.com", "yahoo"),
    ("aol.com", "yahoo"),
    ("ymail.com", "yahoo"),
    ("rocketmail.com", "yahoo"),
    ("yahoo.co.uk", "yahoo"),
    ("yahoo.fr", "yahoo"),
    ("att.net", "yahoo"),
    ("sbcglobal.net", "yahoo"),
    ("verizon.net", "yahoo"),
    ("hotmail.com", "microsoft"),
    ("outlook.com", "microsoft"),
    ("live.com", "microsoft"),
    ("msn.com", "microsoft"),
    ("hotmail.co.uk", "microsoft"),
    ("hotmail.fr", "microsoft"),
    ("icloud.com", "apple"),
    ("me.com", "apple"),
    ("mac.com", "apple"),
    ("comcast.net", "comcast"),
    ("cox.net", "cox"),
    ("charter.net", "charter"),
    ("gmx.de", "united-internet"),
    ("gmx.net", "united-internet"),
    ("web.de", "united-internet"),
    ("t-online.de", "t-online"),
    ("orange.fr", "orange"),
    ("free.fr", "free"),
    ("laposte.net", "laposte"),
    ("libero.it", "italiaonline"),
    ("mail.ru", "mailru"),
    ("yandex.ru", "yandex"),
    ("qq.com", "tencent"),
    ("zoho.com", "zoho"),
    ("protonmail.com", "proton"),
    ("proton.me", "proton"),
    ("fastmail.com", "fastmail"),
];

/// MX host suffixes and their provider; the first match wins.
const MX: &[(&str, &str)] = &[
    (".mail.protection.outlook.com", "microsoft-365"),
    (".olc.protection.outlook.com", "microsoft"),
    ("aspmx.l.google.com", "google-workspace"),
    ("googlemail.com", "google-workspace"),
    ("gmail-smtp-in.l.google.com", "google"),
    ("google.com", "google"),
    ("yahoodns.net", "yahoo"),
    ("icloud.com", "apple"),
    ("comcast.net", "comcast"),
    ("cloudfilter.net", "cox"),
    ("mxlogic.net", "charter"),
    ("gmx.net", "united-internet"),
    ("web.de", "united-internet"),
    ("t-online.de", "t-online"),
    ("orange.fr", "orange"),
    ("free.fr", "free"),
    ("laposte.net", "laposte"),
    ("libero.it", "italiaonline"),
    ("mail.ru", "mailru"),
    ("yandex.ru", "yandex"),
    ("yandex.net", "yandex"),
    ("qq.com", "tencent"),
    ("zoho.com", "zoho"),
    ("protonmail.ch", "proton"),
    ("messagingengine.com", "fastmail"),
    ("pphosted.com", "proofpoint"),
    ("mimecast.com", "mimecast"),
];

fn has_suffix(host: &str, suffix: &str) -> bool {
    if let Some(s) = suffix.strip_prefix('.') {
        host.len() > s.len() && host.ends_with(suffix) || host == s
    } else {
        host == suffix
            || host.ends_with(suffix) && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
    }
}

/// The provider of a consumer domain, if it is one.
pub(crate) fn of_domain(domain: &str) -> Option<&'static str> {
    DOMAINS.iter().find(|(d, _)| *d == domain).map(|(_, p)| *p)
}

/// The provider behind an MX host name, if known.
pub(crate) fn of_mx(host: &str) -> Option<&'static str> {
    let host = host.trim_end_matches('.');
    MX.iter()
        .find(|(s, _)| has_suffix(host, s))
        .map(|(_, p)| *p)
}

/// The provider of `domain` given an MX host seen in the log (if any).
pub(crate) fn classify(domain: &str, mx: Option<&str>) -> &'static str {
    if let Some(p) = of_domain(domain) {
        return p;
    }
    match mx {
        Some(h) => {
            let h = h.trim_end_matches('.');
            of_mx(h).unwrap_or_else(|| {
                if has_suffix(h, &format!(".{domain}")) {
                    "self-hosted"
                } else {
                    "other"
                }
            })
        }
        None => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers() {
        assert_eq!(classify("gmail.com", None), "google");
        assert_eq!(
            classify("acme.example", Some("aspmx.l.google.com")),
            "google-workspace"
        );
        assert_eq!(
            classify(
                "acme.example",
                Some("acme-example.mail.protection.outlook.com")
            ),
            "microsoft-365"
        );
        assert_eq!(
            classify("acme.example", Some("mx1.acme.example.")),
            "self-hosted"
        );
        assert_eq!(classify("acme.example", Some("mx.other.example")), "other");
        assert_eq!(classify("acme.example", None), "unknown");
        assert_eq!(of_mx("notgoogle.com"), None);
    }
}
