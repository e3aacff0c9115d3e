//! Engagement: who still opens and clicks. ESP event exports (SendGrid, Mailgun, Amazon SES,
//! Postmark), Mailchimp member exports, Klaviyo-style event CSVs and a generic
//! `email,event,timestamp` CSV are read into per-address counts (sends, human and machine
//! opens, clicks, last human open and click, sends since), and each address gets a segment
//! (`active`, `lapsing`, `inactive`, `never_engaged`, `new`, `unknown`) relative to a date.
//!
//! The format is detected from the content ([`Format`]); an unrecognised file is an error.
//! Machine opens (Apple Mail Privacy Protection, proxies prefetching within seconds of
//! delivery) are counted apart and never taken as a sign of life. Addresses are matched by
//! the duplicate-detection key `clean` uses (provider rules, Gmail dots and tags), hashed to
//! 128 bits. Files are read once, streaming, parsed on all cores; memory grows with distinct
//! addresses, not with events.

mod detect;
mod event;
mod generic;
mod klaviyo;
mod machine_open;
mod mailchimp;
mod mailgun;
mod postmark;
mod read;
mod segment;
mod sendgrid;
mod ses;
mod tally;
mod time;

use std::io::Read;

use serde::Serialize;

use crate::address::AnalyzeOptions;

pub use detect::Format;
pub use segment::{Rules, RulesReport, Segment};

pub(crate) use tally::Key;

/// Why an engagement file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum EngagementError {
    /// Reading the file failed.
    #[error("{file}: cannot read engagement file: {source}")]
    Unreadable {
        /// The file's name.
        file: String,
        /// What failed.
        source: std::io::Error,
    },
    /// The content matches no supported format.
    #[error("{file}: not a recognised engagement file ({why})")]
    Unrecognised {
        /// The file's name.
        file: String,
        /// What was seen.
        why: String,
    },
}

/// A malformed line of an engagement file (skipped, counted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngagementWarning {
    /// The file's name.
    pub file: String,
    /// 1-based line number (the record number, for a pretty-printed JSON document).
    pub line: u64,
    /// What is wrong with it.
    pub why: String,
}

impl std::fmt::Display for EngagementWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.why)
    }
}

/// What one engagement file gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    /// The file as given.
    pub file: String,
    /// The detected format.
    pub format: &'static str,
    /// Events counted (sends, opens, clicks, opt-ins); records of other kinds are skipped.
    pub events: u64,
    /// Malformed records (each also a warning).
    pub malformed: u64,
}

/// Input rows per segment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Segments {
    /// `active`.
    pub active: u64,
    /// `lapsing`.
    pub lapsing: u64,
    /// `inactive`.
    pub inactive: u64,
    /// `never_engaged`.
    pub never_engaged: u64,
    /// `new`.
    pub new: u64,
    /// `unknown`.
    pub unknown: u64,
}

impl Segments {
    /// From counts indexed by [`Segment`].
    pub fn from_counts(c: [u64; 6]) -> Self {
        Segments {
            active: c[Segment::Active as usize],
            lapsing: c[Segment::Lapsing as usize],
            inactive: c[Segment::Inactive as usize],
            never_engaged: c[Segment::NeverEngaged as usize],
            new: c[Segment::New as usize],
            unknown: c[Segment::Unknown as usize],
        }
    }
}

/// What the summary says of the engagement data.
#[derive(Debug, Clone, Serialize)]
pub struct EngagementReport {
    /// One entry a file, in the order given.
    pub files: Vec<FileReport>,
    /// The rules the segments were made with.
    pub rules: RulesReport,
    /// Input rows per segment.
    pub segments: Segments,
    /// Distinct addresses (by duplicate-detection key) with any event in the files.
    pub addresses_with_data: u64,
    /// Human opens in the files.
    pub human_opens: u64,
    /// Machine opens in the files.
    pub machine_opens: u64,
    /// Clicks in the files.
    pub clicks: u64,
    /// Sends (deliveries) in the files.
    pub sends: u64,
}

