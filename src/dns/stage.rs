//! The DNS stage of the pipeline: resolves each new domain of a batch concurrently (bounded),
//! then applies the outcome to every address of the domain.

use crate::progress::{Progress, Step, Warnings};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::known_answers::probes;
use super::resolver_health::{Judgement, ResolverJudge, ResolverReport, ResolverStatus};
use super::zone::Zone;
use super::{DnsConfig, DnsError, DnsEvidence, DnsResolver, MailRoute, probe, provider_for};
use crate::model::{AddressRecord, Reason, Verdict};
use crate::stage::Stage;

/// Resolves domains for `clean` and `check`.
pub struct DnsStage {
    rt: tokio::runtime::Runtime,
    resolver: Arc<DnsResolver>,
    evidence: Mutex<HashMap<String, Arc<DnsEvidence>>>,
    concurrency: usize,
    progress: Option<Arc<dyn Progress>>,
    warned: AtomicBool,
    warnings: Warnings,
    judge: Mutex<ResolverJudge>,
    /// The judgement the last batch was applied with.
    health: Mutex<Judgement>,
    /// The zone files' names (`zone:FILE,...`) when `--offline --zone` leaves no network
    /// resolver to judge.
    zone_only: Option<String>,
}

impl DnsStage {
    /// A stage with its own tokio runtime.
    /// Progress (batches of 100 domains or more) goes to `progress`.
    pub fn new(cfg: &DnsConfig, progress: Option<Arc<dyn Progress>>) -> Result<DnsStage, DnsError> {
        DnsStage::with_zone(Some(cfg), None, progress)
    }

    /// A stage whose resolver asks `zone` (records from `--zone` files, named by `files`) before
    /// the network of `cfg`; with no `cfg` (`--offline --zone`) only the zone answers and names
    /// it does not hold are NXDOMAIN. Zone answers are trusted (the user wrote them): the
    /// resolver judge sees only the network's answers, and without a network it asks nothing.
    pub fn with_zone(
        cfg: Option<&DnsConfig>,
        zone: Option<(Zone, Vec<String>)>,
        progress: Option<Arc<dyn Progress>>,
    ) -> Result<DnsStage, DnsError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(DnsError::Runtime)?;
        let zone_only = match (&zone, cfg) {
            (Some((_, files)), None) => Some(format!("zone:{}", files.join(","))),
            _ => None,
        };
        let resolver = {
            let _guard = rt.enter();
            Arc::new(DnsResolver::with_zone(cfg, zone.map(|(z, _)| Arc::new(z)))?)
        };
        let concurrency = cfg.map_or(256, |c| c.concurrency);
        Ok(DnsStage {
            rt,
            resolver,
            evidence: Mutex::new(HashMap::new()),
            concurrency: concurrency.max(1),
            warnings: Warnings::new(progress.clone()),
            progress,
            warned: AtomicBool::new(false),
            judge: Mutex::new(ResolverJudge::default()),
            health: Mutex::new(Judgement::default()),
            zone_only,
        })
    }

    /// The resolver's name for reports: its first server.
    fn resolver_name(&self) -> String {
        if let Some(name) = &self.zone_only {
            return name.clone();
        }
        self.resolver
            .servers()
            .first()
            .map_or_else(|| "(none)".to_owned(), ToString::to_string)
    }

    /// The resolver, its status and the evidence, as judged so far. A stage that never ran
    /// asks its probes now.
    pub fn report(&self) -> ResolverReport {
        if self.resolver.has_network() && !self.lock_judge().probed() {
            self.judge_batch(&[], &[]);
        }
        let j = self.judgement();
        ResolverReport {
            resolver: self.resolver_name(),
            status: j.status,
            evidence: j.evidence,
        }
    }

    /// Whether an answer may decide an address (`--smtp` probes only hosts of trusted answers).
    pub(crate) fn trusts(&self, ev: &DnsEvidence) -> bool {
        if self.resolver.zone_holds(&ev.domain) {
            return true;
        }
        self.health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .trusts(&ev.domain, &ev.route)
    }

    fn judgement(&self) -> Judgement {
        self.health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn lock_judge(&self) -> std::sync::MutexGuard<'_, ResolverJudge> {
        self.judge.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Resolve `missing` (the batch's new domains, A-label form), asking the probes alongside on
    /// the first batch; feed the judge and warn once when the resolver is not to be trusted.
    fn judge_batch(&self, missing: &[String], batch: &[&str]) -> Vec<Arc<DnsEvidence>> {
        if !self.resolver.has_network() {
            // Only the zone answers: nothing to judge, and no probe could be asked.
            return self.resolve_all(missing);
        }
        let pending = (!self.lock_judge().probed()).then(|| {
            let questions = probes(batch.iter().copied(), &probe::random_label());
            let resolver = self.resolver.clone();
            let qs = questions.clone();
            let task = self
                .rt
                .spawn(async move { probe::ask_all(&resolver, &qs).await });
            (questions, task)
        });
        let ev = if missing.is_empty() {
            Vec::new()
        } else {
            self.resolve_all(missing)
        };
        let mut judge = self.lock_judge();
        if let Some((questions, task)) = pending {
            let answers = self.rt.block_on(task).unwrap_or_default();
            for (q, a) in questions.into_iter().zip(answers) {
                judge.probe(q, a);
            }
        }
        for e in ev.iter().filter(|e| !self.resolver.zone_holds(&e.domain)) {
            judge.route(&e.domain, &e.route);
        }
        let judged = judge.judge();
        drop(judge);
        let status = judged.status;
        *self.health.lock().unwrap_or_else(|p| p.into_inner()) = judged.clone();
        if status != ResolverStatus::Ok && !self.warned.swap(true, Ordering::Relaxed) {
            let report = ResolverReport {
                resolver: self.resolver_name(),
                status,
                evidence: judged.evidence,
            };
            if let Some(w) = report.warning() {
                self.warnings.say(w);
            }
        }
        ev
    }

    /// The runtime the stage runs on (shared with the SMTP stage).
    pub(crate) fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.rt
    }

    /// The resolver (for its counters).
    pub(crate) fn resolver(&self) -> &DnsResolver {
        &self.resolver
    }

    /// Warnings to show the user once (e.g. no DNS server answers).
    pub fn take_warnings(&self) -> Vec<String> {
        self.warnings.take()
    }

    /// Resolve a set of domains (A-label form), returning the evidence of each.
    pub fn resolve_all(&self, domains: &[String]) -> Vec<Arc<DnsEvidence>> {
        let total = domains.len();
        let show = self.progress.clone().filter(|_| total >= 100);
        if let Some(p) = &show {
            p.start(Step::Dns, Some(total as u64));
        }
        // `concurrency` lanes pull the next domain from a shared index: no task or permit per
        // domain.
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let shared: Arc<Vec<String>> = Arc::new(domains.to_vec());
        let routes: Vec<Arc<MailRoute>> = self.rt.block_on(async {
            let lanes = self.concurrency.min(total.max(1));
            let mut handles = Vec::with_capacity(lanes);
            for _ in 0..lanes {
                let (next, shared, resolver) =
                    (next.clone(), shared.clone(), self.resolver.clone());
                let show = show.clone();
                handles.push(tokio::spawn(async move {
                    let mut got = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(d) = shared.get(i) else { break };
                        got.push((i, resolver.route(d).await));
                        if let Some(p) = &show
                            && (i + 1).is_multiple_of(100)
                        {
                            p.update(Step::Dns, i as u64 + 1, i as u64 + 1);
                        }
                    }
                    got
                }));
            }
            let mut out: Vec<Option<Arc<MailRoute>>> = vec![None; total];
            for h in handles {
                if let Ok(got) = h.await {
                    for (i, r) in got {
                        out[i] = Some(r);
                    }
                }
            }
            out.into_iter()
                .map(|r| r.unwrap_or_else(|| Arc::new(MailRoute::ServFail)))
                .collect()
        });
        if let Some(p) = &show {
            p.finish(Step::Dns);
        }
        domains
            .iter()
            .zip(routes)
            .map(|(d, route)| {
                Arc::new(DnsEvidence {
                    domain: d.clone(),
                    provider: provider_for(route.hosts()),
                    route: (*route).clone(),
                })
            })
            .collect()
    }
}

