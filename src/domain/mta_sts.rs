//! MTA-STS (RFC 8461): the `_mta-sts` TXT record, the policy fetched from
//! `https://mta-sts.<domain>/.well-known/mta-sts.txt` (through [`PolicyFetch`]: status, content
//! type, no redirects), its fields (`version`, `mode`, `mx`, `max_age`) and every real MX host
//! matched against the policy's `mx` patterns.

use std::net::IpAddr;

use serde::Serialize;

use super::answers::{Recorder, transient};
use super::finding::{Finding, Severity};
use super::policy_record::PolicyRecord;
use super::tag_list::TagList;
use crate::dns::records::{Lookup, RType, Rr};

/// What a policy fetch gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyResponse {
    /// An HTTP response arrived over verified TLS.
    Fetched {
        /// The status code.
        status: u16,
        /// The `Content-Type` header.
        content_type: Option<String>,
        /// The body.
        body: Vec<u8>,
    },
    /// The fetch failed; `transient` when it may work later (timeout, refused connection).
    Failed {
        /// True for timeouts and connection failures, false for certificate and protocol errors.
        transient: bool,
        /// What went wrong.
        message: String,
    },
}

/// Who fetches the policy (HTTPS in the driver, a fake in tests).
pub trait PolicyFetch {
    /// GET `/.well-known/mta-sts.txt` from `host` at one of `addrs`.
    fn fetch(&mut self, host: &str, addrs: &[IpAddr]) -> PolicyResponse;
}

/// The parsed policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// `version`.
    pub version: Option<String>,
    /// `mode`: `enforce`, `testing`, `none`.
    pub mode: Option<String>,
    /// `mx` patterns.
    pub mx: Vec<String>,
    /// `max_age` in seconds.
    pub max_age: Option<u64>,
}

/// One MX host against the patterns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MxMatch {
    /// The MX host.
    pub host: String,
    /// The first pattern that matches it.
    pub pattern: Option<String>,
}

/// The MTA-STS section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MtaStsSection {
    /// The TXT record.
    pub record: Option<String>,
    /// Its `id`.
    pub id: Option<String>,
    /// The policy URL.
    pub policy_url: Option<String>,
    /// The HTTP status.
    pub status: Option<u16>,
    /// The content type.
    pub content_type: Option<String>,
    /// The policy text (as received, when it is text).
    pub policy_text: Option<String>,
    /// The parsed policy.
    pub policy: Option<Policy>,
    /// Each MX host against the patterns.
    pub mx_matches: Vec<MxMatch>,
    /// What was found.
    pub findings: Vec<Finding>,
}