/// An address's engagement as written in the results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Engagement {
    /// The segment.
    pub segment: &'static str,
    /// Sends (deliveries).
    pub sends: u32,
    /// Opens by a person.
    pub human_opens: u32,
    /// Opens by a machine (privacy proxies, prefetching scanners).
    pub machine_opens: u32,
    /// Clicks.
    pub clicks: u32,
    /// RFC 3339 UTC, or `null`.
    pub last_human_open: Option<String>,
    /// RFC 3339 UTC, or `null`.
    pub last_click: Option<String>,
    /// Sends after the last human open or click (all sends, if none).
    pub sends_since_engagement: u32,
}

/// How many malformed-line warnings are kept (all are counted).
const KEPT_WARNINGS: usize = 1000;

/// Per-address engagement counts from any number of files, and the rules to segment them.
#[derive(Debug)]
pub struct EngagementSet {
    tally: tally::Tally,
    files: Vec<FileReport>,
    rules: Rules,
    threads: usize,
    /// Malformed lines seen while loading (the first 1000; [`EngagementSet::malformed`]
    /// counts them all).
    pub warnings: Vec<EngagementWarning>,
    malformed: u64,
}

impl EngagementSet {
    /// An empty set with these rules; files are parsed on `threads` threads at a time (0: one
    /// per core).
    pub fn new(rules: Rules, threads: usize) -> Self {
        let threads = if threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            threads
        };
        EngagementSet {
            tally: tally::Tally::default(),
            files: Vec::new(),
            rules,
            threads,
            warnings: Vec::new(),
            malformed: 0,
        }
    }

    /// Read one engagement file to its end (`name` is used in outputs and messages).
    pub fn load<R: Read>(
        &mut self,
        name: &str,
        reader: R,
        opts: &AnalyzeOptions,
    ) -> Result<&FileReport, EngagementError> {
        let mut events = 0u64;
        let mut malformed = 0u64;
        let tally = &mut self.tally;
        let warnings = &mut self.warnings;
        let format = read::read_all(reader, opts, self.threads, &mut |item| match item {
            read::Item::Event(key, time, act) => {
                events += 1;
                tally.add(key, time, act);
            }
            read::Item::Bad(line, why) => {
                malformed += 1;
                if warnings.len() < KEPT_WARNINGS {
                    warnings.push(EngagementWarning {
                        file: name.to_owned(),
                        line,
                        why,
                    });
                }
            }
        })
        .map_err(|f| match f {
            read::Failure::Io(source) => EngagementError::Unreadable {
                file: name.to_owned(),
                source,
            },
            read::Failure::Unrecognised(why) => EngagementError::Unrecognised {
                file: name.to_owned(),
                why,
            },
        })?;
        self.malformed += malformed;
        self.files.push(FileReport {
            file: name.to_owned(),
            format: format.as_str(),
            events,
            malformed,
        });
        Ok(self.files.last().expect("just pushed"))
    }

    /// Malformed records in all files.
    pub fn malformed(&self) -> u64 {
        self.malformed
    }

    /// Distinct addresses with data.
    pub fn addresses(&self) -> usize {
        self.tally.map.len()
    }

    /// The date segments are relative to: `--as-of`, else the latest event time (`None`: no
    /// event at all).
    pub fn as_of(&self) -> Option<i64> {
        self.rules
            .as_of
            .or((self.tally.latest > 0).then_some(self.tally.latest))
    }

    /// The segment of the address with this key hash.
    pub(crate) fn segment(&self, key: Option<Key>) -> Segment {
        let a = key.and_then(|k| self.tally.map.get(&k));
        segment::segment(a, &self.rules, self.as_of().unwrap_or(0))
    }

    /// What the results say of the address with this key hash.
    pub(crate) fn engagement(&self, key: Option<Key>) -> Engagement {
        let a = key.and_then(|k| self.tally.map.get(&k));
        let seg = segment::segment(a, &self.rules, self.as_of().unwrap_or(0));
        let a = a.cloned().unwrap_or_default();
        let t = |x: u32| (x != 0).then(|| time::rfc3339(i64::from(x)));
        Engagement {
            segment: seg.as_str(),
            sends: a.sends,
            human_opens: a.human_opens,
            machine_opens: a.machine_opens,
            clicks: a.clicks,
            last_human_open: t(a.last_human_open),
            last_click: t(a.last_click),
            sends_since_engagement: a.since,
        }
    }

    /// The summary's report, with `segments` (input rows by [`Segment`] index).
    pub fn report(&self, segments: [u64; 6]) -> EngagementReport {
        EngagementReport {
            files: self.files.clone(),
            rules: RulesReport {
                as_of: self.as_of().map(time::rfc3339),
                active_days: self.rules.active_days,
                inactive_days: self.rules.inactive_days,
                min_sends: self.rules.min_sends,
                new_days: self.rules.new_days,
            },
            segments: Segments::from_counts(segments),
            addresses_with_data: self.tally.map.len() as u64,
            human_opens: self.tally.human_opens,
            machine_opens: self.tally.machine_opens,
            clicks: self.tally.clicks,
            sends: self.tally.sends,
        }
    }
}

