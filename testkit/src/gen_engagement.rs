//! Deterministic generator of engagement test data with the truth per address: a contact list,
//! a Mailchimp member export, SendGrid suppression exports (bounces, spam reports,
//! unsubscribes) and event streams (SendGrid, Mailgun, SES, Postmark, Klaviyo-style and
//! generic CSV) made of campaigns: deliveries, human opens (desktop clients, Gmail's image
//! proxy hours later), machine opens (Apple Mail Privacy Protection for Apple Mail users,
//! prefetches within seconds of delivery), clicks, tags. Used by the `engagement_cli`
//! integration tests (committed small samples in `tests/data/engagement/`) and by the
//! `gen_engagement` example for benchmarks:
//!
//! ```text
//! cargo run --release --example gen_engagement -- DIR 1000000 --campaigns 12 --sendgrid-only
//! ```
//!
//! The truth (`truth.csv`) is computed here from the generated events with what the
//! generator knows (which open was a machine's), by the rules of `clean --engagement` with
//! their defaults (`active_days` 90, `inactive_days` 180, `min_sends` 5, `new_days` 30) at
//! [`Config::as_of`].

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::civil::day_string;
use crate::gen_list::Rng;

const DAY: i64 = 86_400;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Config {
    /// Addresses on the list.
    pub addresses: usize,
    /// The seed: the same config always gives the same bytes.
    pub seed: u64,
    /// The date the truth's segments are relative to (Unix seconds; pass it as `--as-of`).
    pub as_of: i64,
    /// Campaigns sent, the last one `campaign_days` before `as_of`.
    pub campaigns: usize,
    /// Days between campaigns (at least 4: opens follow their delivery within 3 days).
    pub campaign_days: i64,
    /// Write every event stream to `sendgrid.jsonl` (for benchmarks) instead of spreading the
    /// addresses over the six formats.
    pub sendgrid_only: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addresses: 300,
            seed: 17,
            // 2026-06-01T00:00:00Z
            as_of: 1_780_272_000,
            campaigns: 26,
            campaign_days: 14,
            sendgrid_only: false,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Addresses on the list.
    pub addresses: u64,
    /// Event records written to the streams (sends, opens, clicks and skipped kinds).
    pub events: u64,
    /// Sends (deliveries), human opens, machine opens, clicks.
    pub sends: u64,
    pub human_opens: u64,
    pub machine_opens: u64,
    pub clicks: u64,
}

/// How an address behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persona {
    /// Opens and clicks throughout.
    Engaged,
    /// Engaged until a cutoff, silent since.
    Fading,
    /// Receives, never engages (Apple Mail users still produce machine opens).
    Never,
    /// Joined within the last 25 days.
    New,
    /// In the member export only (opted in, never mailed).
    OptInOnly,
    /// One to three sends long ago.
    Sparse,
    /// No data anywhere.
    NoData,
}

const DOMAINS: [&str; 10] = [
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "icloud.com",
    "gmx.de",
    "posteo.de",
    "web.de",
    "fastmail.com",
];
const FIRST: [&str; 12] = [
    "anna", "ben", "clara", "david", "emma", "felix", "greta", "hugo", "ida", "jonas", "lena",
    "max",
];
const LAST: [&str; 8] = [
    "smith", "meyer", "garcia", "kowalski", "rossi", "dubois", "jensen", "novak",
];
const TAGS: [&str; 4] = ["newsletter", "promo", "product-update", "digest"];

const UA_DESKTOP: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";
const UA_GMAIL: &str =
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)";
const UA_APPLE: &str = "Mozilla/5.0";

/// Who opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opener {
    /// A person in a desktop client.
    Desktop,
    /// A person in Gmail (through Google's image proxy).
    Gmail,
    /// Apple Mail Privacy Protection.
    Apple,
    /// Google's proxy within seconds of delivery (a prefetch).
    Prefetch,
}