/// Check the record and, when there is one, the policy.
pub(crate) fn check(
    dns: &mut Recorder<'_>,
    fetch: &mut dyn PolicyFetch,
    domain: &str,
    mx_hosts: &[String],
) -> MtaStsSection {
    let mut s = MtaStsSection::default();
    let name = format!("_mta-sts.{domain}");
    let rule = PolicyRecord {
        label: "MTA-STS",
        version: "STSv1",
        codes: [
            "mta_sts_unknown",
            "mta_sts_missing",
            "mta_sts_multiple_records",
        ],
        missing_means: ": senders may deliver without TLS",
        several_means: "; senders ignore MTA-STS",
    };
    let record = match rule.find(dns, &name, is_sts) {
        Ok(r) => r,
        Err(f) => {
            s.findings.push(f);
            return s;
        }
    };
    let tags = TagList::parse(&record);
    s.record = Some(record.clone());
    s.id = tags.get("id").map(str::to_string);
    let id_ok = s.id.as_deref().is_some_and(|id| {
        (1..=32).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric())
    });
    if !id_ok {
        s.findings.push(Finding::new(
            Severity::Error,
            "mta_sts_bad_id",
            "the record's id must be 1 to 32 letters and digits",
        ));
    }
    let host = format!("mta-sts.{domain}");
    s.policy_url = Some(format!("https://{host}/.well-known/mta-sts.txt"));
    let mut addrs = Vec::new();
    let mut lookup_failed = None;
    for rtype in [RType::A, RType::Aaaa] {
        match dns.lookup(&host, rtype) {
            Lookup::Answer(rrs) => addrs.extend(rrs.iter().filter_map(|r| match r {
                Rr::A(a) => Some(IpAddr::V4(*a)),
                Rr::Aaaa(a) => Some(IpAddr::V6(*a)),
                _ => None,
            })),
            l if transient(&l) => lookup_failed = Some(Severity::Unknown),
            _ => {}
        }
    }
    if addrs.is_empty() {
        let sev = lookup_failed.unwrap_or(Severity::Error);
        s.findings.push(Finding::new(
            sev,
            "mta_sts_policy_host",
            format!("{host} has no address: the policy cannot be fetched"),
        ));
        return s;
    }
    match fetch.fetch(&host, &addrs) {
        PolicyResponse::Failed { transient, message } => s.findings.push(Finding::new(
            if transient {
                Severity::Unknown
            } else {
                Severity::Error
            },
            "mta_sts_fetch",
            format!("fetching the policy: {message}"),
        )),
        PolicyResponse::Fetched {
            status,
            content_type,
            body,
        } => {
            s.status = Some(status);
            s.content_type = content_type.clone();
            if status != 200 {
                let what = if (300..400).contains(&status) {
                    "a redirect, which RFC 8461 forbids following"
                } else {
                    "not 200"
                };
                s.findings.push(Finding::new(
                    if status >= 500 {
                        Severity::Unknown
                    } else {
                        Severity::Error
                    },
                    "mta_sts_http_status",
                    format!("the policy URL answered HTTP {status}: {what}"),
                ));
                return s;
            }
            let plain = content_type.as_deref().is_some_and(|c| {
                c.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/plain"))
            });
            if !plain {
                s.findings.push(Finding::new(
                    Severity::Error,
                    "mta_sts_content_type",
                    format!(
                        "the policy's content type is {:?}, not text/plain",
                        content_type.unwrap_or_default()
                    ),
                ));
            }
            let text = String::from_utf8_lossy(&body).into_owned();
            let policy = parse_policy(&text, &mut s.findings);
            s.mx_matches = mx_hosts
                .iter()
                .map(|h| MxMatch {
                    host: h.clone(),
                    pattern: policy.mx.iter().find(|p| matches(p, h)).cloned(),
                })
                .collect();
            if policy.mode.as_deref() != Some("none") {
                for m in s.mx_matches.iter().filter(|m| m.pattern.is_none()) {
                    s.findings.push(Finding::new(
                        Severity::Error,
                        "mta_sts_mx_mismatch",
                        format!(
                            "MX host {} matches no mx pattern of the policy: senders enforcing it will not deliver there",
                            m.host
                        ),
                    ));
                }
            }
            s.policy_text = Some(text);
            s.policy = Some(policy);
        }
    }
    s
}

fn is_sts(t: &str) -> bool {
    TagList::parse(t)
        .first()
        .is_some_and(|(t, v)| t == "v" && v == "STSv1")
}

/// Parse the policy body (`key: value` lines, CRLF or LF) and note what is wrong.
pub(crate) fn parse_policy(text: &str, f: &mut Vec<Finding>) -> Policy {
    let mut p = Policy::default();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            f.push(Finding::new(
                Severity::Error,
                "mta_sts_policy_syntax",
                format!("policy line {line:?} is not key: value"),
            ));
            continue;
        };
        let v = v.trim().to_string();
        match k.trim() {
            "version" => p.version = Some(v),
            "mode" => p.mode = Some(v),
            "mx" => p.mx.push(v.to_ascii_lowercase()),
            "max_age" => match v.parse::<u64>() {
                Ok(n) if n <= 31_557_600 => p.max_age = Some(n),
                _ => f.push(Finding::new(
                    Severity::Error,
                    "mta_sts_policy_syntax",
                    format!("max_age {v} is not 0 to 31557600"),
                )),
            },
            _ => {}
        }
    }
    if p.version.as_deref() != Some("STSv1") {
        f.push(Finding::new(
            Severity::Error,
            "mta_sts_policy_syntax",
            "the policy's version is not STSv1",
        ));
    }
    match p.mode.as_deref() {
        Some("enforce") => {}
        Some("testing") => f.push(Finding::new(
            Severity::Info,
            "mta_sts_testing",
            "mode testing: failures are reported (TLS-RPT) but mail is still delivered",
        )),
        Some("none") => f.push(Finding::new(
            Severity::Info,
            "mta_sts_none",
            "mode none: the policy is withdrawn",
        )),
        other => f.push(Finding::new(
            Severity::Error,
            "mta_sts_policy_syntax",
            format!(
                "mode {:?} is not enforce, testing or none",
                other.unwrap_or("")
            ),
        )),
    }
    if p.max_age.is_none() {
        f.push(Finding::new(
            Severity::Error,
            "mta_sts_policy_syntax",
            "the policy has no max_age",
        ));
    }
    if p.mx.is_empty() && p.mode.as_deref() != Some("none") {
        f.push(Finding::new(
            Severity::Error,
            "mta_sts_policy_syntax",
            "the policy has no mx pattern",
        ));
    }
    p
}

