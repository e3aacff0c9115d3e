//! The list's health: one grade, A to F, from the share of rows that would hurt a send, with
//! its definition (written on the page beside it).

use serde::{Deserialize, Serialize};

use super::view::View;

/// The grade's upper bounds on the problem share: below 2 % is A, below 5 % B, below 10 % C,
/// below 20 % D, the rest F.
pub(crate) const BOUNDS: [(&str, f64); 4] = [("A", 0.02), ("B", 0.05), ("C", 0.10), ("D", 0.20)];

/// What the grade counts, for the page.
pub(crate) const DEFINITION: &str = "The grade is the share of rows that would hurt a send: rows \
    judged undeliverable (bad syntax, a dead domain, a null MX, a mailbox the server says does \
    not exist), malformed rows, addresses at disposable domains, and addresses on a \
    suppression list (hard bounces, complaints, unsubscribes). Each row counts once. \
    A: under 2 %, B: under 5 %, C: under 10 %, D: under 20 %, F: 20 % or more. Mailbox \
    providers start to filter or refuse a sender whose hard bounces pass about 2 % of a send.";

/// The health of the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Health {
    /// `A` to `F`; `n/a` for an empty list.
    pub grade: String,
    /// Rows with a problem the grade counts.
    pub problem_rows: u64,
    /// Rows in.
    pub rows: u64,
    /// `problem_rows / rows` (0 for an empty list).
    pub problem_share: f64,
    /// What was checked: `offline` (syntax and lists), `dns` or `smtp`.
    pub scope: String,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            grade: "n/a".into(),
            problem_rows: 0,
            rows: 0,
            problem_share: 0.0,
            scope: "offline".into(),
        }
    }
}

/// The grade for a problem share.
pub(crate) fn letter(share: f64) -> &'static str {
    BOUNDS
        .iter()
        .find(|(_, bound)| share < *bound)
        .map_or("F", |(l, _)| l)
}

/// The health of the list the report describes.
pub(crate) fn health(v: &View) -> Health {
    let h = &v.hygiene;
    let rows = v.rows_in;
    let problem_rows = h.problem_rows.min(rows);
    let problem_share = if rows == 0 {
        0.0
    } else {
        problem_rows as f64 / rows as f64
    };
    let scope = if h.checks.smtp_rows > 0 {
        "smtp"
    } else if h.checks.dns_rows > 0 {
        "dns"
    } else {
        "offline"
    };
    Health {
        grade: if rows == 0 {
            "n/a".into()
        } else {
            letter(problem_share).into()
        },
        problem_rows,
        rows,
        problem_share,
        scope: scope.into(),
    }
}

/// What the scope means for the grade, for the page.
pub(crate) fn scope_note(scope: &str) -> &'static str {
    match scope {
        "smtp" => "Checked: syntax, reference lists, DNS and the mail servers (SMTP probe).",
        "dns" => {
            "Checked: syntax, reference lists and DNS. Mailboxes were not asked (no --smtp), so \
             mailboxes that no longer exist at working domains are not counted."
        }
        _ => {
            "Checked offline: syntax and reference lists only. Dead domains and missing \
             mailboxes are not counted; run without --offline (and with --smtp) for a grade \
             that includes them."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(letter(0.0), "A");
        assert_eq!(letter(0.0199), "A");
        assert_eq!(letter(0.02), "B");
        assert_eq!(letter(0.0499), "B");
        assert_eq!(letter(0.05), "C");
        assert_eq!(letter(0.10), "D");
        assert_eq!(letter(0.1999), "D");
        assert_eq!(letter(0.20), "F");
        assert_eq!(letter(1.0), "F");
    }

    #[test]
    fn empty_list_has_no_grade() {
        let v = View::default();
        assert_eq!(health(&v).grade, "n/a");
    }

    #[test]
    fn grade_from_problem_rows_and_scope() {
        let mut v = View {
            rows_in: 100,
            ..View::default()
        };
        v.hygiene.problem_rows = 7;
        v.hygiene.checks.dns_rows = 90;
        let h = health(&v);
        assert_eq!((h.grade.as_str(), h.scope.as_str()), ("C", "dns"));
        assert!((h.problem_share - 0.07).abs() < 1e-12);
    }
}