impl Opener {
    fn machine(self) -> bool {
        matches!(self, Opener::Apple | Opener::Prefetch)
    }
    fn ua(self) -> &'static str {
        match self {
            Opener::Desktop => UA_DESKTOP,
            Opener::Gmail | Opener::Prefetch => UA_GMAIL,
            Opener::Apple => UA_APPLE,
        }
    }
    fn ip(self, r: u64) -> String {
        match self {
            Opener::Desktop => format!("198.51.100.{}", r % 250 + 1),
            Opener::Gmail | Opener::Prefetch => format!("66.102.{}.{}", r % 8, r % 200 + 1),
            Opener::Apple => format!("17.{}.{}.{}", r % 200, (r >> 8) % 250, (r >> 16) % 250 + 1),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Ev {
    Send,
    Open(Opener),
    Click,
    /// A kind the readers skip (processed, deferred).
    Other,
}

/// One address's plan and running truth.
#[derive(Debug, Clone)]
struct Addr {
    persona: Persona,
    domain: &'static str,
    apple: bool,
    /// Index of the first campaign received.
    join: usize,
    /// Fading: no engagement after this time.
    cutoff: i64,
    opt_in: i64,
    stream: u8,
    /// Events use the Gmail provider-rule variant of the list address.
    variant: bool,
    suppressed: Option<&'static str>,
    // truth
    sends: u32,
    human: u32,
    machine: u32,
    clicks: u32,
    last_engaged: i64,
    since: u32,
    first_send: i64,
}

/// The list form of address `i`.
fn list_email(i: usize, domain: &str) -> String {
    format!(
        "{}.{}{}@{domain}",
        FIRST[i % FIRST.len()],
        LAST[(i / FIRST.len()) % LAST.len()],
        i
    )
}

/// The form events and suppressions use: the list form, or for a variant a Gmail
/// provider-rule equivalent (dots dropped, a +tag, googlemail.com, upper case).
fn event_email(i: usize, a: &Addr) -> String {
    let l = list_email(i, a.domain);
    if !a.variant {
        return l;
    }
    let (local, _) = l.split_once('@').unwrap_or((&l, ""));
    match i % 3 {
        0 => format!("{}@gmail.com", local.replace('.', "")),
        1 => format!("{}+news@googlemail.com", local.replace('.', "")),
        _ => format!("{}+{}@GMail.com", local.to_uppercase(), i % 7),
    }
}

fn iso(t: i64) -> String {
    let s = t.rem_euclid(DAY);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        day_string(t),
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn spaced(t: i64) -> String {
    let s = t.rem_euclid(DAY);
    format!(
        "{} {:02}:{:02}:{:02}",
        day_string(t),
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

const STREAMS: [&str; 6] = [
    "sendgrid.jsonl",
    "mailgun.jsonl",
    "ses.jsonl",
    "postmark.jsonl",
    "klaviyo.csv",
    "events.csv",
];

/// Write one event to stream `s`.
fn write_event(
    w: &mut dyn Write,
    s: u8,
    email: &str,
    t: i64,
    ev: Ev,
    tag: &str,
    r: u64,
) -> io::Result<()> {
    match s {
        0 => {
            let (name, extra) = match ev {
                Ev::Send => ("delivered", String::new()),
                Ev::Other => ("processed", String::new()),
                Ev::Click => (
                    "click",
                    format!(r#","url":"https://shop.example/{tag}","useragent":"{UA_DESKTOP}""#),
                ),
                Ev::Open(o) => (
                    "open",
                    format!(
                        r#","sg_machine_open":{},"useragent":"{}","ip":"{}""#,
                        o == Opener::Apple,
                        o.ua(),
                        o.ip(r)
                    ),
                ),
            };
            writeln!(
                w,
                r#"{{"email":"{email}","timestamp":{t},"event":"{name}","sg_event_id":"e{r:x}","sg_message_id":"m{r:x}.0","category":["{tag}"]{extra}}}"#
            )
        }
        1 => {
            let (name, extra) = match ev {
                Ev::Send => ("delivered", String::new()),
                Ev::Other => ("accepted", String::new()),
                Ev::Click => ("clicked", String::new()),
                Ev::Open(o) => (
                    "opened",
                    format!(
                        r#","ip":"{}","client-info":{{"client-type":"browser","user-agent":"{}","bot":""}}"#,
                        o.ip(r),
                        o.ua()
                    ),
                ),
            };
            writeln!(
                w,
                r#"{{"event":"{name}","id":"{r:x}","timestamp":{t}.{:03},"recipient":"{email}","tags":["{tag}"]{extra}}}"#,
                r % 1000
            )
        }
        2 => {
            let mail = format!(
                r#""mail":{{"timestamp":"{}","messageId":"{r:x}","source":"news@shop.example","destination":["{email}"],"tags":{{"campaign":["{tag}"]}}}}"#,
                iso(t)
            );
            let line = match ev {
                Ev::Send => format!(
                    r#"{{"eventType":"Delivery",{mail},"delivery":{{"timestamp":"{}","recipients":["{email}"],"smtpResponse":"250 2.0.0 OK"}}}}"#,
                    iso(t)
                ),
                Ev::Other => format!(r#"{{"eventType":"Send",{mail},"send":{{}}}}"#),
                Ev::Click => format!(
                    r#"{{"eventType":"Click",{mail},"click":{{"timestamp":"{}","ipAddress":"198.51.100.9","userAgent":"{UA_DESKTOP}","link":"https://shop.example/"}}}}"#,
                    iso(t)
                ),
                Ev::Open(o) => format!(
                    r#"{{"eventType":"Open",{mail},"open":{{"timestamp":"{}","ipAddress":"{}","userAgent":"{}"}}}}"#,
                    iso(t),
                    o.ip(r),
                    o.ua()
                ),
            };
            writeln!(w, "{line}")
        }
        3 => {
            let line = match ev {
                Ev::Send => format!(
                    r#"{{"RecordType":"Delivery","MessageID":"{r:x}","Recipient":"{email}","Tag":"{tag}","DeliveredAt":"{}","Details":"OK"}}"#,
                    iso(t)
                ),
                Ev::Other => format!(
                    r#"{{"RecordType":"SubscriptionChange","MessageID":"{r:x}","Recipient":"{email}","ChangedAt":"{}","SuppressSending":false}}"#,
                    iso(t)
                ),
                Ev::Click => format!(
                    r#"{{"RecordType":"Click","MessageID":"{r:x}","Recipient":"{email}","Tag":"{tag}","ReceivedAt":"{}","UserAgent":"{UA_DESKTOP}","OriginalLink":"https://shop.example/"}}"#,
                    iso(t)
                ),
                Ev::Open(o) => format!(
                    r#"{{"RecordType":"Open","FirstOpen":true,"MessageID":"{r:x}","Recipient":"{email}","Tag":"{tag}","ReceivedAt":"{}","UserAgent":"{}","Geo":{{"IP":"{}"}}}}"#,
                    iso(t),
                    o.ua(),
                    o.ip(r)
                ),
            };
            writeln!(w, "{line}")
        }
        4 => {
            let (metric, apple, ua) = match ev {
                Ev::Send => ("Received Email", "", ""),
                Ev::Other => ("Bounced Email", "", ""),
                Ev::Click => ("Clicked Email", "", UA_DESKTOP),
                Ev::Open(o) => (
                    "Opened Email",
                    if o == Opener::Apple { "True" } else { "False" },
                    o.ua(),
                ),
            };
            writeln!(
                w,
                "{email},{metric},{},\"{tag}\",{apple},\"{ua}\"",
                spaced(t)
            )
        }
        _ => {
            let (name, ua, ip) = match ev {
                Ev::Send => ("delivered", "", String::new()),
                Ev::Other => ("deferred", "", String::new()),
                Ev::Click => ("click", UA_DESKTOP, "198.51.100.9".to_owned()),
                Ev::Open(o) => ("open", o.ua(), o.ip(r)),
            };
            writeln!(w, "{email},{name},{},{tag},\"{ua}\",{ip}", iso(t))
        }
    }
}

const HEADERS: [&str; 6] = [
    "",
    "",
    "",
    "",
    "Email,Metric Name,Timestamp,Campaign Name,Apple Privacy Open,User Agent",
    "email,event,timestamp,campaign,user_agent,ip",
];

/// The segment of a truth record, by the documented rules (defaults) at `as_of`.
fn segment(a: &Addr, as_of: i64) -> &'static str {
    if a.sends == 0 && a.human == 0 && a.clicks == 0 && a.machine == 0 && a.opt_in == 0 {
        return "unknown";
    }
    let within = |t: i64, days: i64| t != 0 && as_of - t <= days * DAY;
    if a.last_engaged != 0 {
        return if within(a.last_engaged, 90) {
            "active"
        } else if within(a.last_engaged, 180) || a.since < 5 {
            "lapsing"
        } else {
            "inactive"
        };
    }
    if within(a.first_send, 30) || within(a.opt_in, 30) {
        "new"
    } else if a.sends >= 5 {
        "never_engaged"
    } else {
        "unknown"
    }
}

/// Generate everything into `dir` (created if missing): `list.csv`, `members.csv`,
/// `sg_bounces.csv`, `sg_spam.csv`, `sg_unsub.csv`, the event streams and `truth.csv`
/// (`email,segment,suppressed,sends,human_opens,machine_opens,clicks,sends_since_engagement`,
/// one row per list row, in list order).
pub fn generate(cfg: &Config, dir: &Path) -> io::Result<Stats> {
    std::fs::create_dir_all(dir)?;
    let mut rng = Rng::new(cfg.seed);
    let as_of = cfg.as_of;
    let campaign_time =
        |k: usize| as_of - (cfg.campaigns - k) as i64 * cfg.campaign_days * DAY + 9 * 3600;
    let new_first = (0..cfg.campaigns)
        .find(|&k| as_of - campaign_time(k) < 25 * DAY)
        .unwrap_or(cfg.campaigns);
    let mut addrs: Vec<Addr> = Vec::with_capacity(cfg.addresses);
    for i in 0..cfg.addresses {
        let u = rng.unit();
        let persona = match u {
            x if x < 0.30 => Persona::Engaged,
            x if x < 0.52 => Persona::Fading,
            x if x < 0.68 => Persona::Never,
            x if x < 0.76 => Persona::New,
            x if x < 0.80 => Persona::OptInOnly,
            x if x < 0.88 => Persona::Sparse,
            _ => Persona::NoData,
        };
        let domain = rng.pick(&DOMAINS);
        let apple = domain == "icloud.com" || rng.chance(0.15);
        let join = match persona {
            Persona::New => new_first,
            Persona::Sparse => rng.below(cfg.campaigns / 3 + 1),
            _ => rng.below(cfg.campaigns / 2 + 1),
        };
        let cutoff = as_of - (60 + rng.below(300) as i64) * DAY;
        let opt_in = match persona {
            Persona::NoData => 0,
            Persona::New | Persona::OptInOnly if rng.chance(0.7) => {
                as_of - (1 + rng.below(28) as i64) * DAY
            }
            _ => campaign_time(join) - (1 + rng.below(60) as i64) * DAY,
        };
        let suppressed = if persona != Persona::NoData && rng.chance(0.06) {
            Some(rng.pick(&["hard_bounce", "complaint", "unsubscribed"]))
        } else {
            None
        };
        addrs.push(Addr {
            persona,
            domain,
            apple,
            join,
            cutoff,
            opt_in,
            stream: if cfg.sendgrid_only { 0 } else { (i % 6) as u8 },
            variant: domain == "gmail.com" && rng.chance(0.4),
            suppressed,
            sends: 0,
            human: 0,
            machine: 0,
            clicks: 0,
            last_engaged: 0,
            since: 0,
            first_send: 0,
        });
    }

    let mut streams: Vec<BufWriter<File>> = Vec::new();
    for (s, name) in STREAMS.iter().enumerate() {
        if cfg.sendgrid_only && s > 0 {
            break;
        }
        let mut w = BufWriter::with_capacity(1 << 20, File::create(dir.join(name))?);
        if !HEADERS[s].is_empty() {
            writeln!(w, "{}", HEADERS[s])?;
        }
        streams.push(w);
    }
    let mut stats = Stats {
        addresses: cfg.addresses as u64,
        ..Stats::default()
    };
    let mut buf: Vec<(i64, Ev)> = Vec::with_capacity(16);
    for k in 0..cfg.campaigns {
        let t0 = campaign_time(k);
        let tag = TAGS[k % TAGS.len()];
        for (i, a) in addrs.iter_mut().enumerate() {
            let mailed = match a.persona {
                Persona::NoData | Persona::OptInOnly => false,
                Persona::Sparse => k >= a.join && k < a.join + 3 && rng.chance(0.6),
                _ => k >= a.join && rng.chance(0.92),
            };
            if !mailed {
                continue;
            }
            buf.clear();
            let sent = t0 + rng.below(3600) as i64;
            buf.push((sent - 5, Ev::Other));
            buf.push((sent, Ev::Send));
            let gmail = a.domain == "gmail.com";
            if a.apple {
                buf.push((sent + 30 + rng.below(600) as i64, Ev::Open(Opener::Apple)));
            } else if gmail && rng.chance(0.2) {
                buf.push((sent + 1 + rng.below(4) as i64, Ev::Open(Opener::Prefetch)));
            }
            let engages = match a.persona {
                Persona::Engaged => rng.chance(0.6),
                Persona::Fading => sent < a.cutoff && rng.chance(0.6),
                Persona::Sparse | Persona::New => rng.chance(0.1),
                _ => false,
            };
            if engages {
                let opened = sent + 3600 + rng.below(2 * 86_400) as i64;
                let clicks = rng.chance(0.35);
                if !a.apple {
                    let o = if gmail {
                        Opener::Gmail
                    } else {
                        Opener::Desktop
                    };
                    buf.push((opened, Ev::Open(o)));
                }
                if clicks || a.apple {
                    buf.push((opened + 10 + rng.below(300) as i64, Ev::Click));
                }
            }
            let email = event_email(i, a);
            for &(t, ev) in &buf {
                let r = rng.next_u64();
                write_event(
                    &mut streams[a.stream as usize],
                    a.stream,
                    &email,
                    t,
                    ev,
                    tag,
                    r,
                )?;
                stats.events += 1;
                match ev {
                    Ev::Send => {
                        a.sends += 1;
                        a.since += 1;
                        if a.first_send == 0 {
                            a.first_send = t;
                        }
                        stats.sends += 1;
                    }
                    Ev::Open(o) if o.machine() => {
                        a.machine += 1;
                        stats.machine_opens += 1;
                    }
                    Ev::Open(_) | Ev::Click => {
                        if matches!(ev, Ev::Click) {
                            a.clicks += 1;
                            stats.clicks += 1;
                        } else {
                            a.human += 1;
                            stats.human_opens += 1;
                        }
                        a.last_engaged = a.last_engaged.max(t);
                        a.since = 0;
                    }
                    Ev::Other => {}
                }
            }
        }
    }
    for mut w in streams {
        w.flush()?;
    }

    let mut list = BufWriter::new(File::create(dir.join("list.csv"))?);
    let mut members = BufWriter::new(File::create(dir.join("members.csv"))?);
    let mut truth = BufWriter::new(File::create(dir.join("truth.csv"))?);
    let mut bounces = BufWriter::new(File::create(dir.join("sg_bounces.csv"))?);
    let mut spam = BufWriter::new(File::create(dir.join("sg_spam.csv"))?);
    let mut unsub = BufWriter::new(File::create(dir.join("sg_unsub.csv"))?);
    writeln!(list, "email,first_name")?;
    writeln!(
        members,
        "Email Address,First Name,MEMBER_RATING,OPTIN_TIME,CONFIRM_TIME,LAST_CHANGED,TAGS"
    )?;
    writeln!(
        truth,
        "email,segment,suppressed,sends,human_opens,machine_opens,clicks,sends_since_engagement"
    )?;
    writeln!(bounces, "created,email,reason,status")?;
    writeln!(spam, "created,email,ip")?;
    writeln!(unsub, "email,created")?;
    for (i, a) in addrs.iter().enumerate() {
        let email = list_email(i, a.domain);
        writeln!(list, "{email},{}", FIRST[i % FIRST.len()])?;
        if a.opt_in != 0 {
            let confirm = if i % 2 == 0 {
                spaced(a.opt_in)
            } else {
                String::new()
            };
            let optin = if i % 2 == 0 {
                spaced(a.opt_in - 600)
            } else {
                spaced(a.opt_in)
            };
            writeln!(
                members,
                "{},{},{},{optin},{confirm},{},\"{}\"",
                event_email(i, a),
                FIRST[i % FIRST.len()],
                1 + i % 5,
                spaced(a.opt_in),
                TAGS[i % TAGS.len()]
            )?;
        }
        let t = as_of - 3 * DAY;
        match a.suppressed {
            Some("hard_bounce") => writeln!(
                bounces,
                "{t},{},550 5.1.1 The email account that you tried to reach does not exist,5.1.1",
                event_email(i, a)
            )?,
            Some("complaint") => writeln!(spam, "{t},{},192.0.2.{}", event_email(i, a), i % 250)?,
            Some(_) => writeln!(unsub, "{},{t}", event_email(i, a))?,
            None => {}
        }
        writeln!(
            truth,
            "{email},{},{},{},{},{},{},{}",
            segment(a, as_of),
            a.suppressed.unwrap_or(""),
            a.sends,
            a.human,
            a.machine,
            a.clicks,
            a.since
        )?;
    }
    for w in [
        &mut list,
        &mut members,
        &mut truth,
        &mut bounces,
        &mut spam,
        &mut unsub,
    ] {
        w.flush()?;
    }
    Ok(stats)
}
