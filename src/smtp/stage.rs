//! The SMTP stage of the pipeline (`--smtp`): after DNS, probe each new address whose domain
//! has mail servers, grouped by domain, and apply the outcome to every record of the address.

use crate::progress::{Progress, Step, Warnings};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::evidence::{Outcome, SmtpEvidence};
use super::journal::{Entry, Journal};
use super::scheduler::{DomainJob, Event, ProbeSettings, ProbeStats, Scheduler};
use crate::dns::{DnsStage, SuffixTable};
use crate::model::{AddressRecord, MxHost, Reason};
use crate::stage::Stage;

/// DNS, then SMTP.
pub struct SmtpStage {
    dns: DnsStage,
    sched: Arc<Scheduler>,
    journal: Option<Arc<Journal>>,
    known: Mutex<HashMap<String, Arc<Outcome>>>,
    catch_all: Mutex<HashMap<String, bool>>,
    port_blocked: AtomicBool,
    progress: Option<Arc<dyn Progress>>,
    warnings: Warnings,
}

/// The provider that makes a route unverifiable, from `data/smtp_unverifiable.tsv`.
pub(crate) fn unverifiable(hosts: &[MxHost]) -> Option<&'static str> {
    use std::sync::OnceLock;
    static TABLE: OnceLock<SuffixTable> = OnceLock::new();
    let table =
        TABLE.get_or_init(|| SuffixTable::parse(include_str!("../../data/smtp_unverifiable.tsv")));
    table.lookup(&hosts.first()?.host)
}

/// The address to ask about: the all-ASCII form, or for an internationalised local part
/// (RFC 6531) the normalised local part at the A-label domain.
fn probe_address(r: &AddressRecord) -> Option<String> {
    if let Some(a) = r.ascii() {
        return Some(a.to_owned());
    }
    let (local, _) = r.normalized.as_deref()?.rsplit_once('@')?;
    Some(format!("{local}@{}", r.dns.as_ref()?.domain))
}

fn eligible(r: &AddressRecord) -> bool {
    r.valid
        && matches!(r.reason, Reason::NotChecked | Reason::RoleAccount)
        && r.dns.as_ref().is_some_and(|d| !d.route.hosts().is_empty())
}

impl SmtpStage {
    /// Wrap a DNS stage; `journal`, when given, is read (answered addresses are not probed
    /// again) and appended to.
    pub fn new(
        dns: DnsStage,
        settings: ProbeSettings,
        journal: Option<Journal>,
        progress: Option<Arc<dyn Progress>>,
    ) -> SmtpStage {
        let gate = Arc::new(super::gate::LocalGate::new(settings.per_host));
        SmtpStage::with_gate(dns, settings, journal, progress, gate)
    }

    /// [`SmtpStage::new`] with the per-host connection slots granted by `gate`, which workers
    /// on several machines may share.
    pub fn with_gate(
        dns: DnsStage,
        settings: ProbeSettings,
        journal: Option<Journal>,
        progress: Option<Arc<dyn Progress>>,
        gate: Arc<dyn super::gate::HostGate>,
    ) -> SmtpStage {
        let catch_all = journal
            .as_ref()
            .map(|j| j.catch_all.clone())
            .unwrap_or_default();
        let known = journal
            .as_ref()
            .map(|j| {
                j.answered
                    .iter()
                    .map(|(k, v)| (k.clone(), Arc::new(v.clone())))
                    .collect()
            })
            .unwrap_or_default();
        SmtpStage {
            dns,
            sched: Arc::new(Scheduler::with_gate(settings, gate)),
            journal: journal.map(Arc::new),
            known: Mutex::new(known),
            catch_all: Mutex::new(catch_all),
            port_blocked: AtomicBool::new(false),
            warnings: Warnings::new(progress.clone()),
            progress,
        }
    }

    /// Probe counters.
    pub fn stats(&self) -> &ProbeStats {
        &self.sched.stats
    }

    /// Addresses answered by an earlier run (from the journal) or by this one.
    pub fn known(&self) -> usize {
        self.known.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Checks to run before probing: does our HELO name resolve? Returns warnings.
    pub fn preflight(&self) -> Vec<String> {
        let helo = self.sched.settings().session.helo.clone();
        if helo.starts_with('[') {
            return Vec::new();
        }
        let resolver = self.dns.resolver();
        let addrs = self
            .dns
            .runtime()
            .block_on(async { resolver.addresses(&helo).await });
        if addrs.is_empty() {
            vec![format!(
                "our HELO name {helo} does not resolve (no A/AAAA record): many servers refuse \
                 such clients, and their refusals will show as sender_blocked, not as verdicts \
                 on the addresses"
            )]
        } else {
            Vec::new()
        }
    }

    /// Warnings to show once at the end (DNS trouble). A blocked port is reported at once
    /// through the progress given to [`SmtpStage::new`], else returned here.
    pub fn take_warnings(&self) -> Vec<String> {
        let mut w = self.dns.take_warnings();
        w.extend(self.warnings.take());
        w
    }

    /// The DNS resolver and what it was judged to be.
    pub fn resolver_report(&self) -> crate::dns::ResolverReport {
        self.dns.report()
    }

    fn run_jobs(&self, jobs: Vec<DomainJob>) {
        let total = jobs.len();
        let show = self.progress.clone().filter(|_| total >= 5);
        if let Some(p) = &show {
            p.start(Step::Smtp, Some(total as u64));
        }
        let done = Arc::new(AtomicUsize::new(0));
        let results = self.dns.runtime().block_on(async {
            let handles: Vec<_> = jobs
                .into_iter()
                .map(|job| {
                    let sched = self.sched.clone();
                    let journal = self.journal.clone();
                    let done = done.clone();
                    let show = show.clone();
                    tokio::spawn(async move {
                        let record = move |e: Event<'_>| {
                            let Some(j) = &journal else { return };
                            let _ = j.append(&match e {
                                Event::Rcpt(address, o) => Entry::Rcpt {
                                    address: address.to_owned(),
                                    outcome: Box::new(o.clone()),
                                },
                                Event::CatchAll(domain, catch_all) => Entry::Domain {
                                    domain: domain.to_owned(),
                                    catch_all,
                                },
                            });
                        };
                        let r = sched.probe_domain(job, &record).await;
                        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                        if let Some(p) = &show {
                            p.update(Step::Smtp, n as u64, n as u64);
                        }
                        r
                    })
                })
                .collect();
            let mut out = Vec::new();
            for h in handles {
                if let Ok(r) = h.await {
                    out.push(r);
                }
            }
            out
        });
        if let Some(p) = &show {
            p.finish(Step::Smtp);
        }
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        let mut ca = self.catch_all.lock().unwrap_or_else(|p| p.into_inner());
        for r in results {
            if let Some(c) = r.catch_all {
                ca.insert(r.domain.clone(), c);
            }
            for (addr, o) in r.outcomes {
                known.insert(addr, Arc::new(o));
            }
        }
    }

