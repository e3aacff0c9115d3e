//! What is counted per address (by the hash of the canonical key `clean` and `--suppress`
//! use): sends, human and machine opens, clicks, the last human open and click, sends since
//! the last human engagement, the first send and the opt-in. Compact (68 bytes an address):
//! memory grows with distinct addresses, never with events.

use rustc_hash::FxHashMap;

use super::event::Act;
use super::machine_open;

/// A 128-bit key hash.
pub(crate) type Key = (u64, u64);

/// How many of the latest send times an address keeps (for timing evidence and for sends
/// since the last engagement when events come out of time order).
pub(crate) const RECENT: usize = 8;

/// One address's counts. Times are Unix seconds as `u32` (0: none; clamped to 1..=u32::MAX).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AddressTally {
    pub(crate) sends: u32,
    pub(crate) human_opens: u32,
    pub(crate) machine_opens: u32,
    pub(crate) clicks: u32,
    pub(crate) last_human_open: u32,
    pub(crate) last_click: u32,
    /// Sends after the last human engagement.
    pub(crate) since: u32,
    pub(crate) first_send: u32,
    pub(crate) opt_in: u32,
    /// The latest send times, newest first (0: empty slot).
    recent: [u32; RECENT],
}

fn clamp(t: i64) -> u32 {
    t.clamp(1, i64::from(u32::MAX)) as u32
}

impl AddressTally {
    /// The last human engagement (open or click), 0 if none.
    pub(crate) fn last_engaged(&self) -> u32 {
        self.last_human_open.max(self.last_click)
    }

    /// Sends after `t` among the recent ones (exact when fewer than [`RECENT`]).
    fn recent_after(&self, t: u32) -> u32 {
        self.recent.iter().filter(|&&s| s > t).count() as u32
    }

    /// Count one event. Returns whether an open was a machine's.
    pub(crate) fn apply(&mut self, time: i64, act: Act) -> bool {
        let t = clamp(time);
        match act {
            Act::Send => {
                self.sends = self.sends.saturating_add(1);
                if self.first_send == 0 || t < self.first_send {
                    self.first_send = t;
                }
                if t > self.last_engaged() {
                    self.since = self.since.saturating_add(1);
                }
                // keep the newest RECENT send times, newest first
                if let Some(i) = self.recent.iter().position(|&s| s < t) {
                    self.recent.copy_within(i..RECENT - 1, i + 1);
                    self.recent[i] = t;
                }
                false
            }
            Act::Open(ev) => {
                let since_delivery = self
                    .recent
                    .iter()
                    .filter(|&&s| s != 0 && s <= t)
                    .max()
                    .map(|&s| i64::from(t) - i64::from(s));
                if machine_open::is_machine(ev, since_delivery) {
                    self.machine_opens = self.machine_opens.saturating_add(1);
                    return true;
                }
                self.human_opens = self.human_opens.saturating_add(1);
                self.engaged(t);
                self.last_human_open = self.last_human_open.max(t);
                false
            }
            Act::Click => {
                self.clicks = self.clicks.saturating_add(1);
                self.engaged(t);
                self.last_click = self.last_click.max(t);
                false
            }
            Act::OptIn => {
                self.opt_in = self.opt_in.max(t);
                false
            }
        }
    }

    /// A human engagement at `t`: sends since it are those after `t`. In time order none are;
    /// out of order, the recent send times say how many (exact below [`RECENT`]; at or above
    /// it, the count before this engagement is kept as the best bound).
    fn engaged(&mut self, t: u32) {
        if t <= self.last_engaged() {
            return;
        }
        let after = self.recent_after(t);
        if after < RECENT as u32 {
            self.since = after;
        } else {
            self.since = self.since.max(RECENT as u32);
        }
    }
}

/// Every address's counts, and the totals.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) map: FxHashMap<Key, AddressTally>,
    pub(crate) sends: u64,
    pub(crate) human_opens: u64,
    pub(crate) machine_opens: u64,
    pub(crate) clicks: u64,
    /// The latest event time seen (0: none).
    pub(crate) latest: i64,
}

impl Tally {
    /// Count one event of the address with key hash `key`.
    pub(crate) fn add(&mut self, key: Key, time: i64, act: Act) {
        let a = self.map.entry(key).or_default();
        let machine = a.apply(time, act);
        match act {
            Act::Send => self.sends += 1,
            Act::Open(_) if machine => self.machine_opens += 1,
            Act::Open(_) => self.human_opens += 1,
            Act::Click => self.clicks += 1,
            Act::OptIn => {}
        }
        self.latest = self.latest.max(time);
    }
}

#[cfg(test)]
mod tests {
    use super::super::event::OpenEvidence;
    use super::super::machine_open::Proxy;
    use super::*;

    const HUMAN: Act = Act::Open(OpenEvidence {
        vendor_machine: None,
        proxy: None,
    });
    const APPLE: Act = Act::Open(OpenEvidence {
        vendor_machine: None,
        proxy: Some(Proxy::Apple),
    });
    const GMAIL: Act = Act::Open(OpenEvidence {
        vendor_machine: None,
        proxy: Some(Proxy::Google),
    });

    #[test]
    fn in_order_counts() {
        let mut a = AddressTally::default();
        for (t, act) in [
            (100, Act::Send),
            (101, APPLE),
            (200, HUMAN),
            (300, Act::Send),
            (305, GMAIL), // within seconds of the delivery: a prefetch
            (400, Act::Send),
            (5000, GMAIL), // a person opening Gmail
            (6000, Act::Send),
            (7000, Act::Send),
        ] {
            a.apply(t, act);
        }
        assert_eq!(
            (a.sends, a.human_opens, a.machine_opens, a.clicks),
            (5, 2, 2, 0)
        );
        assert_eq!((a.last_human_open, a.since, a.first_send), (5000, 2, 100));
    }

    #[test]
    fn sends_since_out_of_order() {
        // all sends first (one file), then the opens (another file)
        let mut a = AddressTally::default();
        for t in [100, 200, 300, 400, 500] {
            a.apply(t, Act::Send);
        }
        assert_eq!(a.since, 5);
        a.apply(250, HUMAN);
        assert_eq!(a.since, 3);
        a.apply(150, Act::Click); // older than the last engagement: changes nothing
        assert_eq!(a.since, 3);
        a.apply(450, Act::Click);
        assert_eq!((a.since, a.last_click, a.last_engaged()), (1, 450, 450));
        // a late send before the last engagement does not count as "since"
        a.apply(420, Act::Send);
        assert_eq!((a.since, a.sends), (1, 6));
    }
}
