//! DNS: can a domain receive mail? The only module that imports hickory.
//!
//! For each unique domain (A-label form) the stage looks up MX records, keeps every host sorted
//! by preference, resolves each MX host once (shared cache), falls back to the implicit MX
//! (A/AAAA of the domain, RFC 5321 §5.1) when there is no MX, recognises the null MX
//! (RFC 7505; the address records beside it are not used), and keeps transient failures
//! (timeouts, SERVFAIL) apart from definite answers: they are `unknown`, never `undeliverable`.
//! Before trusting the resolver it asks questions whose answers are known and keeps judging its
//! answers (`resolver_health`); an untrusted resolver's answers condemn nobody.

mod error;
pub(crate) mod fcrdns;
mod known_answers;
mod lookup;
mod probe;
pub mod records;
mod resolve;
mod resolver_health;
mod stage;
mod transport;
pub mod zone;
mod zone_then_net;

pub(crate) use crate::model::{DnsEvidence, MailRoute, MxHost};
pub use error::DnsError;
pub use lookup::NetLookup;
pub use resolve::DnsConfig;
pub(crate) use resolve::DnsResolver;
pub use resolver_health::{ResolverReport, ResolverStatus};
pub use stage::DnsStage;
pub use zone_then_net::ZoneThenNet;

/// A table of host-name suffixes (`suffix<TAB>name...` lines; `#` comments) from a data file.
/// A suffix starting with "." matches sub-domains and the name itself.
pub(crate) struct SuffixTable(Vec<(&'static str, &'static str)>);

impl SuffixTable {
    /// Parse the table text (first two columns).
    pub(crate) fn parse(text: &'static str) -> SuffixTable {
        SuffixTable(
            text.lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .filter_map(|l| {
                    let mut it = l.split('\t');
                    Some((it.next()?.trim(), it.next()?.trim()))
                })
                .collect(),
        )
    }

    /// The name of the first suffix that matches `host`.
    pub(crate) fn lookup(&self, host: &str) -> Option<&'static str> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.0.iter().find_map(|&(suffix, name)| {
            (host == suffix.trim_start_matches('.') || host.ends_with(suffix)).then_some(name)
        })
    }
}

/// The provider behind a set of MX hosts, from the suffix table in `data/mx_providers.tsv`.
pub(crate) fn provider_for(hosts: &[MxHost]) -> Option<&'static str> {
    use std::sync::OnceLock;
    static TABLE: OnceLock<SuffixTable> = OnceLock::new();
    let table =
        TABLE.get_or_init(|| SuffixTable::parse(include_str!("../../data/mx_providers.tsv")));
    hosts.iter().find_map(|h| table.lookup(&h.host))
}