    /// After a batch: when no server has ever greeted us and several could not be reached, say
    /// so at once (on stderr, not at the end of a long run) and stop probing: the rest of the run
    /// would only collect timeouts.
    fn check_port_blocked(&self) {
        let s = &self.sched.stats;
        let (greeted, unreachable) = (
            s.greeted.load(Ordering::Relaxed),
            s.unreachable.load(Ordering::Relaxed),
        );
        if greeted == 0 && unreachable >= 3 && !self.port_blocked.swap(true, Ordering::Relaxed) {
            let port = self.sched.settings().port;
            let msg = format!(
                "no mail server answered on port {port} ({unreachable} \
                 connections refused or timed out): outbound port {port} is probably blocked \
                 by your network or provider (most ISPs and clouds block it). Those addresses \
                 are unknown (connect_failed / smtp_timeout), not undeliverable; the rest of \
                 the run is not probed. Probe from a host that may use port {port}."
            );
            self.warnings.say(msg);
        }
    }
}

/// Apply a probe outcome to a record. An accepted role address keeps `role_account` when
/// policy made that the primary reason.
pub(crate) fn apply(r: &mut AddressRecord, o: &Outcome) {
    let keep_role = r.reason == Reason::RoleAccount && o.reason == Reason::Accepted;
    if !keep_role {
        r.reason = o.reason;
        r.verdict = o.reason.verdict();
    }
    r.smtp = Some(Arc::new(o.evidence.clone()));
}

/// Rows `clean` gathers before probing: greylisting waits and per-domain sessions then cover
/// many domains at once instead of one input chunk's.
pub(crate) const SMTP_BATCH_ROWS: usize = 20_000;

impl Stage for SmtpStage {
    fn batch_rows(&self) -> usize {
        SMTP_BATCH_ROWS
    }

    fn known_catch_all(&self, domain: &str) -> Option<bool> {
        self.catch_all
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(domain)
            .copied()
    }

    fn remember_catch_all(&self, domain: &str, catch_all: bool) {
        self.catch_all
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(domain.to_owned(), catch_all);
    }

    fn process(&self, records: &mut [&mut AddressRecord]) {
        self.dns.process(records);
        let mut jobs: HashMap<String, DomainJob> = HashMap::new();
        {
            let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
            let ca = self.catch_all.lock().unwrap_or_else(|p| p.into_inner());
            // Hosts that an untrusted resolver's answer produced are not probed.
            let trusted = |r: &AddressRecord| r.dns.as_ref().is_some_and(|d| self.dns.trusts(d));
            for r in records.iter_mut().filter(|r| eligible(r) && trusted(r)) {
                let Some(ev) = r.dns.clone() else { continue };
                let Some(addr) = probe_address(r) else {
                    continue;
                };
                if known.contains_key(&addr) {
                    continue;
                }
                if self.port_blocked.load(Ordering::Relaxed) {
                    r.smtp = Some(Arc::new(SmtpEvidence {
                        message: Some("not probed: no mail server reachable on the port".into()),
                        stage: "connect".into(),
                        ..SmtpEvidence::default()
                    }));
                    continue;
                }
                let hosts = ev.route.hosts();
                if let Some(p) = unverifiable(hosts) {
                    known.insert(
                        addr,
                        Arc::new(Outcome {
                            reason: Reason::ProviderUnverifiable,
                            evidence: SmtpEvidence {
                                mx_host: hosts.first().map(|h| h.host.clone()),
                                message: Some(format!(
                                    "not probed: {p} accepts every recipient at RCPT TO"
                                )),
                                stage: "rcpt".into(),
                                ..SmtpEvidence::default()
                            },
                        }),
                    );
                    continue;
                }
                let job = jobs.entry(ev.domain.clone()).or_insert_with(|| DomainJob {
                    domain: ev.domain.clone(),
                    hosts: hosts
                        .iter()
                        .map(|h| (h.host.clone(), h.addresses.clone()))
                        .collect(),
                    recipients: Vec::new(),
                    catch_all: ca.get(&ev.domain).copied(),
                });
                if !job.recipients.contains(&addr) {
                    job.recipients.push(addr);
                }
            }
        }
        if !jobs.is_empty() {
            self.run_jobs(jobs.into_values().collect());
            self.check_port_blocked();
        }
        let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        for r in records.iter_mut().filter(|r| eligible(r)) {
            if let Some(o) = probe_address(r).and_then(|a| known.get(&a)) {
                apply(r, o);
            }
        }
    }
}
