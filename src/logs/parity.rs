//! The sections pflogsumm prints, counted while the join runs: traffic per hour (every
//! direction), messages received per client host/domain, senders and recipients by count and
//! size, reject / reject warning / hold / discard detail, SMTP delivery failures, warnings,
//! errors, fatal errors, panics, master daemon messages and smtpd connection statistics.
//! Every keyed table is capped (`MAX_KEYS` keys; the rest under `(other)`), so memory does
//! not grow with the log.

use std::collections::{BTreeMap, HashMap};

use rustc_hash::FxBuildHasher as FxBuild;
use serde::Serialize;

use super::dsn_text::normalize_text;
use super::syslog::Level;

/// Distinct keys kept per table.
pub(crate) const MAX_KEYS: usize = 10_000;
/// Rows the report keeps per table.
pub(crate) const TOP: usize = 50;

super::metrics::counters! {
    /// pflogsumm's traffic columns for one hour or day, every direction together.
    Traffic {
        /// Messages received (any client or pickup; content-filter copies and bounce notices
        /// generated here excluded).
        received,
        /// Recipients delivered (anywhere: remote servers and mailboxes here; hand-offs to a
        /// content filter and bounce notices excluded).
        delivered,
        /// Deferral lines.
        deferred,
        /// Recipients bounced.
        bounced,
        /// Rejects by this server.
        rejected,
    }
}

/// Count and bytes under a key, capped.
#[derive(Debug, Default, Clone)]
pub(crate) struct Capped {
    map: HashMap<Box<str>, (u64, u64), FxBuild>,
}

impl Capped {
    pub(crate) fn add(&mut self, key: &str, n: u64, bytes: u64) {
        let k = if self.map.len() >= MAX_KEYS && !self.map.contains_key(key) {
            "(other)"
        } else {
            key
        };
        if let Some(e) = self.map.get_mut(k) {
            e.0 += n;
            e.1 += bytes;
            return;
        }
        let e = self.map.entry(k.into()).or_default();
        e.0 += n;
        e.1 += bytes;
    }

    /// The biggest rows by count (or by bytes), ties by key.
    fn top(&self, by_bytes: bool) -> Vec<Counted> {
        let mut v: Vec<Counted> = self
            .map
            .iter()
            .map(|(k, (n, b))| Counted {
                key: k.to_string(),
                count: *n,
                bytes: *b,
            })
            .collect();
        if by_bytes {
            v.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.key.cmp(&b.key)));
        } else {
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        }
        v.truncate(TOP);
        v
    }
}

/// One row of a keyed table.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Counted {
    /// The key (host, domain, address, text).
    pub key: String,
    /// Occurrences (messages, connections, lines).
    pub count: u64,
    /// Bytes (0 where the table has none).
    pub bytes: u64,
}

/// Everything counted for the pflogsumm sections.
#[derive(Debug, Default)]
pub(crate) struct Parity {
    /// Per hour (Unix time / 3600).
    pub hours: HashMap<i64, Traffic, FxBuild>,
    /// Messages received per client host.
    pub received_host: Capped,
    /// Messages received per client domain.
    pub received_domain: Capped,
    /// Messages per envelope sender (every direction).
    pub senders: Capped,
    /// Delivered recipients per address (every direction).
    pub recipients: Capped,
    /// Rejects per `stage reason: text`.
    pub rejects: Capped,
    /// Reject warnings per `stage reason: text`.
    pub reject_warnings: Capped,
    /// Holds per text.
    pub holds: Capped,
    /// Discards per text.
    pub discards: Capped,
    /// SMTP client failures per text.
    pub smtp_failures: Capped,
    /// Warnings per `daemon: text`.
    pub warnings: Capped,
    /// Errors per `daemon: text`.
    pub errors: Capped,
    /// Fatal errors per `daemon: text`.
    pub fatals: Capped,
    /// Panics per `daemon: text`.
    pub panics: Capped,
    /// Master daemon messages per text.
    pub master: Capped,
    /// smtpd connections per client host (count, seconds connected).
    pub smtpd_hosts: Capped,
    /// smtpd connections per client domain.
    pub smtpd_domains: Capped,
    /// smtpd connections per hour.
    pub smtpd_hours: HashMap<i64, u64, FxBuild>,
    /// Open smtpd connections: pid -> (start, client host).
    open_conns: HashMap<u32, (i64, Box<str>), FxBuild>,
    /// smtpd connections seen.
    pub smtpd_connections: u64,
    /// Seconds of the connections that closed in the log.
    pub smtpd_seconds: u64,
}

