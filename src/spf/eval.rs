//! `check_host()` (RFC 7208 sections 4 to 6): fetch and select the record, evaluate its
//! directives in order, follow `include` and `redirect`, keep the lookup budget, build the
//! explanation from `exp` on `fail`. Sans-IO: every DNS answer comes through the `SpfDns` trait.

use std::net::IpAddr;

use serde::Serialize;

use super::budget::{Budget, MAX_MX, MAX_PTR};
use super::macros::{self, MacroContext};
use super::record::{self, Mechanism, Qualifier, Record};
use super::trace::TraceEvent;
use crate::dns::fcrdns::reverse_name;
use crate::dns::records::{Lookup, RType, Rr, canonical_name};

/// Where the evaluator gets DNS answers.
pub trait SpfDns {
    /// Ask for `name` (canonical, no trailing dot) and `rtype`.
    fn lookup(&mut self, name: &str, rtype: RType) -> Lookup;
}

/// An SPF result (RFC 7208 section 2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SpfResult {
    /// Authorised.
    Pass,
    /// Not authorised.
    Fail,
    /// Probably not authorised.
    SoftFail,
    /// No assertion.
    Neutral,
    /// No record (or no valid domain).
    None,
    /// The record is broken or over a limit.
    PermError,
    /// A transient DNS failure.
    TempError,
}

impl SpfResult {
    /// The result's name as RFC 7208 writes it.
    pub fn name(self) -> &'static str {
        match self {
            SpfResult::Pass => "pass",
            SpfResult::Fail => "fail",
            SpfResult::SoftFail => "softfail",
            SpfResult::Neutral => "neutral",
            SpfResult::None => "none",
            SpfResult::PermError => "permerror",
            SpfResult::TempError => "temperror",
        }
    }
}

/// The question: who connects, from where, claiming which identity.
#[derive(Debug, Clone)]
pub struct SpfQuery {
    /// The client address.
    pub ip: IpAddr,
    /// The MAIL FROM address (empty for the null reverse-path: the HELO identity is checked).
    pub sender: String,
    /// The HELO/EHLO name.
    pub helo: String,
    /// The domain to check; `None` means the sender's domain (or the HELO name).
    pub domain: Option<String>,
    /// The receiving host for `%{r}`.
    pub receiver: String,
    /// Seconds since the epoch for `%{t}`.
    pub timestamp: u64,
}

/// The answer with its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct SpfOutcome {
    /// The result.
    pub result: SpfResult,
    /// The domain checked.
    pub domain: String,
    /// The `exp` explanation on `fail` (`None`: no exp, or it could not be used).
    pub explanation: Option<String>,
    /// Where the result came from (the matching term, the default, or the error).
    pub reason: String,
    /// Terms that caused DNS lookups (limit 10).
    pub lookups: u32,
    /// Void lookups (limit 2).
    pub void_lookups: u32,
    /// Each step.
    pub trace: Vec<TraceEvent>,
}

/// An early end of evaluation (permerror or temperror) with its reason.
struct Abort(SpfResult, String);

type Step<T> = Result<T, Abort>;

/// Evaluate `query` with answers from `dns`.
pub fn check_host(query: &SpfQuery, dns: &mut dyn SpfDns) -> SpfOutcome {
    let ip = match query.ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(query.ip, IpAddr::V4),
        v4 => v4,
    };
    let (sender, domain) = identity(query);
    let mut ev = Evaluator {
        dns,
        budget: Budget::default(),
        trace: Vec::new(),
        depth: 0,
        ctx: MacroContext {
            sender,
            domain: domain.clone(),
            ip,
            helo: query.helo.clone(),
            receiver: query.receiver.clone(),
            timestamp: query.timestamp,
        },
    };
    let (result, explanation, reason) = ev.check(&domain, 0);
    SpfOutcome {
        result,
        domain,
        explanation,
        reason,
        lookups: ev.budget.lookups,
        void_lookups: ev.budget.voids,
        trace: ev.trace,
    }
}