/// Parse a `--as-of` date (`YYYY-MM-DD`, RFC 3339, or Unix seconds) into Unix seconds.
pub fn parse_as_of(s: &str) -> Option<i64> {
    time::parse(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(files: &[(&str, &str)]) -> EngagementSet {
        let mut s = EngagementSet::new(Rules::default(), 2);
        for (n, b) in files {
            s.load(n, b.as_bytes(), &AnalyzeOptions::default()).unwrap();
        }
        s
    }

    fn seg(s: &EngagementSet, addr: &str) -> Segment {
        let mut kb = String::new();
        s.segment(read::key_of(addr, &AnalyzeOptions::default(), &mut kb))
    }

    #[test]
    fn formats_and_canonical_matching() {
        let s = load(&[
            (
                "sg.jsonl",
                concat!(
                    r#"{"email":"J.Doe+x@gmail.com","timestamp":1700000000,"event":"delivered"}"#,
                    "\n",
                    r#"[{"email":"jdoe@gmail.com","timestamp":1700000100,"event":"open","sg_machine_open":false,"useragent":"Mozilla/5.0 (Windows NT 10.0) Chrome/120"}]"#,
                    "\n",
                    "not json\n",
                ),
            ),
            (
                "mg.jsonl",
                r#"{"event":"opened","recipient":"mp@posteo.de","timestamp":1700000000.5,"client-info":{"user-agent":"Mozilla/5.0","bot":""}}"#,
            ),
            (
                "pm.jsonl",
                r#"{"RecordType":"Click","Recipient":"pm@posteo.de","ReceivedAt":"2023-11-14T22:00:00Z"}"#,
            ),
            (
                "ses.jsonl",
                r#"{"eventType":"Delivery","mail":{"timestamp":"2023-11-14T20:00:00Z","destination":["ses@posteo.de"]},"delivery":{"timestamp":"2023-11-14T20:00:01Z","recipients":["ses@posteo.de"]}}"#,
            ),
            (
                "kl.csv",
                "Email,Metric Name,Timestamp,Apple Privacy Open\nkl@posteo.de,Opened Email,2023-11-14 10:00:00,True\n",
            ),
            (
                "mc.csv",
                "Email Address,MEMBER_RATING,OPTIN_TIME,CONFIRM_TIME,LAST_CHANGED\nmc@posteo.de,2,2023-11-10 10:00:00,,2023-11-10 10:00:00\n",
            ),
            (
                "g.csv",
                "email,event,timestamp\ng@posteo.de,click,\"2023-11-14T10:00:00Z\"\n",
            ),
        ]);
        assert_eq!(
            s.files
                .iter()
                .map(|f| (f.format, f.events, f.malformed))
                .collect::<Vec<_>>(),
            vec![
                ("sendgrid", 2, 1),
                ("mailgun", 1, 0),
                ("postmark", 1, 0),
                ("ses", 1, 0),
                ("klaviyo", 1, 0),
                ("mailchimp_members", 1, 0),
                ("generic_csv", 1, 0),
            ]
        );
        assert_eq!(s.warnings[0].file, "sg.jsonl");
        assert_eq!(s.warnings[0].line, 3);
        assert_eq!(seg(&s, "jdoe@googlemail.com"), Segment::Active);
        assert_eq!(
            seg(&s, "mp@posteo.de"),
            Segment::Unknown,
            "a machine open alone"
        );
        assert_eq!(seg(&s, "pm@posteo.de"), Segment::Active);
        assert_eq!(seg(&s, "ses@posteo.de"), Segment::New);
        assert_eq!(seg(&s, "kl@posteo.de"), Segment::Unknown);
        assert_eq!(seg(&s, "mc@posteo.de"), Segment::New);
        assert_eq!(seg(&s, "g@posteo.de"), Segment::Active);
        assert_eq!(seg(&s, "nobody@posteo.de"), Segment::Unknown);
        let r = s.report([0; 6]);
        assert_eq!(
            (r.sends, r.human_opens, r.machine_opens, r.clicks),
            (2, 1, 2, 2)
        );
        assert_eq!(r.rules.as_of.as_deref(), Some("2023-11-14T22:15:00Z"));
    }

    #[test]
    fn unrecognised_and_empty_files_are_errors_naming_the_file() {
        let mut s = EngagementSet::new(Rules::default(), 1);
        let o = AnalyzeOptions::default();
        for (name, body) in [
            ("x.csv", "name,phone\n1,2\n"),
            ("e.csv", "\n\n"),
            ("j.json", "[\n{\"a\":\n"),
        ] {
            let e = s.load(name, body.as_bytes(), &o).unwrap_err();
            assert!(
                e.to_string()
                    .starts_with(&format!("{name}: not a recognised")),
                "{e}"
            );
        }
    }

    #[test]
    fn pretty_json_document_and_blocks_across_quoted_newlines() {
        let doc = "[\n  {\"email\": \"a@posteo.de\", \"timestamp\": 1700000000, \"event\": \"click\"},\n  {\"email\": \"b@posteo.de\", \"timestamp\": 1700000000, \"event\": \"delivered\"}\n]\n";
        let s = load(&[("doc.json", doc)]);
        assert_eq!((s.files[0].format, s.files[0].events), ("sendgrid", 2));
        // a CSV far larger than a block, with quoted line breaks
        let mut csv = String::from("email,event,timestamp,note\n");
        for i in 0..40_000 {
            csv.push_str(&format!(
                "u{i}@posteo.de,delivered,1700000000,\"two\nlines\"\n"
            ));
        }
        let s = load(&[("big.csv", &csv)]);
        assert_eq!((s.files[0].events, s.files[0].malformed), (40_000, 0));
        assert_eq!(s.addresses(), 40_000);
    }

    proptest::proptest! {
        /// Any bytes after a valid first record of each format: loading never panics, and
        /// every record is an event, skipped or counted as malformed.
        #[test]
        fn any_input_loads_or_errs_without_panic(
            which in 0usize..7,
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
            lines in proptest::collection::vec("[a@.,\"{}:\\ \\[\\]0-9eopnt-]{0,60}", 0..12),
        ) {
            let first = [
                r#"{"email":"a@posteo.de","timestamp":1,"event":"open"}"#,
                r#"{"event":"opened","recipient":"a@posteo.de","timestamp":1}"#,
                r#"{"eventType":"Open","mail":{"destination":["a@posteo.de"]}}"#,
                r#"{"RecordType":"Open","Recipient":"a@posteo.de"}"#,
                "Email Address,MEMBER_RATING,OPTIN_TIME",
                "Email,Metric Name,Timestamp,Apple Privacy Open",
                "email,event,timestamp,user_agent,ip",
            ][which];
            let mut input = format!("{first}\n{}\n", lines.join("\n")).into_bytes();
            input.extend_from_slice(&body);
            let mut s = EngagementSet::new(Rules::default(), 2);
            if let Ok(f) = s.load("p", &input[..], &AnalyzeOptions::default()) {
                let f = f.clone();
                proptest::prop_assert_eq!(f.malformed, s.malformed());
                proptest::prop_assert!(s.addresses() as u64 <= f.events);
            }
            let _ = s.report([0; 6]);
        }
    }
}
