//! The report: every table of `mailsift logs`, assembled from the joins, serialisable as the
//! stable JSON schema ([`SCHEMA_VERSION`]).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::events::EspJoin;
use super::inbound::InboundReport;
use super::join::Join;
use super::late::LateSummary;
use super::metrics::{ESP_RATES, EspCounts, MTA_RATES, MtaCounts, Row};
use super::parity::ParityReport;
use super::provider;
use super::scorecard::Check;
use super::tally::{Signal, TextCount};
use super::time::{day_string, hour_string};

/// Version of the JSON schema; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;
/// How many DSN texts the top lists keep.
pub(crate) const TOP_TEXTS: usize = 20;

/// One input file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InputSummary {
    /// Path as given.
    pub file: String,
    /// Detected or forced format.
    pub format: String,
    /// Lines (or records) read.
    pub lines: u64,
    /// Lines not understood.
    pub unparsed: u64,
    /// Why the file could not be read, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Things that went wrong in the input, none of them fatal.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Problems {
    /// Lines not understood, in total.
    pub unparsed_lines: u64,
    /// Lines not understood, per program (syslog tag, `exim`, `json`, ...).
    pub unparsed_by_program: BTreeMap<String, u64>,
    /// Up to five unparsed lines (raw; print them through `terminal_safe`).
    pub unparsed_examples: Vec<String>,
    /// Messages still in the queue at the end of the input (log cut mid-way, or still deferred).
    pub open_queue_ids: u64,
    /// The first 100 of them, sorted.
    pub open_queue_id_sample: Vec<String>,
    /// Lines logged earlier than the line before them in the same file.
    pub out_of_order_lines: u64,
    /// Lines about queue ids that were never seen arriving.
    pub lines_for_unknown_queue_ids: u64,
    /// Files that could not be read.
    pub errors: Vec<String>,
}

/// One normalised DSN text.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TextRow {
    /// The text, numbers masked.
    pub text: String,
    /// Its enhanced status code.
    pub dsn: String,
    /// Occurrences.
    pub count: u64,
}

/// Delivery delays.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DelayReport {
    /// Delivered recipients with a logged delay.
    pub count: u64,
    /// Mean delay (seconds).
    pub mean_seconds: f64,
    /// Largest delay (seconds).
    pub max_seconds: f64,
    /// Histogram.
    pub buckets: Vec<(String, u64)>,
}

/// Evidence for one scorecard signal.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SignalReport {
    /// Attempts affected.
    pub count: u64,
    /// Recipients affected.
    pub recipients: u64,
    /// Per code.
    pub codes: BTreeMap<String, u64>,
    /// Per mailbox provider.
    pub by_provider: BTreeMap<String, u64>,
    /// Top recipient domains.
    pub top_domains: Vec<(String, u64)>,
    /// First text seen.
    pub example: String,
}

/// Tables from MTA logs.
#[derive(Debug, Clone, Serialize)]
pub struct MtaReport {
    /// First event (UTC, ISO 8601).
    pub first: String,
    /// Last event.
    pub last: String,
    /// Totals with every counter and rate.
    pub totals: Row,
    /// Per recipient domain (with its `provider`).
    pub by_domain: BTreeMap<String, Row>,
    /// Per mailbox provider.
    pub by_provider: BTreeMap<String, Row>,
    /// Per campaign (the `+tag` of the envelope sender, or the sender).
    pub by_campaign: BTreeMap<String, Row>,
    /// Per envelope sender.
    pub by_sender: BTreeMap<String, Row>,
    /// Per hour (UTC): messages at injection, outcomes when they happened.
    pub by_hour: BTreeMap<String, Row>,
    /// Per day (UTC).
    pub by_day: BTreeMap<String, Row>,
    /// Bounces per enhanced status code.
    pub bounce_dsn: BTreeMap<String, u64>,
    /// Deferrals per enhanced status code.
    pub deferral_dsn: BTreeMap<String, u64>,
    /// Bounces per reason (shared classifier with `mailsift bounces`).
    pub bounce_reasons: BTreeMap<String, u64>,
    /// Deferrals per reason.
    pub deferral_reasons: BTreeMap<String, u64>,
    /// Most frequent bounce texts.
    pub top_bounce_texts: Vec<TextRow>,
    /// Most frequent deferral texts.
    pub top_deferral_texts: Vec<TextRow>,
    /// Delivery delays.
    pub delays: DelayReport,
    /// Authentication rejections.
    pub auth_rejections: SignalReport,
    /// Rate-limit deferrals.
    pub rate_limits: SignalReport,
    /// Mail received from remote clients, and what this server refused.
    pub inbound: InboundReport,
    /// The sections pflogsumm prints (every direction together).
    pub sections: ParityReport,
    /// Late bounces from `--bounces`: what was decoded and matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub late_bounces: Option<LateSummary>,
    /// The totals with late bounces applied (delivered recipients that bounced afterwards
    /// count as bounced); `totals` is the log's view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconciled: Option<Row>,
}

