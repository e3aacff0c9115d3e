//! The sender-requirements scorecard (Gmail/Yahoo bulk-sender rules of 2024, Outlook 2025):
//! complaint rate, bounce rate, authentication rejections, rate-limit deferrals. Each check is
//! pass, warn, fail, or n/a (no data), with the figures it rests on.

use serde::Serialize;

use super::report::{EspReport, MtaReport, SignalReport};

/// Complaint rate thresholds (spam reports / delivered).
pub(crate) const COMPLAINT_WARN: f64 = 0.001;
/// Complaint rate failure threshold.
pub(crate) const COMPLAINT_FAIL: f64 = 0.003;
/// Bounce rate thresholds (bounced / recipients or processed).
pub(crate) const BOUNCE_WARN: f64 = 0.02;
/// Bounce rate failure threshold.
pub(crate) const BOUNCE_FAIL: f64 = 0.05;
/// Authentication rejections: any is a warning; this share of recipients fails.
pub(crate) const AUTH_FAIL: f64 = 0.001;
/// Rate-limit deferrals: any is a warning; this share of recipients fails.
pub(crate) const RATE_FAIL: f64 = 0.01;

/// Result of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Within the requirement.
    Pass,
    /// Close to the limit, or isolated failures.
    Warn,
    /// Over the limit.
    Fail,
    /// Not measurable from the given inputs.
    #[serde(rename = "n/a")]
    NotApplicable,
}

impl Status {
    /// Lowercase label.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::NotApplicable => "n/a",
        }
    }
}

/// One check.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Stable identifier (`complaint_rate`, `bounce_rate`, `auth_rejections`, `rate_limits`).
    pub id: &'static str,
    /// Where the figures come from (`mta`, `esp`, `mta+arf`).
    pub source: &'static str,
    /// Outcome.
    pub status: Status,
    /// The measured value (a rate), when there is one.
    pub value: Option<f64>,
    /// Numerator and denominator of the value.
    pub numerator: u64,
    /// Denominator.
    pub denominator: u64,
    /// Warning threshold.
    pub warn_at: f64,
    /// Failure threshold.
    pub fail_at: f64,
    /// Human-readable evidence.
    pub evidence: String,
}

fn grade(value: f64, warn: f64, fail: f64) -> Status {
    if value >= fail {
        Status::Fail
    } else if value >= warn {
        Status::Warn
    } else {
        Status::Pass
    }
}

fn rate_check(
    id: &'static str,
    source: &'static str,
    n: u64,
    d: u64,
    warn: f64,
    fail: f64,
    what: &str,
) -> Check {
    if d == 0 {
        return Check {
            id,
            source,
            status: Status::NotApplicable,
            value: None,
            numerator: n,
            denominator: d,
            warn_at: warn,
            fail_at: fail,
            evidence: format!("no {what} denominator in the data"),
        };
    }
    let v = n as f64 / d as f64;
    Check {
        id,
        source,
        status: grade(v, warn, fail),
        value: Some(super::metrics::ratio(n, d)),
        numerator: n,
        denominator: d,
        warn_at: warn,
        fail_at: fail,
        evidence: format!(
            "{n} / {d} = {:.3}% (warn at {:.1}%, fail at {:.1}%)",
            v * 100.0,
            warn * 100.0,
            fail * 100.0
        ),
    }
}

fn signal_check(
    id: &'static str,
    source: &'static str,
    s: &SignalReport,
    denom: u64,
    fail: f64,
    what: &str,
) -> Check {
    let mut c = rate_check(
        id,
        source,
        s.recipients,
        denom,
        f64::MIN_POSITIVE,
        fail,
        "recipient",
    );
    if c.status == Status::NotApplicable {
        return c;
    }
    c.warn_at = 0.0;
    if s.count == 0 {
        c.status = Status::Pass;
        c.evidence = format!("no {what} in {denom} recipients");
        return c;
    }
    let codes: Vec<String> = s.codes.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    let provs: Vec<String> = s
        .by_provider
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    c.evidence = format!(
        "{} {what} ({} recipients of {denom}); codes {}; providers {}; e.g. \"{}\"",
        s.count,
        s.recipients,
        codes.join(", "),
        provs.join(", "),
        s.example
    );
    c
}

/// Build the scorecard from what the report holds. `arf_complaints`: abuse reports from ARF
/// inputs, added to the complaint numerator.
pub(crate) fn build(
    mta: Option<&MtaReport>,
    esp: Option<&EspReport>,
    arf_complaints: u64,
) -> Vec<Check> {
    let mut out = Vec::new();
    // complaint rate
    if let Some(e) = esp {
        out.push(rate_check(
            "complaint_rate",
            if arf_complaints > 0 { "esp+arf" } else { "esp" },
            e.totals.count("spamreports") + arf_complaints,
            e.totals.count("delivered"),
            COMPLAINT_WARN,
            COMPLAINT_FAIL,
            "delivered",
        ));
    } else if let Some(m) = mta {
        let mut c = rate_check(
            "complaint_rate",
            "mta+arf",
            arf_complaints,
            m.totals.count("delivered"),
            COMPLAINT_WARN,
            COMPLAINT_FAIL,
            "delivered",
        );
        if arf_complaints == 0 {
            c.status = Status::NotApplicable;
            c.evidence = "MTA logs carry no complaints; add ARF reports or ESP events (Gmail reports complaints only in Postmaster Tools)".into();
        }
        out.push(c);
    } else {
        out.push(rate_check(
            "complaint_rate",
            "arf",
            arf_complaints,
            0,
            COMPLAINT_WARN,
            COMPLAINT_FAIL,
            "delivered",
        ));
    }
    let mut sources = Vec::new();
    if let Some(m) = mta {
        let t = &m.totals;
        sources.push((
            "mta",
            t.count("bounced"),
            t.count("recipients"),
            "recipient",
            &m.auth_rejections,
            &m.rate_limits,
        ));
    }
    if let Some(e) = esp {
        let t = &e.totals;
        sources.push((
            "esp",
            t.count("bounces"),
            t.count("processed"),
            "processed",
            &e.auth_rejections,
            &e.rate_limits,
        ));
    }
    for (source, bounced, denom, what, auth, rate) in sources {
        out.push(rate_check(
            "bounce_rate",
            source,
            bounced,
            denom,
            BOUNCE_WARN,
            BOUNCE_FAIL,
            what,
        ));
        out.push(signal_check(
            "auth_rejections",
            source,
            auth,
            denom,
            AUTH_FAIL,
            "authentication rejections (5.7.26, 5.7.515, 4.7.32)",
        ));
        out.push(signal_check(
            "rate_limits",
            source,
            rate,
            denom,
            RATE_FAIL,
            "rate-limit deferrals (4.7.28, TSS04)",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades() {
        assert_eq!(grade(0.0009, COMPLAINT_WARN, COMPLAINT_FAIL), Status::Pass);
        assert_eq!(grade(0.001, COMPLAINT_WARN, COMPLAINT_FAIL), Status::Warn);
        assert_eq!(grade(0.003, COMPLAINT_WARN, COMPLAINT_FAIL), Status::Fail);
        assert_eq!(
            rate_check("x", "mta", 1, 0, 0.1, 0.2, "r").status,
            Status::NotApplicable
        );
        assert_eq!(
            rate_check("x", "mta", 6, 100, BOUNCE_WARN, BOUNCE_FAIL, "r").status,
            Status::Fail
        );
    }
}
