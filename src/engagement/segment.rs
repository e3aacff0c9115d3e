//! Engagement segments relative to a date: `active`, `lapsing`, `inactive`, `never_engaged`,
//! `new`, `unknown`, by the rules `--as-of`, `--active-days`, `--inactive-days`, `--min-sends`,
//! `--new-days` (written into the summary).

use serde::Serialize;

use super::tally::AddressTally;

/// An address's engagement segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    /// A human open or click within `active_days`.
    Active,
    /// The last human open or click within `inactive_days`; or older, but fewer than
    /// `min_sends` sends since (not enough mail to call it inactive).
    Lapsing,
    /// No human open or click within `inactive_days`, and at least `min_sends` sends since the
    /// last one.
    Inactive,
    /// No human open or click ever (machine opens do not count), at least `min_sends` sends.
    NeverEngaged,
    /// First send or opt-in within `new_days`, no human engagement yet.
    New,
    /// No data for the address (or too little: no engagement, fewer than `min_sends` sends,
    /// not new).
    Unknown,
}

impl Segment {
    /// Every segment, in the order of the summary.
    pub const ALL: [Segment; 6] = [
        Segment::Active,
        Segment::Lapsing,
        Segment::Inactive,
        Segment::NeverEngaged,
        Segment::New,
        Segment::Unknown,
    ];

    /// The name written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Segment::Active => "active",
            Segment::Lapsing => "lapsing",
            Segment::Inactive => "inactive",
            Segment::NeverEngaged => "never_engaged",
            Segment::New => "new",
            Segment::Unknown => "unknown",
        }
    }
}

/// The segmentation rules. `as_of` is Unix seconds (`None` until resolved: the latest event
/// time of the data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// The date segments are relative to (`None`: the latest event time).
    pub as_of: Option<i64>,
    /// Days within which a human open or click makes an address active.
    pub active_days: u32,
    /// Days after which an address without human engagement may be inactive.
    pub inactive_days: u32,
    /// Sends needed (since the last engagement, or ever) to call an address inactive or never
    /// engaged.
    pub min_sends: u32,
    /// Days within which a first send or opt-in makes an unengaged address new.
    pub new_days: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            as_of: None,
            active_days: 90,
            inactive_days: 180,
            min_sends: 5,
            new_days: 30,
        }
    }
}

/// The rules as written in the summary.
#[derive(Debug, Clone, Serialize)]
pub struct RulesReport {
    /// RFC 3339 UTC (`null` when there was no event at all and no `--as-of`).
    pub as_of: Option<String>,
    /// `--active-days`.
    pub active_days: u32,
    /// `--inactive-days`.
    pub inactive_days: u32,
    /// `--min-sends`.
    pub min_sends: u32,
    /// `--new-days`.
    pub new_days: u32,
}

/// The segment of an address with counts `a` (`None`: no data) at `as_of`.
pub(crate) fn segment(a: Option<&AddressTally>, r: &Rules, as_of: i64) -> Segment {
    let Some(a) = a else {
        return Segment::Unknown;
    };
    let within = |t: u32, days: u32| t != 0 && as_of - i64::from(t) <= i64::from(days) * 86_400;
    let last = a.last_engaged();
    if last != 0 {
        return if within(last, r.active_days) {
            Segment::Active
        } else if within(last, r.inactive_days) || a.since < r.min_sends {
            Segment::Lapsing
        } else {
            Segment::Inactive
        };
    }
    if within(a.first_send, r.new_days) || within(a.opt_in, r.new_days) {
        Segment::New
    } else if a.sends >= r.min_sends {
        Segment::NeverEngaged
    } else {
        Segment::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::super::event::{Act, OpenEvidence};
    use super::super::machine_open::Proxy;
    use super::*;

    const DAY: i64 = 86_400;
    const NOW: i64 = 1000 * DAY;

    fn tally(events: &[(i64, Act)]) -> AddressTally {
        let mut a = AddressTally::default();
        for &(t, act) in events {
            a.apply(NOW - t * DAY, act);
        }
        a
    }

    fn seg(events: &[(i64, Act)]) -> Segment {
        segment(Some(&tally(events)), &Rules::default(), NOW)
    }

    #[test]
    fn the_rules() {
        let open = Act::Open(OpenEvidence::default());
        let apple = Act::Open(OpenEvidence {
            vendor_machine: None,
            proxy: Some(Proxy::Apple),
        });
        let sends = |days: &[i64]| days.iter().map(|&d| (d, Act::Send)).collect::<Vec<_>>();
        assert_eq!(segment(None, &Rules::default(), NOW), Segment::Unknown);
        let mut e = sends(&[100, 80]);
        e.push((89, Act::Click));
        assert_eq!(seg(&e), Segment::Active);
        e = sends(&[100]);
        e.push((91, open));
        assert_eq!(seg(&e), Segment::Lapsing);
        e = sends(&[300, 170, 160, 150, 140, 130]);
        e.push((200, open));
        assert_eq!(seg(&e), Segment::Inactive);
        e = sends(&[300, 170, 160, 150]);
        e.push((200, open));
        assert_eq!(
            seg(&e),
            Segment::Lapsing,
            "too few sends since to be inactive"
        );
        // machine opens are never a sign of life
        e = sends(&[300, 250, 200, 150, 100]);
        e.extend([(299, apple), (99, apple), (1, apple)]);
        assert_eq!(seg(&e), Segment::NeverEngaged);
        e = sends(&[20, 10, 5, 3, 2, 1]);
        assert_eq!(seg(&e), Segment::New);
        assert_eq!(seg(&[(10, Act::OptIn)]), Segment::New);
        assert_eq!(seg(&[(100, Act::OptIn)]), Segment::Unknown);
        assert_eq!(seg(&sends(&[200, 100])), Segment::Unknown);
    }
}