/// RFC 8461 4.1: a pattern matches the host exactly, or `*.rest` matches one label then `rest`.
pub(crate) fn matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(rest) => host
            .split_once('.')
            .is_some_and(|(first, tail)| !first.is_empty() && tail == rest),
        None => host == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::super::answers::fake::FakeDns;
    use super::*;

    struct Canned(PolicyResponse, Vec<String>);

    impl PolicyFetch for Canned {
        fn fetch(&mut self, host: &str, _addrs: &[IpAddr]) -> PolicyResponse {
            self.1.push(host.to_string());
            self.0.clone()
        }
    }

    const ZONE: &str = "_mta-sts.example.com. TXT \"v=STSv1; id=20240101T000000Z;\"\n\
                        mta-sts.example.com. A 192.0.2.1\n";

    fn run(zone: &str, resp: PolicyResponse, mx: &[&str]) -> (MtaStsSection, Vec<String>) {
        let mut dns = FakeDns::new(zone);
        let mut r = Recorder::new(&mut dns);
        let mut f = Canned(resp, Vec::new());
        let mx: Vec<String> = mx.iter().map(|s| s.to_string()).collect();
        let s = check(&mut r, &mut f, "example.com", &mx);
        (s, f.1)
    }

    fn ok(body: &str) -> PolicyResponse {
        PolicyResponse::Fetched {
            status: 200,
            content_type: Some("text/plain; charset=utf-8".into()),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn patterns_match_one_label() {
        assert!(matches("*.example.com", "mx1.example.com"));
        assert!(!matches("*.example.com", "a.b.example.com"));
        assert!(!matches("*.example.com", "example.com"));
        assert!(matches("mx.example.com", "MX.example.com."));
    }

    #[test]
    fn a_good_policy_covers_every_mx() {
        let (s, asked) = run(
            ZONE,
            ok("version: STSv1\r\nmode: enforce\r\nmx: *.example.com\r\nmax_age: 86400\r\n"),
            &["mx1.example.com", "mx2.example.com"],
        );
        assert_eq!(asked, ["mta-sts.example.com"]);
        assert!(s.findings.is_empty(), "{:?}", s.findings);
        assert_eq!(s.policy.unwrap().mode.as_deref(), Some("enforce"));
        assert_eq!(s.mx_matches[1].pattern.as_deref(), Some("*.example.com"));
    }

    #[test]
    fn wrong_type_unmatched_mx_and_redirects_are_errors() {
        let (s, _) = run(
            ZONE,
            PolicyResponse::Fetched {
                status: 200,
                content_type: Some("text/html".into()),
                body: b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 60\n"
                    .to_vec(),
            },
            &["mx.other.example"],
        );
        let codes: Vec<_> = s.findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["mta_sts_content_type", "mta_sts_mx_mismatch"]);
        let (s, _) = run(
            ZONE,
            PolicyResponse::Fetched {
                status: 301,
                content_type: None,
                body: vec![],
            },
            &[],
        );
        assert_eq!(s.findings[0].code, "mta_sts_http_status");
        assert_eq!(s.findings[0].severity, Severity::Error);
    }

    #[test]
    fn no_record_no_host_and_transient_failures() {
        let (s, asked) = run("", ok(""), &[]);
        assert!(asked.is_empty());
        assert_eq!(s.findings[0].code, "mta_sts_missing");
        let (s, asked) = run("_mta-sts.example.com. TXT \"v=STSv1; id=1\"\n", ok(""), &[]);
        assert!(asked.is_empty());
        assert_eq!(s.findings[0].code, "mta_sts_policy_host");
        let (s, _) = run(
            ZONE,
            PolicyResponse::Failed {
                transient: true,
                message: "timed out".into(),
            },
            &[],
        );
        assert_eq!(s.findings[0].severity, Severity::Unknown);
    }
}
