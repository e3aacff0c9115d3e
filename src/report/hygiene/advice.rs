//! What to do next: concrete actions derived from the report's figures, most urgent first.

use serde::{Deserialize, Serialize};

use super::figures::{count, many, pct, share};
use super::view::View;

/// One action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Advice {
    /// `now` (before the next send), `next` (soon) or `consider`.
    pub level: String,
    /// What it is about: `undeliverable`, `suppressed`, `typos`, ...
    pub topic: String,
    /// The action, with the figures behind it.
    pub text: String,
}

impl Default for Advice {
    fn default() -> Self {
        Advice {
            level: "consider".into(),
            topic: String::new(),
            text: String::new(),
        }
    }
}

/// The actions the figures call for, most urgent first.
pub(crate) fn advise(v: &View) -> Vec<Advice> {
    if v.rows_in == 0 {
        return vec![Advice {
            level: "now".into(),
            topic: "empty".into(),
            text: "The input has no data rows: there is nothing to judge. Check that the right \
                   file was given, with a header row and one address per row."
                .into(),
        }];
    }
    let mut out: Vec<Advice> = Vec::new();
    let mut say = |level: &str, topic: &str, text: String| {
        out.push(Advice {
            level: level.into(),
            topic: topic.into(),
            text,
        });
    };
    let h = &v.hygiene;
    let rows = v.rows_in;
    let get = |m: &std::collections::BTreeMap<String, u64>, k: &str| m.get(k).copied().unwrap_or(0);

    let undeliverable = get(&v.verdicts, "undeliverable");
    if undeliverable > 0 {
        let rejected = get(&v.rejected_by, "undeliverable");
        let where_ = if rejected >= undeliverable {
            " They are in the rejects file.".to_owned()
        } else if rejected > 0 {
            format!(" {} of them are in the rejects file.", count(rejected))
        } else {
            " They are still in the clean output: add `undeliverable` to --reject.".to_owned()
        };
        say(
            "now",
            "undeliverable",
            format!(
                "Remove {} ({} of the list): mail to them would bounce and count against your \
                 sender reputation.{where_}",
                many(undeliverable, "undeliverable row", "undeliverable rows"),
                pct(share(undeliverable, rows))
            ),
        );
    }
    let malformed = get(&v.rejected_by, "malformed");
    if malformed > 0 {
        say(
            "now",
            "malformed",
            format!(
                "Repair {} in the source file (rows with the wrong number of fields, or an \
                 email cell that is not UTF-8); mailsift_detail in the rejects file says what \
                 is wrong with each.",
                many(malformed, "malformed row", "malformed rows")
            ),
        );
    }
    match &v.suppression {
        Some(s) => {
            let n: u64 = s.rows.values().sum();
            if n > 0 {
                say(
                    "now",
                    "suppressed",
                    format!(
                        "Keep {} out of every send ({} hard bounces, {} complaints, {} \
                         unsubscribes, {} listed): mailing them again is how senders get \
                         blocked.",
                        many(n, "suppressed row", "suppressed rows"),
                        count(get(&s.rows, "hard_bounce")),
                        count(get(&s.rows, "complaint")),
                        count(get(&s.rows, "unsubscribed")),
                        count(get(&s.rows, "listed")),
                    ),
                );
            }
        }
        None => say(
            "next",
            "suppressed",
            "Join your suppression lists: run again with --suppress and the bounce, complaint \
             and unsubscribe exports of your ESP (or `mailsift bounces --suppress` output), so \
             that no address that bounced, complained or unsubscribed is mailed again."
                .into(),
        ),
    }
    let disposable = get(&v.flags, "disposable");
    if disposable > 0 {
        say(
            "next",
            "disposable",
            format!(
                "Block disposable domains at sign-up: {} ({} of the valid ones) at throw-away \
                 mailboxes that stop existing within hours or days.",
                many(disposable, "address", "addresses"),
                pct(h.shares.disposable.share)
            ),
        );
    }
    if h.typos.rows > 0 {
        let top = h
            .typos
            .top
            .first()
            .map(|t| {
                format!(
                    " (most often {} for {}, {})",
                    t.from,
                    t.to,
                    many(t.rows, "row", "rows")
                )
            })
            .unwrap_or_default();
        say(
            "next",
            "typos",
            format!(
                "Correct {} with a likely typo in the domain{top}: confirm them with the \
                 subscribers or fix them where they were typed, and add a \"did you mean\" check \
                 to the sign-up form.",
                many(h.typos.rows, "row", "rows")
            ),
        );
    }
    if h.duplicates.rows > 0 {
        say(
            "next",
            "duplicates",
            format!(
                "Send once per mailbox: {} an earlier one ({} the same address, {} found only \
                 by provider rules such as Gmail ignoring dots and +tags).",
                many(h.duplicates.rows, "row repeats", "rows repeat"),
                count(h.duplicates.same_address),
                count(h.duplicates.provider_rule)
            ),
        );
    }
    let temporary = h.evidence.dns_temporary_rows + h.evidence.smtp_temporary_rows;
    if temporary > 0 {
        say(
            "next",
            "temporary",
            format!(
                "Check {} again later: a temporary DNS or SMTP failure ({} DNS, {} SMTP) left \
                 them unknown, which says nothing against the address.",
                many(temporary, "row", "rows"),
                count(h.evidence.dns_temporary_rows),
                count(h.evidence.smtp_temporary_rows)
            ),
        );
    }
    if let Some(e) = &v.engagement {
        let sunset = get(&e.segments, "inactive") + get(&e.segments, "never_engaged");
        if sunset > 0 {
            say(
                "next",
                "engagement",
                format!(
                    "Sunset {} who stopped engaging or never did ({} inactive, {} never \
                     engaged): send them one re-engagement message, then remove those who do \
                     not respond (--reject inactive,never_engaged).",
                    many(sunset, "subscriber", "subscribers"),
                    count(get(&e.segments, "inactive")),
                    count(get(&e.segments, "never_engaged"))
                ),
            );
        }
        let machine = e.machine_open_share();
        if machine >= 0.2 {
            say(
                "consider",
                "machine_opens",
                format!(
                    "{} of opens are machine opens (Apple Mail Privacy Protection and security \
                     scanners open every message): judge engagement by clicks and human opens, \
                     as the segments here do, not by open rates.",
                    pct(machine)
                ),
            );
        }
    }
    match super::grade::health(v).scope.as_str() {
        "offline" => say(
            "consider",
            "checks",
            "Check the domains and mailboxes: run without --offline to find dead domains and \
             null MX, and with --smtp (and your HELO and MAIL FROM) to find mailboxes that no \
             longer exist."
                .into(),
        ),
        "dns" => say(
            "consider",
            "checks",
            "Ask the mail servers: with --smtp (and your HELO and MAIL FROM) mailboxes that no \
             longer exist are found before they bounce."
                .into(),
        ),
        _ => {}
    }
    if h.evidence.catch_all.rows > 0 {
        say(
            "consider",
            "catch_all",
            format!(
                "{} at {}, whose servers accept any address: they cannot be verified; send \
                 to them in smaller batches and watch the bounces.",
                many(h.evidence.catch_all.rows, "row is", "rows are"),
                many(
                    h.evidence.catch_all.distinct,
                    "catch-all domain",
                    "catch-all domains"
                )
            ),
        );
    }
    let role = get(&v.flags, "role");
    if role > 0 {
        say(
            "consider",
            "role",
            format!(
                "Review {} ({} of the valid ones: info@, sales@, ...): shared inboxes \
                 complain more often; keep them only with a clear opt-in.",
                many(role, "role address", "role addresses"),
                pct(h.shares.role.share)
            ),
        );
    }
    if v.engagement.is_none() {
        say(
            "consider",
            "engagement",
            "Add engagement: with --engagement and your ESP's event export, subscribers who \
             stopped opening and clicking are found (machine opens are not counted as a sign \
             of life)."
                .into(),
        );
    }
    if !out.iter().any(|a| a.level == "now" || a.level == "next") {
        out.insert(
            0,
            Advice {
                level: "now".into(),
                topic: "none".into(),
                text: "Nothing urgent: the figures show no problem to fix before the next send. \
                       Clean the list again before each large send."
                    .into(),
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(v: &View) -> Vec<String> {
        advise(v).into_iter().map(|a| a.topic).collect()
    }

    #[test]
    fn figures_call_for_actions() {
        let mut v = View {
            rows_in: 10,
            ..View::default()
        };
        v.verdicts.insert("undeliverable".into(), 2);
        v.rejected_by.insert("undeliverable".into(), 2);
        v.hygiene.typos.rows = 1;
        let t = topics(&v);
        assert_eq!(t[0], "undeliverable");
        assert!(t.contains(&"typos".to_owned()));
        assert!(
            t.contains(&"suppressed".to_owned()),
            "no --suppress: join lists"
        );
        assert!(t.contains(&"checks".to_owned()), "offline: check domains");
        assert!(!t.contains(&"duplicates".to_owned()));
        let a = advise(&v);
        assert!(
            a[0].text
                .contains("Remove 2 undeliverable rows (20.0% of the list)"),
            "{}",
            a[0].text
        );
        assert!(a[0].text.contains("in the rejects file"));
    }

    #[test]
    fn an_empty_list_says_so() {
        let t = topics(&View::default());
        assert_eq!(t, ["empty"]);
    }

    #[test]
    fn a_clean_list_has_nothing_urgent() {
        let mut v = View {
            rows_in: 10,
            suppression: Some(Default::default()),
            ..View::default()
        };
        v.hygiene.checks.smtp_rows = 10;
        let a = advise(&v);
        assert_eq!(a[0].topic, "none");
        assert_eq!(a[0].level, "now");
    }
}