/// The A-label domain of a valid record.
fn ascii_domain(r: &AddressRecord) -> Option<String> {
    if !r.valid {
        return None;
    }
    if let Some(a) = r.ascii() {
        return a.rsplit_once('@').map(|(_, d)| d.to_owned());
    }
    let n = r.normalized.as_deref()?;
    let (_, d) = n.rsplit_once('@')?;
    if d.starts_with('[') {
        return None;
    }
    idna::domain_to_ascii(d).ok()
}

/// Apply DNS evidence to a record: a definite "no mail here" makes it undeliverable; a
/// transient failure only replaces `not_checked` (it never condemns an address). An answer from
/// a resolver that is not trusted (`status`) decides nothing: `not_checked` becomes
/// `dns_untrusted`.
pub(super) fn apply(r: &mut AddressRecord, ev: Arc<DnsEvidence>, judged: &Judgement) {
    if !judged.trusts(&ev.domain, &ev.route) {
        let status = judged.status;
        if r.reason == Reason::NotChecked {
            r.reason = Reason::DnsUntrusted;
            r.verdict = Reason::DnsUntrusted.verdict();
            r.detail.get_or_insert_with(|| {
                format!(
                    "the DNS resolver is not trusted ({}); its answer decides nothing",
                    status.as_str()
                )
            });
        }
        r.dns = Some(ev);
        return;
    }
    if let Some(reason) = ev.route.reason() {
        if reason.verdict() == Verdict::Undeliverable {
            r.reason = reason;
            r.verdict = Verdict::Undeliverable;
        } else if r.reason == Reason::NotChecked {
            r.reason = reason;
            r.verdict = reason.verdict();
        }
    }
    r.dns = Some(ev);
}

impl Stage for DnsStage {
    fn process(&self, records: &mut [&mut AddressRecord]) {
        let domains: Vec<Option<String>> = records.iter().map(|r| ascii_domain(r)).collect();
        let missing: Vec<String> = {
            let cache = self.evidence.lock().unwrap_or_else(|p| p.into_inner());
            let mut seen = std::collections::HashSet::new();
            domains
                .iter()
                .flatten()
                .filter(|d| !cache.contains_key(*d) && seen.insert((*d).clone()))
                .cloned()
                .collect()
        };
        if !missing.is_empty() || (self.resolver.has_network() && !self.lock_judge().probed()) {
            let batch: Vec<&str> = domains.iter().flatten().map(String::as_str).collect();
            let ev = self.judge_batch(&missing, &batch);
            let mut cache = self.evidence.lock().unwrap_or_else(|p| p.into_inner());
            for (d, e) in missing.into_iter().zip(ev) {
                cache.insert(d, e);
            }
        }
        let judged = self.judgement();
        let cache = self.evidence.lock().unwrap_or_else(|p| p.into_inner());
        for (r, d) in records.iter_mut().zip(domains) {
            if let Some(ev) = d.and_then(|d| cache.get(&d).cloned()) {
                if self.resolver.zone_holds(&ev.domain) {
                    apply(r, ev, &Judgement::default());
                } else {
                    apply(r, ev, &judged);
                }
            }
        }
    }
}
