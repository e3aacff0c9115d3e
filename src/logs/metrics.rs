//! Counters and their rates. Every rate names its denominator (see [`MTA_RATES`] and
//! [`ESP_RATES`]); names match the `.truth.json` files of the project's log generators.

use std::collections::BTreeMap;

use serde::Serialize;

macro_rules! counters {
    ($(#[$sm:meta])* $name:ident { $( $(#[$m:meta])* $f:ident, )* }) => {
        $(#[$sm])*
        #[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
        pub(crate) struct $name {
            $( $(#[$m])* pub $f: u64, )*
        }

        impl $name {
            /// `(name, value)` pairs in output order.
            pub(crate) fn fields(&self) -> Vec<(&'static str, u64)> {
                vec![$((stringify!($f), self.$f)),*]
            }

            /// Add every counter of `o`.
            #[allow(dead_code)]
            pub(crate) fn add(&mut self, o: &Self) {
                $( self.$f += o.$f; )*
            }
        }
    };
}
pub(crate) use counters;

counters! {
    /// Counts from MTA logs (Postfix, Exim, Sendmail), overall or for one row of a table.
    MtaCounts {
        /// Messages injected by a sender (smtpd `client=`, `pickup`, Exim `<=`, Sendmail
        /// `from=`); bounce notices (NDRs) excluded.
        messages,
        /// Recipients with at least one delivery attempt logged.
        recipients,
        /// Recipients whose final status is sent.
        delivered,
        /// Recipients whose final status is bounced (5xx, DNS failure) or expired.
        bounced,
        /// Bounced recipients classified hard (unknown user or domain, moved).
        hard_bounced,
        /// Bounced recipients classified soft (policy, full mailbox, ...).
        soft_bounced,
        /// Bounced recipients refused by the receiving server with a 5xx reply.
        rejected,
        /// Recipients whose last status is deferred at the end of the log.
        deferred_final,
        /// Recipients with at least one deferral.
        deferred_recipients,
        /// Deferral lines (all attempts).
        deferral_events,
        /// Delivered recipients that were deferred first.
        delivered_after_deferral,
        /// Bounced recipients that were deferred first.
        bounced_after_deferral,
        /// Recipients bounced because their message expired in the queue.
        expired,
        /// Messages with at least one deferral.
        deferred_messages,
        /// Messages with at least one bounced recipient.
        bounced_messages,
        /// Bounce notices (non-delivery notifications) the MTA generated.
        ndr_messages,
        /// Deliveries of bounce notices (not counted as `delivered`).
        ndr_deliveries,
        /// Messages handed back by a content filter over loopback (amavis re-injection); the
        /// message was counted when it first arrived.
        reinjected,
        /// Deliveries to a content filter over loopback (not final deliveries).
        filter_handoffs,
        /// Messages removed from the queue (Postfix `removed`, Exim `Completed`).
        removed,
        /// Connections or recipients refused by this server's smtpd (inbound rejects).
        rejected_smtpd,
        /// Warning lines.
        warnings,
        /// Bytes of injected messages.
        bytes_received,
        /// Outbound SMTP connections with TLS.
        tls_connections,
        /// Outbound SMTP connections without TLS.
        plaintext_connections,
    }
}

counters! {
    /// Counts from ESP event exports (SendGrid, Mailgun, SES, Postmark), overall or per row.
    EspCounts {
        /// Send requests: processed + dropped.
        requests,
        /// Messages accepted for delivery (for Postmark, which has no such event: messages
        /// with a final delivery or bounce event).
        processed,
        /// Messages not sent because the address was suppressed.
        dropped,
        /// Messages delivered.
        delivered,
        /// Permanent failures: hard + soft (given up) + blocks.
        bounces,
        /// Bounces for unknown users or domains.
        hard_bounces,
        /// Soft failures the ESP gave up on (mailbox full, ...).
        soft_bounces_final,
        /// Policy, reputation or content blocks.
        blocks,
        /// Deferral events.
        deferred_events,
        /// Messages with at least one deferral.
        deferred_messages,
        /// Open events (all).
        opens_total,
        /// Machine opens (Apple Mail Privacy Protection) where the data says so.
        machine_opens,
        /// Delivered messages with at least one open (machine or human).
        unique_opens,
        /// Delivered messages opened by a person (machine opens excluded).
        unique_opens_human,
        /// Click events.
        clicks_total,
        /// Messages with at least one click.
        unique_clicks,
        /// Spam reports (feedback loops, ARF).
        spamreports,
        /// Unsubscribes (all unsubscribes when the data does not tell group ones apart).
        unsubscribes,
        /// Group (ASM / list) unsubscribes, where the data tells them apart.
        group_unsubscribes,
        /// Events seen twice (same event id, or the same record) and skipped.
        duplicates,
    }
}

counters! {
    /// Counts of mail that came in from remote clients (`mta.inbound`): what a receiving
    /// server sees, kept out of the deliverability figures.
    InboundCounts {
        /// Messages received from remote clients (content-filter copies excluded).
        received,
        /// Bytes of received messages.
        bytes,
        /// Recipients of received messages with at least one delivery attempt.
        recipients,
        /// Recipients delivered to a mailbox here (local, virtual, pipe, LMTP).
        delivered_local,
        /// Recipients relayed on to another host (forwarding, backup MX).
        relayed,
        /// Recipients whose final status is bounced or expired.
        bounced,
        /// Recipients with at least one deferral.
        deferred_recipients,
        /// Deferral lines.
        deferral_events,
        /// Copies handed back by a content filter.
        reinjected,
        /// Hand-offs to a content filter.
        filter_handoffs,
        /// Received bounce notices (null envelope sender).
        bounce_notices,
        /// Received bounce notices addressed to an envelope sender of mail sent from here
        /// (late bounces: the remote server accepted, then bounced).
        late_bounce_notices,
        /// Connections, senders or recipients refused by smtpd/postscreen/cleanup/milters.
        rejected,
        /// `reject_warning` lines (a rule in test mode).
        reject_warnings,
        /// Messages put on hold by a rule.
        held,
        /// Messages discarded by a rule.
        discarded,
        /// Messages redirected by a rule.
        redirected,
        /// Locally submitted messages whose first delivery stayed here (not mail sent).
        internal_messages,
        /// Locally submitted recipients delivered to a mailbox here (not going out).
        internal_delivered,
    }
}

/// A rate: name, numerator, denominator.
pub(crate) type RateDef = (&'static str, &'static str, &'static str);

/// MTA rates and their denominators.
pub(crate) const MTA_RATES: &[RateDef] = &[
    ("delivery_rate", "delivered", "recipients"),
    ("bounce_rate", "bounced", "recipients"),
    ("hard_bounce_rate", "hard_bounced", "recipients"),
    ("soft_bounce_rate", "soft_bounced", "recipients"),
    ("rejection_rate", "rejected", "recipients"),
    ("deferral_rate", "deferred_recipients", "recipients"),
    ("tls_share", "tls_connections", "connections"),
];

/// ESP rates and their denominators.
pub(crate) const ESP_RATES: &[RateDef] = &[
    ("delivery_rate", "delivered", "processed"),
    ("bounce_rate", "bounces", "processed"),
    ("hard_bounce_rate", "hard_bounces", "processed"),
    ("deferral_rate", "deferred_messages", "processed"),
    ("unique_open_rate", "unique_opens", "delivered"),
    ("human_open_rate", "unique_opens_human", "delivered"),
    ("unique_click_rate", "unique_clicks", "delivered"),
    ("click_to_open_rate", "unique_clicks", "unique_opens"),
    ("spam_report_rate", "spamreports", "delivered"),
    (
        "unsubscribe_rate",
        "unsubscribes+group_unsubscribes",
        "delivered",
    ),
];

/// `n / d` rounded to 6 places, ties to even as Python's `round` (0 when `d` is 0).
pub(crate) fn ratio(n: u64, d: u64) -> f64 {
    if d == 0 {
        0.0
    } else {
        ((n as f64 / d as f64) * 1e6).round_ties_even() / 1e6
    }
}

fn value(get: &dyn Fn(&str) -> Option<u64>, expr: &str) -> u64 {
    if expr == "connections" {
        return get("tls_connections").unwrap_or(0) + get("plaintext_connections").unwrap_or(0);
    }
    expr.split('+').map(|p| get(p).unwrap_or(0)).sum()
}

/// One row of a table: its counters (zeros left out unless `all`) and its rates.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Row {
    /// The counters.
    #[serde(flatten)]
    pub counts: BTreeMap<&'static str, u64>,
    /// The rates.
    #[serde(flatten)]
    pub rates: BTreeMap<&'static str, f64>,
    /// Extra text columns (the provider of a domain).
    #[serde(flatten)]
    pub labels: BTreeMap<&'static str, String>,
}

impl Row {
    /// A row from counter pairs and rate definitions (`all`: keep zero counters and rates with
    /// a zero denominator).
    pub fn new(fields: Vec<(&'static str, u64)>, rates: &[RateDef], all: bool) -> Row {
        let map: BTreeMap<&'static str, u64> = fields.iter().copied().collect();
        let get = |k: &str| map.get(k).copied();
        // a rate whose denominator is not counted in this row (hour rows have no recipients)
        // is left out rather than shown as 0
        let rates = rates
            .iter()
            .filter(|(_, _, d)| all || value(&get, d) > 0)
            .map(|(name, n, d)| (*name, ratio(value(&get, n), value(&get, d))))
            .collect();
        Row {
            counts: fields.into_iter().filter(|(_, v)| all || *v != 0).collect(),
            rates,
            labels: BTreeMap::new(),
        }
    }

    /// A counter (0 when absent).
    pub fn count(&self, k: &str) -> u64 {
        self.counts.get(k).copied().unwrap_or(0)
    }

    /// A rate (0 when absent).
    pub fn rate(&self, k: &str) -> f64 {
        self.rates.get(k).copied().unwrap_or(0.0)
    }
}

/// Delay histogram (seconds from arrival to final delivery).
#[derive(Debug, Default, Clone)]
pub(crate) struct Delays {
    /// Counts per bucket of [`DELAY_BUCKETS`] (last bucket: beyond the last bound).
    pub buckets: [u64; 10],
    /// Number of delays.
    pub n: u64,
    /// Sum of delays (seconds).
    pub sum: f64,
    /// Largest delay (seconds).
    pub max: f64,
}

/// Upper bounds (seconds) of the delay buckets.
pub(crate) const DELAY_BUCKETS: [(f64, &str); 9] = [
    (1.0, "<1s"),
    (5.0, "1-5s"),
    (30.0, "5-30s"),
    (60.0, "30s-1m"),
    (300.0, "1-5m"),
    (1800.0, "5-30m"),
    (3600.0, "30m-1h"),
    (21600.0, "1-6h"),
    (86400.0, "6h-1d"),
];

impl Delays {
    /// Record one delay.
    pub(crate) fn add(&mut self, secs: f64) {
        if !secs.is_finite() || secs < 0.0 {
            return;
        }
        let i = DELAY_BUCKETS
            .iter()
            .position(|(b, _)| secs < *b)
            .unwrap_or(DELAY_BUCKETS.len());
        self.buckets[i] += 1;
        self.n += 1;
        self.sum += secs;
        if secs > self.max {
            self.max = secs;
        }
    }

    /// Bucket labels and counts.
    pub(crate) fn table(&self) -> Vec<(&'static str, u64)> {
        let mut v: Vec<_> = DELAY_BUCKETS
            .iter()
            .zip(self.buckets.iter())
            .map(|((_, l), c)| (*l, *c))
            .collect();
        v.push((">=1d", self.buckets[9]));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_rates() {
        let c = MtaCounts {
            recipients: 4,
            delivered: 3,
            bounced: 1,
            tls_connections: 1,
            plaintext_connections: 1,
            ..Default::default()
        };
        let r = Row::new(c.fields(), MTA_RATES, false);
        assert_eq!(r.rate("delivery_rate"), 0.75);
        assert_eq!(r.rate("tls_share"), 0.5);
        assert_eq!(r.count("expired"), 0);
        assert!(!r.counts.contains_key("expired"));
        assert_eq!(ratio(1, 3), 0.333333);
        assert_eq!(ratio(1, 0), 0.0);
        let mut d = Delays::default();
        d.add(0.5);
        d.add(90_000.0);
        assert_eq!(d.buckets[0], 1);
        assert_eq!(d.buckets[9], 1);
    }
}