/// Tables from ESP event exports.
#[derive(Debug, Clone, Serialize)]
pub struct EspReport {
    /// Events per ESP.
    pub flavors: BTreeMap<String, u64>,
    /// `processed` derived from final events (Postmark has no such event).
    pub processed_derived: bool,
    /// Totals.
    pub totals: Row,
    /// Per recipient domain.
    pub by_domain: BTreeMap<String, Row>,
    /// Per mailbox provider.
    pub by_provider: BTreeMap<String, Row>,
    /// Per campaign.
    pub by_campaign: BTreeMap<String, Row>,
    /// Per day of the message's first event.
    pub by_day: BTreeMap<String, Row>,
    /// Per hour of the message's first event.
    pub by_hour: BTreeMap<String, Row>,
    /// Drop reasons.
    pub drop_reasons: BTreeMap<String, u64>,
    /// Most frequent bounce texts.
    pub top_bounce_texts: Vec<TextRow>,
    /// Authentication rejections.
    pub auth_rejections: SignalReport,
    /// Rate-limit deferrals.
    pub rate_limits: SignalReport,
}

/// ARF complaint reports.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ArfReport {
    /// Reports read.
    pub reports: u64,
    /// Per feedback type.
    pub by_type: BTreeMap<String, u64>,
    /// Per complaining recipient's domain.
    pub by_domain: BTreeMap<String, u64>,
    /// Per mailbox provider.
    pub by_provider: BTreeMap<String, u64>,
    /// Per reporter.
    pub by_reporter: BTreeMap<String, u64>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Schema version.
    pub schema_version: u32,
    /// The tool and version.
    pub generator: String,
    /// Inputs.
    pub inputs: Vec<InputSummary>,
    /// MTA log tables, when MTA logs were read.
    pub mta: Option<MtaReport>,
    /// ESP tables, when ESP events were read.
    pub esp: Option<EspReport>,
    /// ARF complaint reports, when some were read.
    pub complaints: Option<ArfReport>,
    /// The sender-requirements scorecard.
    pub scorecard: Vec<Check>,
    /// Input problems.
    pub problems: Problems,
    /// What each counter means and each rate's denominator.
    pub definitions: BTreeMap<&'static str, &'static str>,
}

/// Definitions printed with every report.
pub(crate) fn definitions() -> BTreeMap<&'static str, &'static str> {
    [
        ("messages", "MTA: messages injected by a sender (smtpd client=, pickup, Exim <=, Sendmail from=); bounce notices excluded"),
        ("recipients", "MTA: recipients with at least one delivery attempt"),
        ("delivered", "recipients (MTA) or messages (ESP) whose final status is delivered"),
        ("bounced", "MTA: recipients whose final status is bounced or expired; hard = unknown user/domain/moved, soft = the rest"),
        ("rejected", "MTA: bounced recipients refused with a 5xx reply by the receiving server"),
        ("deferred_final", "MTA: recipients still deferred at the end of the log"),
        ("deferred_recipients", "MTA: recipients with >= 1 deferral; deferral_events counts every deferral line"),
        ("ndr_messages", "MTA: bounce notices generated (postfix/bounce, Exim <= <> R=, Sendmail DSN); their deliveries are ndr_deliveries, never delivered"),
        ("reinjected", "MTA: messages handed back by a content filter over loopback (client=localhost); not new messages. filter_handoffs: deliveries to such a filter, not final deliveries"),
        ("tls_share", "TLS connections / outbound connections"),
        ("processed", "ESP: messages accepted for delivery (Postmark: messages with a final event)"),
        ("bounces", "ESP: permanent failures = hard_bounces + soft_bounces_final + blocks"),
        ("unique_opens", "ESP: delivered messages with >= 1 open; unique_opens_human excludes machine (Apple MPP) opens"),
        ("mta rates", "delivery, bounce, hard/soft bounce, rejection and deferral rates are / recipients"),
        ("esp rates", "delivery/bounce/deferral rates / processed; open/click/spam/unsubscribe rates / delivered; click_to_open = unique_clicks / unique_opens"),
        ("provider", "mailbox provider: consumer domain table, else the MX host seen in the log (self-hosted: MX inside the domain; unknown: no MX seen; other)"),
        ("campaign", "MTA: the +tag of the envelope sender's local part, or the sender; ESP: campaign name, tag or category"),
        ("direction", "MTA: totals and tables count mail submitted here (pickup, SASL, loopback, --mynetworks, a client whose mail is relayed out) going to remote servers; mail from remote clients is mta.inbound; a content filter's copy takes its original's direction"),
        ("inbound", "MTA: mail received from remote clients: received, delivered_local (local, virtual, pipe, LMTP), relayed, bounce_notices (null sender), late_bounce_notices (to a sender of mail sent here), rejected by stage and reason, reject_warnings, held, discarded"),
        ("late_bounced", "MTA: delivered recipients that bounced after acceptance, from the notices given with --bounces; mta.reconciled is mta.totals with them counted as bounced"),
        ("sections", "MTA: pflogsumm's sections, every direction together; unlike pflogsumm, filter copies are not counted as received, hand-offs to a filter and bounce notices not as delivered, and recipients are recipients, not to= lines"),
    ]
    .into_iter()
    .collect()
}

