//! The probe scheduler: work grouped by domain, sessions to the domain's MX hosts in preference
//! order with a per-host connection limit, a per-domain `RCPT TO` rate, recipients batched into
//! few sessions, fallback to the next MX on refused/timeout/421, greylisting retried after a
//! wait, and one random-local-part probe per domain to detect catch-all servers.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

use super::gate::{HostGate, LocalGate};

use super::differential;
use super::driver::{Pacer, ProbeOutcome, Target, Timeouts, probe};
use super::evidence::{Outcome, SmtpEvidence};
use super::session::{RcptResult, SessionConfig};
use super::verdict::{ConnFailure, connection_reason, result_reason};
use crate::model::Reason;

/// How to probe.
#[derive(Debug, Clone)]
pub struct ProbeSettings {
    /// HELO name, MAIL FROM and STARTTLS.
    pub session: SessionConfig,
    /// The SMTP port (25; others only for testing).
    pub port: u16,
    /// Time limits.
    pub timeouts: Timeouts,
    /// Connections at once to one MX address.
    pub per_host: usize,
    /// `RCPT TO` commands per second per domain (`None`: unpaced).
    pub rate: Option<f64>,
    /// Recipients per session.
    pub batch: usize,
    /// Sessions at once, in all.
    pub concurrency: usize,
    /// Wait before asking again after greylisting.
    pub greylist_wait: Duration,
    /// Rounds after the first for greylisted recipients.
    pub greylist_retries: u32,
    /// Probe a random local part per domain to detect catch-all servers.
    pub catch_all: bool,
    /// MX addresses tried per domain at most.
    pub max_targets: usize,
    /// The local address to connect from (`None`: the system chooses).
    pub bind: Option<IpAddr>,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            session: SessionConfig {
                helo: String::new(),
                mail_from: String::new(),
                starttls: true,
            },
            port: 25,
            timeouts: Timeouts::default(),
            per_host: 1,
            rate: None,
            batch: 20,
            concurrency: 32,
            greylist_wait: Duration::from_secs(60),
            greylist_retries: 1,
            catch_all: true,
            max_targets: 4,
            bind: None,
        }
    }
}

/// One domain's work.
#[derive(Debug, Clone)]
pub struct DomainJob {
    /// The domain (A-label form).
    pub domain: String,
    /// MX hosts in preference order with their addresses.
    pub hosts: Vec<(String, Vec<IpAddr>)>,
    /// Recipients (ASCII addresses), without duplicates.
    pub recipients: Vec<String>,
    /// Catch-all status already known (from the journal), so the random probe is skipped.
    pub catch_all: Option<bool>,
}

/// What the scheduler found for one domain.
#[derive(Debug, Clone)]
pub struct DomainResult {
    /// The domain.
    pub domain: String,
    /// Whether it accepted a random local part (`None`: could not tell).
    pub catch_all: Option<bool>,
    /// One outcome per recipient, in job order.
    pub outcomes: Vec<(String, Outcome)>,
}

/// Counters, for tests, benches and the preflight warning.
#[derive(Debug, Default)]
pub struct ProbeStats {
    /// Sessions started (TCP connects attempted).
    pub sessions: AtomicU64,
    /// Connections that reached a banner.
    pub greeted: AtomicU64,
    /// Connections refused or timed out before a banner.
    pub unreachable: AtomicU64,
    /// `RCPT TO` commands sent.
    pub rcpts: AtomicU64,
}

/// Runs probes; share it (`Arc`) between domain tasks.
pub struct Scheduler {
    settings: ProbeSettings,
    gate: Arc<dyn HostGate>,
    global: Semaphore,
    /// Counters.
    pub stats: ProbeStats,
}

/// A finding, reported as soon as it is final (for the journal).
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A recipient's outcome.
    Rcpt(&'a str, &'a Outcome),
    /// A domain's catch-all status.
    CatchAll(&'a str, bool),
}