/// The host and domain of a client `host[addr]` (`unknown[addr]`: the address for both).
pub(crate) fn client_host_domain(client: &str) -> (&str, &str) {
    let (host, addr) = match memchr::memchr(b'[', client.as_bytes()) {
        Some(i) => (
            &client[..i],
            client[i + 1..].split(']').next().unwrap_or(""),
        ),
        None => (client, ""),
    };
    if host.is_empty() || host == "unknown" {
        return (addr, addr);
    }
    // the last two labels (three when the second-level label is short: co.uk)
    let b = host.as_bytes();
    let mut cuts = [usize::MAX; 3];
    let mut n = 0;
    for i in (0..b.len()).rev() {
        if b[i] == b'.' {
            cuts[n] = i;
            n += 1;
            if n == 3 {
                break;
            }
        }
    }
    let label = |k: usize| -> usize {
        // length of the k-th label from the right (0 = TLD)
        let end = if k == 0 { b.len() } else { cuts[k - 1] };
        let start = if cuts[k] == usize::MAX {
            0
        } else {
            cuts[k] + 1
        };
        end.saturating_sub(start)
    };
    let keep = if n >= 2 && label(1) <= 3 && label(0) == 2 {
        3
    } else {
        2
    };
    let domain = match cuts.get(keep - 1) {
        Some(&c) if c != usize::MAX => &host[c + 1..],
        _ => host,
    };
    (host, domain)
}

impl Parity {
    pub(crate) fn hour(&mut self, t: i64) -> &mut Traffic {
        self.hours.entry(t.div_euclid(3600)).or_default()
    }

    pub(crate) fn notice(&mut self, level: Level, daemon: &str, text: &str) {
        let key = format!("{daemon}: {}", normalize_text(text));
        let table = match level {
            Level::Warning => &mut self.warnings,
            Level::Error => &mut self.errors,
            Level::Fatal => &mut self.fatals,
            Level::Panic => &mut self.panics,
            Level::Master => &mut self.master,
            Level::SmtpFailure => &mut self.smtp_failures,
        };
        table.add(&key, 1, 0);
    }

    pub(crate) fn connect(&mut self, pid: u32, client: &str, t: i64) {
        self.smtpd_connections += 1;
        *self.smtpd_hours.entry(t.div_euclid(3600)).or_default() += 1;
        let (host, dom) = client_host_domain(client);
        self.smtpd_domains.add(dom, 1, 0);
        if self.open_conns.len() < MAX_KEYS {
            self.open_conns.insert(pid, (t, host.into()));
        } else {
            self.smtpd_hosts.add(host, 1, 0);
        }
    }

    pub(crate) fn disconnect(&mut self, pid: u32, t: i64) {
        if let Some((start, host)) = self.open_conns.remove(&pid) {
            let secs = (t - start).max(0) as u64;
            self.smtpd_seconds += secs;
            // bytes column: seconds connected
            self.smtpd_hosts.add(&host, 1, secs);
        }
    }

    /// Connections still open at the end count with no duration.
    pub(crate) fn finish(&mut self) {
        for (_, (_, host)) in std::mem::take(&mut self.open_conns) {
            self.smtpd_hosts.add(&host, 1, 0);
        }
    }
}