/// `<sender>` and `<domain>` from MAIL FROM, or from HELO when MAIL FROM is empty.
fn identity(q: &SpfQuery) -> (String, String) {
    let from = q
        .sender
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    let (local, domain) = if from.is_empty() {
        ("", q.helo.as_str())
    } else {
        match from.rsplit_once('@') {
            Some((l, d)) => (l, d),
            None => ("", from),
        }
    };
    let local = if local.is_empty() {
        "postmaster"
    } else {
        local
    };
    let own = domain.trim_end_matches('.').to_string();
    let sender_domain = if own.is_empty() {
        q.domain.clone().unwrap_or_default()
    } else {
        own.clone()
    };
    let checked = q.domain.clone().unwrap_or(own);
    (format!("{local}@{sender_domain}"), checked)
}

/// True when a name can be looked up (RFC 7208 4.3: labels 1..=63, at least two labels).
fn valid_domain(d: &str) -> bool {
    let d = d.strip_suffix('.').unwrap_or(d);
    !d.is_empty()
        && d.len() <= 253
        && d.contains('.')
        && d.split('.').all(|l| !l.is_empty() && l.len() <= 63)
}

struct Evaluator<'a> {
    dns: &'a mut dyn SpfDns,
    budget: Budget,
    trace: Vec<TraceEvent>,
    /// The nesting of the record being evaluated (for the trace of `%{p}` lookups).
    depth: u32,
    ctx: MacroContext,
}