/// Receives [`Event`]s.
pub(crate) type OnEvent<'a> = &'a (dyn Fn(Event<'_>) + Sync);

impl Scheduler {
    /// A scheduler with these settings.
    pub fn new(settings: ProbeSettings) -> Scheduler {
        let gate = Arc::new(LocalGate::new(settings.per_host));
        Scheduler::with_gate(settings, gate)
    }

    /// A scheduler whose per-host connection slots come from `gate` (shared between processes
    /// when the gate is).
    pub fn with_gate(settings: ProbeSettings, gate: Arc<dyn HostGate>) -> Scheduler {
        let global = Semaphore::new(settings.concurrency.max(1));
        Scheduler {
            settings,
            gate,
            global,
            stats: ProbeStats::default(),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &ProbeSettings {
        &self.settings
    }

    fn targets(&self, job: &DomainJob) -> Vec<Target> {
        let mut out = Vec::new();
        for (host, ips) in &job.hosts {
            for ip in ips.iter().take(2) {
                if out.len() < self.settings.max_targets.max(1) {
                    out.push(Target {
                        addr: SocketAddr::new(*ip, self.settings.port),
                        host: host.clone(),
                    });
                }
            }
        }
        out
    }

    /// Probe every recipient of `job`. `on_event` sees each final outcome (and the domain's
    /// catch-all status) as soon as it is decided, for the journal.
    pub async fn probe_domain(&self, job: DomainJob, on_event: OnEvent<'_>) -> DomainResult {
        let targets = self.targets(&job);
        let s = &self.settings;
        let pacer = s.rate.map(Pacer::new);
        let mut catch_all = job.catch_all;
        let mut probe_addr = (s.catch_all && catch_all.is_none())
            .then(|| format!("{}@{}", random_local(&job.domain), job.domain));
        let mut pending: Vec<String> = job.recipients.clone();
        let mut done: HashMap<String, Outcome> = HashMap::new();
        // Accepted before the catch-all probe could tell (it was greylisted): decided at the end.
        let mut held: Vec<(String, Outcome)> = Vec::new();
        // The random address asked this run, and its last outcome: differential evidence.
        let random = probe_addr.clone();
        let mut probe_outcome: Option<Outcome> = None;
        // Permanent refusals are final only when the domain is done: the differential evidence
        // (`differential.rs`) weighs them against the random probe and what was accepted.
        let mut refused: Vec<(String, Outcome)> = Vec::new();
        let finish = |addr: String, mut o: Outcome, catch_all: Option<bool>| {
            o.evidence.catch_all = catch_all;
            if o.reason == Reason::Accepted && catch_all == Some(true) {
                o.reason = Reason::AcceptAll;
            }
            (addr, o)
        };
        let mut round = 0u32;
        loop {
            round += 1;
            let last_round = round > s.greylist_retries;
            let mut groups: Vec<Vec<String>> =
                pending.chunks(s.batch.max(1)).map(<[_]>::to_vec).collect();
            // The random local part is asked last in the first session: a server that answers
            // a refused recipient slowly (Courier's tarpit: 8 s, 16 s, ...) then delays none of
            // the real recipients' replies, and a timeout on it loses only the catch-all status.
            if let Some(p) = &probe_addr {
                if groups.is_empty() {
                    groups.push(Vec::new());
                }
                groups[0].push(p.clone());
            }
            let mut grey = Vec::new();
            let mut probe_grey = false;
            // Set when no server of the domain could be reached, or the session failed before any
            // RCPT TO (421 banner, our HELO or MAIL FROM refused, timeouts):
            // the remaining groups of this round get the same answer without new connections.
            let mut dead: Option<Outcome> = None;
            for (gi, group) in groups.into_iter().enumerate() {
                let found = match &dead {
                    Some(o) => vec![o.clone(); group.len()],
                    None => self.session(&targets, &group, pacer.as_ref()).await,
                };
                if dead.is_none()
                    && !found.is_empty()
                    && found.iter().all(|o| {
                        matches!(o.evidence.stage.as_str(), "connect" | "banner" | "session")
                    })
                {
                    dead = Some(found[0].clone());
                }
                let mut answers: Vec<(String, Outcome)> = group.into_iter().zip(found).collect();
                // The random probe's answer first: the catch-all status it gives decides how
                // the recipients accepted in the same session are reported.
                if gi == 0 && probe_addr.is_some() {
                    answers.rotate_right(1);
                }
                for (i, (addr, mut o)) in answers.into_iter().enumerate() {
                    o.evidence.attempts = round;
                    if gi == 0 && i == 0 && probe_addr.as_deref() == Some(addr.as_str()) {
                        match o.reason {
                            Reason::Accepted => catch_all = Some(true),
                            Reason::Greylisted if !last_round => probe_grey = true,
                            Reason::MailboxNotFound
                            | Reason::MailboxDisabled
                            | Reason::PolicyRejected => catch_all = Some(false),
                            _ => {}
                        }
                        if let Some(c) = catch_all {
                            on_event(Event::CatchAll(&job.domain, c));
                        }
                        probe_outcome = Some(o);
                        continue;
                    }
                    if o.reason == Reason::Greylisted && !last_round {
                        grey.push(addr);
                        continue;
                    }
                    if o.reason == Reason::Greylisted && round > 1 {
                        o.reason = Reason::GreylistedUnresolved;
                    }
                    if o.reason == Reason::Accepted && catch_all.is_none() && probe_grey {
                        held.push((addr, o));
                        continue;
                    }
                    let (addr, o) = finish(addr, o, catch_all);
                    if random.is_some() && differential::is_permanent_refusal(&o.evidence) {
                        refused.push((addr, o));
                    } else {
                        on_event(Event::Rcpt(&addr, &o));
                        done.insert(addr, o);
                    }
                }
            }
            if grey.is_empty() && !probe_grey {
                break;
            }
            tokio::time::sleep(s.greylist_wait).await;
            pending = grey;
            if !probe_grey {
                probe_addr = None;
            }
        }
        for (addr, o) in held {
            let (addr, o) = finish(addr, o, catch_all);
            on_event(Event::Rcpt(&addr, &o));
            done.insert(addr, o);
        }
        for (addr, mut o) in refused {
            if let (Some(rnd), Some(p)) = (&random, &probe_outcome) {
                let accepted = |ip: IpAddr| {
                    done.values()
                        .filter(|d| {
                            matches!(d.reason, Reason::Accepted | Reason::AcceptAll)
                                && d.evidence.ip == Some(ip)
                        })
                        .count() as u32
                };
                differential::apply(&addr, &mut o, rnd, p, accepted);
            }
            on_event(Event::Rcpt(&addr, &o));
            done.insert(addr, o);
        }
        let outcomes = job
            .recipients
            .iter()
            .map(|r| {
                let o = done.remove(r).unwrap_or_else(|| Outcome {
                    reason: Reason::NotChecked,
                    evidence: SmtpEvidence::default(),
                });
                (r.clone(), o)
            })
            .collect();
        DomainResult {
            domain: job.domain,
            catch_all,
            outcomes,
        }
    }

    /// One session for `rcpts`, falling back to the next target when a server cannot be
    /// reached, does not greet in time, or answers 421 at the banner.
    async fn session(
        &self,
        targets: &[Target],
        rcpts: &[String],
        pacer: Option<&Pacer>,
    ) -> Vec<Outcome> {
        let mut tried = Vec::new();
        let mut last: Option<(ProbeOutcome, &Target)> = None;
        let mut i = 0;
        let mut starttls = self.settings.session.starttls;
        while i < targets.len() {
            let target = &targets[i];
            let out = {
                // The host's gate first: a task waiting for a busy host must not hold one of
                // the global permits that tasks for other hosts could use.
                let _host = self.gate.acquire(target.addr.ip()).await;
                let _all = self.global.acquire().await;
                self.stats.sessions.fetch_add(1, Ordering::Relaxed);
                let mut cfg = self.settings.session.clone();
                cfg.starttls = starttls;
                match probe(
                    target,
                    cfg,
                    rcpts.to_vec(),
                    self.settings.timeouts,
                    pacer,
                    self.settings.bind,
                )
                .await
                {
                    Ok(o) => o,
                    Err(e) => {
                        // Our own identity is unusable: nothing can be probed.
                        return rcpts
                            .iter()
                            .map(|_| Outcome {
                                reason: Reason::NotChecked,
                                evidence: SmtpEvidence {
                                    message: Some(e.0.clone()),
                                    stage: "session".into(),
                                    ..SmtpEvidence::default()
                                },
                            })
                            .collect();
                    }
                }
            };
            let rc = out.sent.iter().filter(|c| c.starts_with("RCPT")).count();
            self.stats.rcpts.fetch_add(rc as u64, Ordering::Relaxed);
            if out.greeted {
                self.stats.greeted.fetch_add(1, Ordering::Relaxed);
            } else {
                self.stats.unreachable.fetch_add(1, Ordering::Relaxed);
            }
            if out.failure == Some(ConnFailure::TlsFailed) && starttls {
                // Servers with broken TLS still take mail in clear text: ask again without it.
                tried.push(format!("{} tls_failed", target.addr));
                starttls = false;
                continue;
            }
            let banner_421 = out.results.iter().all(|r| {
                matches!(r, Some(RcptResult::SessionRefused(x)) if x.code == 421)
                    && out.sent.first().is_none_or(|c| c == "QUIT")
            });
            let unreachable = !out.greeted && out.failure.is_some();
            let label = if banner_421 {
                "421".to_owned()
            } else if let Some(f) = out.failure.filter(|_| !out.greeted) {
                connection_reason(f).as_str().to_owned()
            } else {
                "reply".to_owned()
            };
            tried.push(format!("{} {label}", target.addr));
            if (banner_421 || unreachable) && i + 1 < targets.len() {
                last = Some((out, target));
                i += 1;
                starttls = self.settings.session.starttls;
                continue;
            }
            return outcomes(&out, target, rcpts.len(), tried);
        }
        match last {
            Some((out, target)) => outcomes(&out, target, rcpts.len(), tried),
            None => rcpts
                .iter()
                .map(|_| Outcome {
                    reason: Reason::NoMailServer,
                    evidence: SmtpEvidence {
                        stage: "connect".into(),
                        message: Some("no MX address to connect to".into()),
                        ..SmtpEvidence::default()
                    },
                })
                .collect(),
        }
    }
}

/// Per-recipient outcomes of one session.
fn outcomes(out: &ProbeOutcome, target: &Target, n: usize, tried: Vec<String>) -> Vec<Outcome> {
    (0..n)
        .map(|i| {
            let mut ev = SmtpEvidence {
                mx_host: Some(target.host.clone()),
                ip: Some(target.addr.ip()),
                tls: out.tls.clone(),
                tried: tried.clone(),
                ..SmtpEvidence::default()
            };
            let reason = match out.results.get(i).cloned().flatten() {
                Some(r) => {
                    match &r {
                        RcptResult::Answered(x) => ev.set_reply(x, "rcpt"),
                        RcptResult::SessionRefused(x) => ev.set_reply(
                            x,
                            if out.sent.is_empty() || out.sent[0] == "QUIT" {
                                "banner"
                            } else {
                                "session"
                            },
                        ),
                        RcptResult::BadPath(e) => {
                            ev.message = Some(format!("not probed: {}", e.0));
                            ev.stage = "rcpt".into();
                        }
                    }
                    result_reason(&r)
                }
                None => {
                    let f = out.failure.unwrap_or(ConnFailure::Closed);
                    ev.stage = if out.greeted { "session" } else { "connect" }.into();
                    connection_reason(f)
                }
            };
            Outcome {
                reason,
                evidence: ev,
            }
        })
        .collect()
}

/// A local part no one has: fixed prefix, then 16 hex digits from the time, the domain and a
/// counter.
fn random_local(domain: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    static N: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write(domain.as_bytes());
    h.write_u64(N.fetch_add(1, Ordering::Relaxed));
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    h.write_u64(t);
    format!("mailsift-nx-{:016x}", h.finish())
}