fn mta_row(c: &MtaCounts) -> Row {
    Row::new(c.fields(), MTA_RATES, false)
}

fn esp_row(c: &EspCounts) -> Row {
    Row::new(c.fields(), ESP_RATES, false)
}

fn top_texts(m: &HashMap<String, TextCount>) -> Vec<TextRow> {
    let mut v: Vec<TextRow> = m
        .iter()
        .map(|(k, t)| TextRow {
            text: k.clone(),
            dsn: t.dsn.clone(),
            count: t.count,
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
    v.truncate(TOP_TEXTS);
    v
}

fn signal(s: &Signal, names: &[Box<str>], providers: &[&'static str]) -> SignalReport {
    let mut by_provider = BTreeMap::new();
    let mut doms: Vec<(String, u64)> = Vec::new();
    for (d, n) in &s.domains {
        *by_provider
            .entry(providers[*d as usize].to_string())
            .or_default() += n;
        doms.push((names[*d as usize].to_string(), *n));
    }
    doms.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    doms.truncate(10);
    SignalReport {
        count: s.count,
        recipients: s.recipients,
        codes: s.codes.clone(),
        by_provider,
        top_domains: doms,
        example: s.example.clone(),
    }
}

/// The campaign of an envelope sender: its `+tag`, or the sender itself.
pub(crate) fn campaign_of(sender: &str) -> &str {
    if let Some((local, _)) = sender.rsplit_once('@')
        && let Some((_, tag)) = local.split_once('+')
        && !tag.is_empty()
    {
        return tag;
    }
    sender
}

/// Build the MTA tables.
pub(crate) fn mta_report(j: &Join) -> MtaReport {
    let tally = &j.tally;
    let providers: Vec<&'static str> = tally
        .domain_names
        .iter()
        .zip(&tally.domains)
        .map(|(n, d)| provider::classify(n, d.mx.as_deref()))
        .collect();
    let mut by_domain = BTreeMap::new();
    let mut prov: BTreeMap<&str, MtaCounts> = BTreeMap::new();
    for ((n, d), p) in tally
        .domain_names
        .iter()
        .zip(&tally.domains)
        .zip(&providers)
    {
        let mut r = mta_row(&d.counts);
        r.labels.insert("provider", p.to_string());
        by_domain.insert(n.to_string(), r);
        prov.entry(p).or_default().add(&d.counts);
    }
    let mut campaigns: BTreeMap<&str, MtaCounts> = BTreeMap::new();
    let mut by_sender = BTreeMap::new();
    for (n, c) in tally.sender_names.iter().zip(&tally.senders) {
        if c == &MtaCounts::default() {
            continue;
        }
        by_sender.insert(n.to_string(), mta_row(c));
        campaigns.entry(campaign_of(n)).or_default().add(c);
    }
    let mut hours: Vec<(&i64, &MtaCounts)> = tally.hours.iter().collect();
    hours.sort_by_key(|x| *x.0);
    let mut days: BTreeMap<String, MtaCounts> = BTreeMap::new();
    let mut by_hour = BTreeMap::new();
    for (h, c) in hours {
        by_hour.insert(hour_string(h * 3600), mta_row(c));
        days.entry(day_string(h * 3600)).or_default().add(c);
    }
    let (first, last) = j.span.unwrap_or((0, 0));
    let iso = |t: i64| {
        let (y, m, d) = super::time::civil_from_days(t.div_euclid(86400));
        let s = t.rem_euclid(86400);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    };
    let delays = DelayReport {
        count: tally.delays.n,
        mean_seconds: if tally.delays.n > 0 {
            (tally.delays.sum / tally.delays.n as f64 * 1000.0).round() / 1000.0
        } else {
            0.0
        },
        max_seconds: tally.delays.max,
        buckets: tally
            .delays
            .table()
            .into_iter()
            .map(|(l, c)| (l.to_string(), c))
            .collect(),
    };
    let strmap =
        |m: &BTreeMap<&'static str, u64>| m.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    // late bounces: the reconciled totals, and a `late_bounced` column in the tables
    let mut reconciled = None;
    let mut by_provider: BTreeMap<String, Row> = prov
        .iter()
        .map(|(k, c)| (k.to_string(), mta_row(c)))
        .collect();
    let mut by_campaign: BTreeMap<String, Row> = campaigns
        .iter()
        .map(|(k, c)| (k.to_string(), mta_row(c)))
        .collect();
    if j.late.active() {
        let mut t = tally.totals;
        let mut late = 0;
        for (dom, sender, hard, _) in j.late.matched() {
            late += 1;
            t.delivered = t.delivered.saturating_sub(1);
            t.bounced += 1;
            if hard {
                t.hard_bounced += 1;
            } else {
                t.soft_bounced += 1;
            }
            let bump = |table: &mut BTreeMap<String, Row>, key: &str| {
                if let Some(r) = table.get_mut(key) {
                    *r.counts.entry("late_bounced").or_default() += 1;
                }
            };
            bump(&mut by_domain, &tally.domain_names[dom as usize]);
            bump(&mut by_provider, providers[dom as usize]);
            if let Some(s) = sender {
                bump(
                    &mut by_campaign,
                    campaign_of(&tally.sender_names[s as usize]),
                );
            }
        }
        let mut row = Row::new(t.fields(), MTA_RATES, true);
        row.counts.insert("late_bounced", late);
        reconciled = Some(row);
    }
    MtaReport {
        first: iso(first),
        last: iso(last),
        totals: Row::new(tally.totals.fields(), MTA_RATES, true),
        by_domain,
        by_provider,
        by_campaign,
        by_sender,
        by_hour,
        by_day: days.iter().map(|(k, c)| (k.clone(), mta_row(c))).collect(),
        bounce_dsn: tally.bounce_dsn.clone(),
        deferral_dsn: tally.deferral_dsn.clone(),
        bounce_reasons: strmap(&tally.bounce_reasons),
        deferral_reasons: strmap(&tally.deferral_reasons),
        top_bounce_texts: top_texts(&tally.bounce_texts),
        top_deferral_texts: top_texts(&tally.deferral_texts),
        delays,
        auth_rejections: signal(&tally.auth, &tally.domain_names, &providers),
        rate_limits: signal(&tally.rate_limits, &tally.domain_names, &providers),
        inbound: super::inbound::report(&j.inbound),
        sections: super::parity::report(&j.parity),
        late_bounces: j.late.active().then(|| j.late.summary()),
        reconciled,
    }
}

/// Provider of a domain seen only in ESP data (no MX known): consumer table or `other`.
pub(crate) fn esp_provider(domain: &str) -> &'static str {
    provider::of_domain(domain).unwrap_or("other")
}

/// Build the ESP tables.
pub(crate) fn esp_report(j: &EspJoin) -> EspReport {
    let providers: Vec<&'static str> = j.domain_names.iter().map(|d| esp_provider(d)).collect();
    let mut prov: BTreeMap<&str, EspCounts> = BTreeMap::new();
    let mut by_domain = BTreeMap::new();
    for ((n, c), p) in j.domain_names.iter().zip(&j.domains).zip(&providers) {
        let mut r = esp_row(c);
        r.labels.insert("provider", p.to_string());
        by_domain.insert(n.to_string(), r);
        prov.entry(p).or_default().add(c);
    }
    let mut days: BTreeMap<String, EspCounts> = BTreeMap::new();
    let mut by_hour = BTreeMap::new();
    for (h, c) in &j.hours {
        by_hour.insert(hour_string(h * 3600), esp_row(c));
        days.entry(day_string(h * 3600)).or_default().add(c);
    }
    EspReport {
        flavors: j.flavors.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        processed_derived: j.processed_derived(),
        totals: Row::new(j.totals.fields(), ESP_RATES, true),
        by_domain,
        by_provider: prov
            .iter()
            .map(|(k, c)| (k.to_string(), esp_row(c)))
            .collect(),
        by_campaign: j
            .campaign_names
            .iter()
            .zip(&j.campaigns)
            .map(|(n, c)| (n.to_string(), esp_row(c)))
            .collect(),
        by_day: days.iter().map(|(k, c)| (k.clone(), esp_row(c))).collect(),
        by_hour,
        drop_reasons: j.drop_reasons.clone(),
        top_bounce_texts: top_texts(&j.bounce_texts),
        auth_rejections: signal(&j.auth, &j.domain_names, &providers),
        rate_limits: signal(&j.rate_limits, &j.domain_names, &providers),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaigns() {
        assert_eq!(campaign_of("bounces+c001-x@news.example"), "c001-x");
        assert_eq!(campaign_of("no-reply@example"), "no-reply@example");
        assert_eq!(campaign_of("<>"), "<>");
    }
}
