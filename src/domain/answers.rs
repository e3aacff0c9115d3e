//! What the audit asks the DNS: the [`AuditDns`] trait (an answer plus its DNSSEC status), and
//! the recorder that asks each (name, type) once, keeps every query for the report, and lends
//! itself to the SPF evaluator.

use std::collections::HashMap;

use serde::Serialize;

use crate::dns::records::{Lookup, RType, Rr, canonical_name};
use crate::spf::SpfDns;

/// Whether an answer was validated with DNSSEC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dnssec {
    /// The resolver set the AD bit: it validated the answer.
    Authenticated,
    /// The resolver did not set the AD bit (unsigned zone, or a resolver that does not validate).
    NotAuthenticated,
    /// The answer came from a `--zone` file (or offline): no DNSSEC status.
    Zone,
}

/// One answer with its DNSSEC status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The outcome.
    pub lookup: Lookup,
    /// Its DNSSEC status.
    pub dnssec: Dnssec,
}

/// Where the audit gets DNS answers.
pub trait AuditDns {
    /// Ask for `name` (canonical, no trailing dot) and `rtype`.
    fn query(&mut self, name: &str, rtype: RType) -> Answer;
}

/// One query as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryRecord {
    /// The name asked.
    pub name: String,
    /// The type asked.
    #[serde(rename = "type")]
    pub rtype: RType,
    /// `answer`, `nxdomain`, `nodata`, `servfail`, `timeout`.
    pub outcome: &'static str,
    /// The answers as presentation text (TXT strings joined).
    pub answers: Vec<String>,
    /// DNSSEC status.
    pub dnssec: Dnssec,
}

/// Asks each (name, type) once and records it.
pub(crate) struct Recorder<'a> {
    dns: &'a mut dyn AuditDns,
    cache: HashMap<(String, RType), Answer>,
    pub(crate) log: Vec<QueryRecord>,
}

impl<'a> Recorder<'a> {
    pub(crate) fn new(dns: &'a mut dyn AuditDns) -> Recorder<'a> {
        Recorder {
            dns,
            cache: HashMap::new(),
            log: Vec::new(),
        }
    }

    /// The answer for `name`/`rtype` (asked once per run).
    pub(crate) fn ask(&mut self, name: &str, rtype: RType) -> Answer {
        let name = canonical_name(name);
        if let Some(a) = self.cache.get(&(name.clone(), rtype)) {
            return a.clone();
        }
        let a = self.dns.query(&name, rtype);
        self.log.push(QueryRecord {
            name: name.clone(),
            rtype,
            outcome: a.lookup.kind(),
            answers: match &a.lookup {
                Lookup::Answer(rrs) => rrs.iter().map(Rr::text).collect(),
                _ => Vec::new(),
            },
            dnssec: a.dnssec,
        });
        self.cache.insert((name, rtype), a.clone());
        a
    }

    /// Just the outcome.
    pub(crate) fn lookup(&mut self, name: &str, rtype: RType) -> Lookup {
        self.ask(name, rtype).lookup
    }

    /// The TXT records at `name`, each with its strings joined; the outcome when none.
    pub(crate) fn txt(&mut self, name: &str) -> Result<Vec<String>, Lookup> {
        match self.lookup(name, RType::Txt) {
            Lookup::Answer(rrs) => Ok(rrs
                .iter()
                .filter_map(|r| match r {
                    Rr::Txt(s) => Some(s.concat()),
                    _ => None,
                })
                .collect()),
            other => Err(other),
        }
    }
}

impl SpfDns for Recorder<'_> {
    fn lookup(&mut self, name: &str, rtype: RType) -> Lookup {
        Recorder::lookup(self, name, rtype)
    }
}

/// A transient outcome (timeout, SERVFAIL): the audit cannot tell.
pub(crate) fn transient(l: &Lookup) -> bool {
    l.is_transient()
}

#[cfg(test)]
pub(crate) mod fake {
    //! A zone-text fake for the unit tests of every section.
    use super::*;
    use crate::dns::zone::Zone;

    /// Answers from a master-file zone text; names it does not hold are NXDOMAIN, names under
    /// `timeout.` time out.
    pub(crate) struct FakeDns(pub(crate) Zone);

    impl FakeDns {
        pub(crate) fn new(text: &str) -> FakeDns {
            FakeDns(Zone::parse(text, "fake").expect("test zone parses"))
        }
    }

    impl AuditDns for FakeDns {
        fn query(&mut self, name: &str, rtype: RType) -> Answer {
            let lookup = if name.ends_with(".timeout") || name == "timeout" {
                Lookup::Timeout
            } else {
                self.0.lookup(name, rtype).unwrap_or(Lookup::NxDomain)
            };
            Answer {
                lookup,
                dnssec: Dnssec::Zone,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fake::FakeDns;
    use super::*;

    #[test]
    fn each_question_is_asked_once_and_logged() {
        let mut dns = FakeDns::new("a.example. TXT \"x\" \"y\"\n");
        let mut r = Recorder::new(&mut dns);
        assert_eq!(r.txt("A.example."), Ok(vec!["xy".to_string()]));
        assert_eq!(r.txt("a.example"), Ok(vec!["xy".to_string()]));
        assert_eq!(r.txt("b.example"), Err(Lookup::NxDomain));
        assert_eq!(r.log.len(), 2);
        assert_eq!(r.log[0].answers, vec!["xy"]);
        assert_eq!(r.log[1].outcome, "nxdomain");
    }
}
