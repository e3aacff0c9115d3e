//! The evaluation trace: each record fetched, each term evaluated, each DNS query with its
//! outcome and what it counted against which limit, and where the result came from.

use serde::Serialize;

use crate::dns::records::RType;

/// One step of the evaluation; `depth` is the include/redirect nesting (0 = the checked domain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TraceEvent {
    /// `check_host()` starts for a domain.
    Check {
        /// Nesting.
        depth: u32,
        /// The domain.
        domain: String,
    },
    /// The SPF record found.
    Record {
        /// Nesting.
        depth: u32,
        /// The domain.
        domain: String,
        /// The record text.
        record: String,
    },
    /// A term is evaluated; `lookups` is the count after it when it counts against the 10.
    Term {
        /// Nesting.
        depth: u32,
        /// The term as written.
        term: String,
        /// The 10-lookup count after this term, when it counts.
        lookups: Option<u32>,
    },
    /// A DNS query; `void` is the void-lookup count after it when it was void and counted.
    Query {
        /// Nesting.
        depth: u32,
        /// The name asked.
        name: String,
        /// The type asked.
        rtype: RType,
        /// `answer`, `nxdomain`, `nodata`, `servfail`, `timeout`.
        outcome: String,
        /// The answers' data.
        answers: Vec<String>,
        /// The void-lookup count after this query, when it counted.
        void: Option<u32>,
    },
    /// A term matched or not.
    Match {
        /// Nesting.
        depth: u32,
        /// The term.
        term: String,
        /// Whether it matched.
        matched: bool,
    },
    /// `check_host()` for a domain ended.
    Result {
        /// Nesting.
        depth: u32,
        /// The domain.
        domain: String,
        /// The result name.
        result: String,
        /// Where it came from.
        reason: String,
    },
}

/// The whole outcome as text: result, explanation, reason, counts, then the trace.
pub fn render_text(o: &super::SpfOutcome) -> String {
    let mut out = format!("result: {}\n", o.result.name());
    out.push_str(&format!("domain: {}\n", o.domain));
    if let Some(e) = &o.explanation {
        out.push_str(&format!("explanation: {e}\n"));
    }
    out.push_str(&format!("reason: {}\n", o.reason));
    out.push_str(&format!(
        "lookups: {}/10, void lookups: {}/2\n",
        o.lookups, o.void_lookups
    ));
    out.push_str("trace:\n");
    for line in render(&o.trace).lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The trace as indented text lines.
pub fn render(events: &[TraceEvent]) -> String {
    let mut out = String::new();
    for e in events {
        let (depth, line) = match e {
            TraceEvent::Check { depth, domain } => (*depth, format!("check_host {domain}")),
            TraceEvent::Record {
                depth,
                domain,
                record,
            } => (*depth, format!("record {domain}: \"{record}\"")),
            TraceEvent::Term {
                depth,
                term,
                lookups,
            } => (
                *depth,
                match lookups {
                    Some(n) => format!("term {term}  [lookup {n}/10]"),
                    None => format!("term {term}"),
                },
            ),
            TraceEvent::Query {
                depth,
                name,
                rtype,
                outcome,
                answers,
                void,
            } => {
                let mut l = format!("  query {} {name} -> {outcome}", rtype.name());
                if !answers.is_empty() {
                    l.push_str(&format!(" [{}]", answers.join(", ")));
                }
                if let Some(v) = void {
                    l.push_str(&format!("  [void {v}/2]"));
                }
                (*depth, l)
            }
            TraceEvent::Match {
                depth,
                term,
                matched,
            } => (
                *depth,
                format!(
                    "  {term} {}",
                    if *matched {
                        "matches"
                    } else {
                        "does not match"
                    }
                ),
            ),
            TraceEvent::Result {
                depth,
                domain,
                result,
                reason,
            } => (*depth, format!("=> {domain}: {result} ({reason})")),
        };
        for _ in 0..depth {
            out.push_str("    ");
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}