impl Evaluator<'_> {
    /// One DNS query, traced; void answers counted when `count_void`.
    fn query(&mut self, depth: u32, name: &str, rtype: RType, count_void: bool) -> Step<Lookup> {
        let answer = self.dns.lookup(&canonical_name(name), rtype);
        let void = matches!(answer, Lookup::NxDomain | Lookup::NoData) && count_void;
        let void_count = void.then(|| self.budget.spend_void());
        self.trace.push(TraceEvent::Query {
            depth,
            name: canonical_name(name),
            rtype,
            outcome: answer.kind().to_string(),
            answers: match &answer {
                Lookup::Answer(rrs) => rrs.iter().map(Rr::text).collect(),
                _ => Vec::new(),
            },
            void: void_count.map(|r| r.unwrap_or_else(|n| n)),
        });
        if let Some(Err(n)) = void_count {
            return Err(Abort(
                SpfResult::PermError,
                format!("void lookup limit exceeded ({n} > 2) at {name}"),
            ));
        }
        Ok(answer)
    }

    fn check(&mut self, domain: &str, depth: u32) -> (SpfResult, Option<String>, String) {
        self.trace.push(TraceEvent::Check {
            depth,
            domain: domain.to_string(),
        });
        let (result, exp, reason) = match self.check_inner(domain, depth) {
            Ok(r) => r,
            Err(Abort(r, why)) => (r, None, why),
        };
        self.trace.push(TraceEvent::Result {
            depth,
            domain: domain.to_string(),
            result: result.name().to_string(),
            reason: reason.clone(),
        });
        (result, exp, reason)
    }

    fn check_inner(
        &mut self,
        domain: &str,
        depth: u32,
    ) -> Step<(SpfResult, Option<String>, String)> {
        if !valid_domain(domain) {
            return Ok((
                SpfResult::None,
                None,
                format!("{domain:?} is not a valid domain name"),
            ));
        }
        let saved = std::mem::replace(&mut self.ctx.domain, domain.to_string());
        let saved_depth = std::mem::replace(&mut self.depth, depth);
        let out = self.evaluate_domain(domain, depth);
        self.ctx.domain = saved;
        self.depth = saved_depth;
        out
    }

    fn evaluate_domain(
        &mut self,
        domain: &str,
        depth: u32,
    ) -> Step<(SpfResult, Option<String>, String)> {
        let records = match self.query(depth, domain, RType::Txt, false)? {
            Lookup::Answer(rrs) => rrs
                .into_iter()
                .filter_map(|r| match r {
                    Rr::Txt(s) => Some(s.concat()),
                    _ => None,
                })
                .filter(|t| record::is_spf1(t))
                .collect::<Vec<_>>(),
            Lookup::NxDomain | Lookup::NoData => Vec::new(),
            Lookup::ServFail | Lookup::Timeout => {
                return Err(Abort(
                    SpfResult::TempError,
                    format!("TXT lookup of {domain} failed"),
                ));
            }
        };
        let text = match records.as_slice() {
            [] => return Ok((SpfResult::None, None, format!("no SPF record at {domain}"))),
            [one] => one.clone(),
            _ => {
                return Err(Abort(
                    SpfResult::PermError,
                    format!("{} SPF records at {domain}", records.len()),
                ));
            }
        };
        self.trace.push(TraceEvent::Record {
            depth,
            domain: domain.to_string(),
            record: text.clone(),
        });
        let rec = record::parse(&text).map_err(|e| {
            Abort(
                SpfResult::PermError,
                format!("syntax error in the record of {domain}: {e}"),
            )
        })?;
        for d in &rec.directives {
            let counts = matches!(
                d.mechanism,
                Mechanism::Include(_)
                    | Mechanism::A(..)
                    | Mechanism::Mx(..)
                    | Mechanism::Ptr(_)
                    | Mechanism::Exists(_)
            );
            let lookups = if counts {
                match self.budget.spend_lookup() {
                    Ok(n) => Some(n),
                    Err(n) => {
                        self.trace.push(TraceEvent::Term {
                            depth,
                            term: d.text.clone(),
                            lookups: Some(n),
                        });
                        return Err(Abort(
                            SpfResult::PermError,
                            format!("DNS lookup limit exceeded ({n} > 10) at {:?}", d.text),
                        ));
                    }
                }
            } else {
                None
            };
            self.trace.push(TraceEvent::Term {
                depth,
                term: d.text.clone(),
                lookups,
            });
            let matched = self.matches(&d.mechanism, &d.text, depth)?;
            self.trace.push(TraceEvent::Match {
                depth,
                term: d.text.clone(),
                matched,
            });
            if matched {
                let result = match d.qualifier {
                    Qualifier::Pass => SpfResult::Pass,
                    Qualifier::Fail => SpfResult::Fail,
                    Qualifier::SoftFail => SpfResult::SoftFail,
                    Qualifier::Neutral => SpfResult::Neutral,
                };
                let exp = if result == SpfResult::Fail {
                    self.explanation(&rec, depth)
                } else {
                    None
                };
                return Ok((
                    result,
                    exp,
                    format!("matched {:?} in the record of {domain}", d.text),
                ));
            }
        }
        if let Some(target) = &rec.redirect {
            let n = self.budget.spend_lookup().map_err(|n| {
                Abort(
                    SpfResult::PermError,
                    format!("DNS lookup limit exceeded ({n} > 10) at redirect"),
                )
            })?;
            self.trace.push(TraceEvent::Term {
                depth,
                term: format!("redirect={target}"),
                lookups: Some(n),
            });
            let target = self.domain_spec(target)?;
            let (r, exp, why) = self.check(&target, depth + 1);
            if r == SpfResult::None {
                return Err(Abort(
                    SpfResult::PermError,
                    format!("redirect to {target}, which has no SPF record"),
                ));
            }
            return Ok((r, exp, format!("redirect={target}: {why}")));
        }
        Ok((
            SpfResult::Neutral,
            None,
            format!("no term matched in the record of {domain} (default neutral)"),
        ))
    }

    /// Expand a domain-spec; shorten it to 253 characters from the left (RFC 7208 7.3).
    fn domain_spec(&mut self, spec: &str) -> Step<String> {
        let ctx = self.ctx.clone();
        let depth = self.depth;
        let mut p = || self.validated_name(depth);
        let mut d = macros::expand(spec, &ctx, false, &mut p)
            .map_err(|e| Abort(SpfResult::PermError, e))?;
        d = d.trim_end_matches('.').to_string();
        while d.len() > 253 {
            match d.split_once('.') {
                Some((_, rest)) => d = rest.to_string(),
                None => break,
            }
        }
        Ok(d)
    }

    fn target(&mut self, spec: &Option<String>) -> Step<String> {
        match spec {
            Some(s) => self.domain_spec(s),
            None => Ok(self.ctx.domain.clone()),
        }
    }

    fn matches(&mut self, m: &Mechanism, text: &str, depth: u32) -> Step<bool> {
        let ip = self.ctx.ip;
        match m {
            Mechanism::All => Ok(true),
            Mechanism::Ip4(net, len) => Ok(match ip {
                IpAddr::V4(a) => in_net(IpAddr::V4(a), IpAddr::V4(*net), *len),
                IpAddr::V6(_) => false,
            }),
            Mechanism::Ip6(net, len) => Ok(match ip {
                IpAddr::V6(a) => in_net(IpAddr::V6(a), IpAddr::V6(*net), *len),
                IpAddr::V4(_) => false,
            }),
            Mechanism::A(spec, v4, v6) => {
                let target = self.target(spec)?;
                self.address_match(&target, *v4, *v6, depth, true)
            }
            Mechanism::Mx(spec, v4, v6) => {
                let target = self.target(spec)?;
                let hosts = match self.query(depth, &target, RType::Mx, true)? {
                    Lookup::Answer(rrs) => rrs
                        .into_iter()
                        .filter_map(|r| match r {
                            Rr::Mx(_, h) => Some(h),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                    Lookup::NxDomain | Lookup::NoData => return Ok(false),
                    Lookup::ServFail | Lookup::Timeout => {
                        return Err(Abort(
                            SpfResult::TempError,
                            format!("MX lookup of {target} failed ({text})"),
                        ));
                    }
                };
                if hosts.len() > MAX_MX {
                    return Err(Abort(
                        SpfResult::PermError,
                        format!("{target} has {} MX hosts (limit {MAX_MX})", hosts.len()),
                    ));
                }
                // The hosts' address lookups are sub-lookups of this one term: bounded by
                // MAX_MX, not counted as void (one void per term, RFC 7208 4.6.4).
                for h in hosts {
                    if self.address_match(&h, *v4, *v6, depth, false)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Mechanism::Ptr(spec) => {
                let target = canonical_name(&self.target(spec)?);
                let names = self.validated_names(depth, true)?;
                Ok(names
                    .iter()
                    .any(|n| *n == target || n.ends_with(&format!(".{target}"))))
            }
            Mechanism::Exists(spec) => {
                let target = self.domain_spec(spec)?;
                match self.query(depth, &target, RType::A, true)? {
                    Lookup::Answer(_) => Ok(true),
                    Lookup::NxDomain | Lookup::NoData => Ok(false),
                    Lookup::ServFail | Lookup::Timeout => Err(Abort(
                        SpfResult::TempError,
                        format!("A lookup of {target} failed ({text})"),
                    )),
                }
            }
            Mechanism::Include(spec) => {
                let target = self.domain_spec(spec)?;
                let (r, _, why) = self.check(&target, depth + 1);
                match r {
                    SpfResult::Pass => Ok(true),
                    SpfResult::Fail | SpfResult::SoftFail | SpfResult::Neutral => Ok(false),
                    SpfResult::TempError => Err(Abort(
                        SpfResult::TempError,
                        format!("include:{target}: {why}"),
                    )),
                    SpfResult::PermError | SpfResult::None => Err(Abort(
                        SpfResult::PermError,
                        format!("include:{target}: {} ({why})", r.name()),
                    )),
                }
            }
        }
    }

    /// Does any A/AAAA address of `name` (per the client's family) fall in the network?
    fn address_match(
        &mut self,
        name: &str,
        v4: u8,
        v6: u8,
        depth: u32,
        count_void: bool,
    ) -> Step<bool> {
        let (rtype, len) = match self.ctx.ip {
            IpAddr::V4(_) => (RType::A, v4),
            IpAddr::V6(_) => (RType::Aaaa, v6),
        };
        if !valid_domain(name) {
            return Ok(false);
        }
        match self.query(depth, name, rtype, count_void)? {
            Lookup::Answer(rrs) => Ok(rrs.iter().any(|r| match r {
                Rr::A(a) => in_net(self.ctx.ip, IpAddr::V4(*a), len),
                Rr::Aaaa(a) => in_net(self.ctx.ip, IpAddr::V6(*a), len),
                _ => false,
            })),
            Lookup::NxDomain | Lookup::NoData => Ok(false),
            Lookup::ServFail | Lookup::Timeout => Err(Abort(
                SpfResult::TempError,
                format!("{} lookup of {name} failed", rtype.name()),
            )),
        }
    }

    /// The client's validated host names (RFC 7208 5.5): PTR names whose addresses include
    /// the client. Failures give no names (never an error).
    fn validated_names(&mut self, depth: u32, count_void: bool) -> Step<Vec<String>> {
        let rev = reverse_name(self.ctx.ip);
        let names = match self.query(depth, &rev, RType::Ptr, count_void)? {
            Lookup::Answer(rrs) => rrs
                .into_iter()
                .filter_map(|r| match r {
                    Rr::Ptr(n) => Some(n),
                    _ => None,
                })
                .collect::<Vec<_>>(),
            _ => return Ok(Vec::new()),
        };
        let mut ok = Vec::new();
        for n in names.into_iter().take(MAX_PTR) {
            let (rtype, ip) = match self.ctx.ip {
                IpAddr::V4(_) => (RType::A, self.ctx.ip),
                IpAddr::V6(_) => (RType::Aaaa, self.ctx.ip),
            };
            if !valid_domain(&n) {
                continue;
            }
            if let Lookup::Answer(rrs) = self.query(depth, &n, rtype, false)?
                && rrs.iter().any(|r| match r {
                    Rr::A(a) => IpAddr::V4(*a) == ip,
                    Rr::Aaaa(a) => IpAddr::V6(*a) == ip,
                    _ => false,
                })
            {
                ok.push(canonical_name(&n));
            }
        }
        Ok(ok)
    }

    /// `%{p}`: a validated name, preferring the domain itself, then a sub-domain.
    fn validated_name(&mut self, depth: u32) -> String {
        let names = self.validated_names(depth, false).unwrap_or_default();
        let d = canonical_name(&self.ctx.domain);
        names
            .iter()
            .find(|n| **n == d)
            .or_else(|| names.iter().find(|n| n.ends_with(&format!(".{d}"))))
            .or(names.first())
            .cloned()
            .unwrap_or_else(|| "unknown".into())
    }

    /// The `exp` explanation (RFC 7208 6.2); any problem gives none.
    fn explanation(&mut self, rec: &Record, depth: u32) -> Option<String> {
        let spec = rec.exp.as_ref()?;
        let target = self.domain_spec(spec).ok()?;
        if !valid_domain(&target) {
            return None;
        }
        let txt = match self.query(depth, &target, RType::Txt, false).ok()? {
            Lookup::Answer(rrs) if rrs.len() == 1 => rrs[0].text(),
            _ => return None,
        };
        if !txt.is_ascii() {
            return None;
        }
        let ctx = self.ctx.clone();
        let mut p = || self.validated_name(depth);
        macros::expand(&txt, &ctx, true, &mut p).ok()
    }
}

/// Is `ip` in `net/len` (same family)?
fn in_net(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(len))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(len))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::zone::Zone;
    use crate::spf::ZoneThenNet;

    fn run(zone: &str, ip: &str, domain: &str) -> SpfOutcome {
        let z = Zone::parse(zone, "test.zone").expect("zone");
        let mut dns = ZoneThenNet::new(z, None);
        let q = SpfQuery {
            ip: ip.parse().unwrap(),
            sender: format!("a@{domain}"),
            helo: "helo.example".into(),
            domain: None,
            receiver: "unknown".into(),
            timestamp: 0,
        };
        check_host(&q, &mut dns)
    }

    #[test]
    fn eleventh_lookup_term_is_a_permerror() {
        let mut zone = String::from("e.example. TXT \"v=spf1");
        for i in 0..11 {
            zone.push_str(&format!(" a:h{i}.e.example"));
        }
        zone.push_str(" -all\"\n");
        for i in 0..11 {
            zone.push_str(&format!("h{i}.e.example. A 192.0.2.{i}\n"));
        }
        let o = run(&zone, "198.51.100.1", "e.example");
        assert_eq!(o.result, SpfResult::PermError, "{}", o.reason);
        assert_eq!(o.lookups, 11);
        assert!(o.reason.contains("lookup limit"), "{}", o.reason);
        // Ten are fine.
        let ten = zone.replace(" a:h10.e.example", "");
        assert_eq!(
            run(&ten, "198.51.100.1", "e.example").result,
            SpfResult::Fail
        );
    }

    #[test]
    fn third_void_lookup_is_a_permerror_and_mx_hosts_do_not_count_as_void() {
        let zone = "v.example. TXT \"v=spf1 a:n1.v.example a:n2.v.example a:n3.v.example -all\"\n\
                    n1.v.example. TXT \"x\"\n";
        let o = run(zone, "192.0.2.1", "v.example");
        assert_eq!(o.result, SpfResult::PermError);
        assert_eq!(o.void_lookups, 3);
        let two = "v.example. TXT \"v=spf1 a:n1.v.example a:n2.v.example -all\"\n";
        let o = run(two, "192.0.2.1", "v.example");
        assert_eq!((o.result, o.void_lookups), (SpfResult::Fail, 2));
        // One mx term whose three hosts have no address: no void counted for the hosts.
        let mx = "m.example. TXT \"v=spf1 mx -all\"\nm.example. MX 1 a.m.example.\n\
                  m.example. MX 2 b.m.example.\nm.example. MX 3 c.m.example.\n";
        let o = run(mx, "192.0.2.1", "m.example");
        assert_eq!(
            (o.result, o.void_lookups, o.lookups),
            (SpfResult::Fail, 0, 1)
        );
    }

    #[test]
    fn more_than_ten_mx_hosts_is_a_permerror() {
        let mut zone = String::from("m.example. TXT \"v=spf1 mx -all\"\n");
        for i in 0..11 {
            zone.push_str(&format!("m.example. MX {i} h{i}.m.example.\n"));
        }
        let o = run(&zone, "192.0.2.1", "m.example");
        assert_eq!(o.result, SpfResult::PermError);
        assert!(o.reason.contains("MX hosts"), "{}", o.reason);
    }

    #[test]
    fn timeouts_are_temperror_and_exp_applies_only_to_fail() {
        struct Down;
        impl SpfDns for Down {
            fn lookup(&mut self, _: &str, _: RType) -> Lookup {
                Lookup::Timeout
            }
        }
        let q = SpfQuery {
            ip: "192.0.2.1".parse().unwrap(),
            sender: "a@d.example".into(),
            helo: String::new(),
            domain: None,
            receiver: "unknown".into(),
            timestamp: 0,
        };
        assert_eq!(check_host(&q, &mut Down).result, SpfResult::TempError);
        let zone = "d.example. TXT \"v=spf1 ip4:192.0.2.1 exp=x.d.example -all\"\n\
                    x.d.example. TXT \"no %{i}\"\n";
        let pass = run(zone, "192.0.2.1", "d.example");
        assert_eq!((pass.result, pass.explanation), (SpfResult::Pass, None));
        let fail = run(zone, "192.0.2.2", "d.example");
        assert_eq!(fail.explanation.as_deref(), Some("no 192.0.2.2"));
    }

    #[test]
    fn p_macro_in_a_domain_spec_uses_the_validated_name() {
        let zone = "p.example. TXT \"v=spf1 a:%{p} -all\"\n\
                    1.2.0.192.in-addr.arpa. PTR other.example.\n\
                    1.2.0.192.in-addr.arpa. PTR host.p.example.\n\
                    host.p.example. A 192.0.2.1\n";
        let o = run(zone, "192.0.2.1", "p.example");
        assert_eq!(o.result, SpfResult::Pass, "{}", o.reason);
        assert!(o.trace.iter().all(|e| match e {
            TraceEvent::Query { depth, .. } => *depth == 0,
            _ => true,
        }));
        // %{p} lookups are not void lookups: other.example has no address.
        assert_eq!(o.void_lookups, 0);
        assert!(crate::spf::trace::render(&o.trace).len() < 2000);
    }

    proptest::proptest! {
        /// Any record text, any client: a result, never a panic.
        #[test]
        fn any_record_evaluates_without_panic(
            body in "[ -~]{0,80}",
            terms in proptest::collection::vec(
                "(\\+|-|~|\\?)?(a|mx|ptr|all|exists:%\\{[a-z][0-9]?r?[.-]?\\}\\.x\\.example|include:i\\.example|ip4:192\\.0\\.2\\.[0-9]/[0-9]{1,2}|ip6:2001:db8::/[0-9]{1,3}|redirect=r\\.example|exp=e\\.example)(/[0-9]{1,3})?",
                0..8,
            ),
            v6 in proptest::bool::ANY,
        ) {
            let zone = format!(
                "d.example. TXT \"v=spf1 {} {}\"\ni.example. TXT \"v=spf1 include:d.example\"\n\
                 r.example. TXT \"v=spf1 redirect=d.example\"\ne.example. TXT \"%{{c}} %{{r}} %{{t}} %{{p}}\"\n",
                terms.join(" "),
                body.replace(['"', '\\'], ""),
            );
            let ip = if v6 { "2001:db8::1" } else { "192.0.2.1" };
            let o = run(&zone, ip, "d.example");
            proptest::prop_assert!(o.lookups <= 11 && o.void_lookups <= 3);
        }
    }
}