/// The pflogsumm sections of the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ParityReport {
    /// Traffic per day (UTC): received, delivered, deferred, bounced, rejected.
    pub per_day: BTreeMap<String, BTreeMap<&'static str, u64>>,
    /// Traffic per hour (UTC).
    pub per_hour: BTreeMap<String, BTreeMap<&'static str, u64>>,
    /// Messages received per client host (count, bytes).
    pub received_by_host: Vec<Counted>,
    /// Messages received per client domain.
    pub received_by_domain: Vec<Counted>,
    /// Senders by message count (every direction).
    pub senders_by_count: Vec<Counted>,
    /// Senders by message size.
    pub senders_by_size: Vec<Counted>,
    /// Recipients by delivered message count.
    pub recipients_by_count: Vec<Counted>,
    /// Recipients by delivered message size.
    pub recipients_by_size: Vec<Counted>,
    /// Reject detail (`stage reason: text`).
    pub reject_detail: Vec<Counted>,
    /// Reject warning detail.
    pub reject_warning_detail: Vec<Counted>,
    /// Hold detail.
    pub hold_detail: Vec<Counted>,
    /// Discard detail.
    pub discard_detail: Vec<Counted>,
    /// SMTP delivery failures (no reply).
    pub smtp_delivery_failures: Vec<Counted>,
    /// Warnings (`daemon: text`).
    pub warnings: Vec<Counted>,
    /// Errors.
    pub errors: Vec<Counted>,
    /// Fatal errors.
    pub fatal_errors: Vec<Counted>,
    /// Panics.
    pub panics: Vec<Counted>,
    /// Master daemon messages.
    pub master_daemon: Vec<Counted>,
    /// smtpd connections.
    pub smtpd_connections: u64,
    /// Mean smtpd connection time (seconds, connections that closed).
    pub smtpd_mean_seconds: f64,
    /// smtpd connections per client host (count; `bytes` = seconds connected).
    pub smtpd_by_host: Vec<Counted>,
    /// smtpd connections per client domain.
    pub smtpd_by_domain: Vec<Counted>,
    /// smtpd connections per hour.
    pub smtpd_per_hour: BTreeMap<String, u64>,
}

/// Build the report's sections.
pub(crate) fn report(p: &Parity) -> ParityReport {
    use super::time::{day_string, hour_string};
    let mut per_hour = BTreeMap::new();
    let mut days: BTreeMap<String, Traffic> = BTreeMap::new();
    for (h, c) in &p.hours {
        per_hour.insert(hour_string(h * 3600), c.fields().into_iter().collect());
        days.entry(day_string(h * 3600)).or_default().add(c);
    }
    let closed: u64 = p.smtpd_hosts.map.values().map(|v| v.0).sum();
    ParityReport {
        per_day: days
            .into_iter()
            .map(|(k, c)| (k, c.fields().into_iter().collect()))
            .collect(),
        per_hour,
        received_by_host: p.received_host.top(false),
        received_by_domain: p.received_domain.top(false),
        senders_by_count: p.senders.top(false),
        senders_by_size: p.senders.top(true),
        recipients_by_count: p.recipients.top(false),
        recipients_by_size: p.recipients.top(true),
        reject_detail: p.rejects.top(false),
        reject_warning_detail: p.reject_warnings.top(false),
        hold_detail: p.holds.top(false),
        discard_detail: p.discards.top(false),
        smtp_delivery_failures: p.smtp_failures.top(false),
        warnings: p.warnings.top(false),
        errors: p.errors.top(false),
        fatal_errors: p.fatals.top(false),
        panics: p.panics.top(false),
        master_daemon: p.master.top(false),
        smtpd_connections: p.smtpd_connections,
        smtpd_mean_seconds: if closed > 0 {
            (p.smtpd_seconds as f64 / closed as f64 * 100.0).round() / 100.0
        } else {
            0.0
        },
        smtpd_by_host: p.smtpd_hosts.top(false),
        smtpd_by_domain: p.smtpd_domains.top(false),
        smtpd_per_hour: p
            .smtpd_hours
            .iter()
            .map(|(h, n)| (hour_string(h * 3600), *n))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_caps() {
        assert_eq!(
            client_host_domain("mail.example.co.uk[192.0.2.1]"),
            ("mail.example.co.uk", "example.co.uk")
        );
        assert_eq!(
            client_host_domain("a.b.example.com[192.0.2.1]"),
            ("a.b.example.com", "example.com")
        );
        assert_eq!(
            client_host_domain("unknown[192.0.2.1]"),
            ("192.0.2.1", "192.0.2.1")
        );
        assert_eq!(client_host_domain("localhost[127.0.0.1]").1, "localhost");
        let mut c = Capped::default();
        for i in 0..MAX_KEYS + 5 {
            c.add(&format!("k{i}"), 1, 2);
        }
        assert_eq!(c.map.len(), MAX_KEYS + 1);
        assert_eq!(c.map["(other)"], (5, 10));
        let mut p = Parity::default();
        p.connect(1, "h.example.com[192.0.2.1]", 100);
        p.disconnect(1, 130);
        p.connect(2, "h.example.com[192.0.2.1]", 200);
        p.finish();
        let r = report(&p);
        assert_eq!(r.smtpd_connections, 2);
        assert_eq!(r.smtpd_mean_seconds, 15.0);
        assert_eq!(r.smtpd_by_domain[0].count, 2);
    }
}
