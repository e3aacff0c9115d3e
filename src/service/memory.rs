//! The embedded store: jobs, units and results in memory, for `serve` without a database. The
//! same semantics as the PostgreSQL store (leases, one worker per domain, idempotency keys),
//! for one process.

use std::collections::HashMap;
use std::sync::Mutex;

use super::clock;
use super::job::{
    Finished, ItemResult, JobOptions, JobStatus, JobView, NewJob, Unit, VerdictCounts,
};
use super::plan;
use super::store::Stats;

#[derive(Debug)]
struct Job {
    id: String,
    key_id: i64,
    status: JobStatus,
    options: JobOptions,
    results: Vec<Option<serde_json::Value>>,
    processed: u64,
    verdicts: VerdictCounts,
    created: i64,
    finished: Option<i64>,
    callback_url: Option<String>,
    callback_key: Vec<u8>,
    open_units: usize,
}

#[derive(Debug)]
enum UnitState {
    Queued,
    Running { worker: String, until: i64 },
    Done,
}

#[derive(Debug)]
struct MemUnit {
    id: i64,
    job: String,
    domain: String,
    rows: Vec<(i64, String)>,
    state: UnitState,
}

#[derive(Debug, Default)]
struct Mem {
    keys: HashMap<String, i64>,
    jobs: HashMap<String, Job>,
    idempotency: HashMap<(i64, String), String>,
    units: Vec<MemUnit>,
    domains: HashMap<String, (String, i64)>,
    facts: HashMap<String, bool>,
}

/// The in-memory store.
#[derive(Debug, Default)]
pub(crate) struct MemoryStore {
    m: Mutex<Mem>,
}

impl MemoryStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Mem> {
        self.m.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn add_key_hash(&self, hash: &str) -> i64 {
        let mut m = self.lock();
        let next = m.keys.len() as i64 + 1;
        *m.keys.entry(hash.to_owned()).or_insert(next)
    }

    pub(crate) fn key_id(&self, hash: &str) -> Option<i64> {
        self.lock().keys.get(hash).copied()
    }

    pub(crate) fn create_job(&self, new: NewJob) -> (JobView, bool) {
        let mut m = self.lock();
        if let Some(k) = &new.idempotency_key
            && let Some(id) = m.idempotency.get(&(new.key_id, k.clone()))
            && let Some(j) = m.jobs.get(id)
        {
            return (view(j), false);
        }
        let p = plan::plan(&new.emails, &new.options);
        let id = super::keys::random_id();
        let mut job = Job {
            id: id.clone(),
            key_id: new.key_id,
            status: JobStatus::Queued,
            options: new.options,
            results: vec![None; new.emails.len()],
            processed: 0,
            verdicts: VerdictCounts::default(),
            created: clock::now(),
            finished: None,
            callback_url: new.callback_url,
            callback_key: new.callback_key,
            open_units: p.units.len(),
        };
        for r in p.done {
            record(&mut job, r);
        }
        for (domain, rows) in p.units {
            let uid = m.units.len() as i64 + 1;
            m.units.push(MemUnit {
                id: uid,
                job: id.clone(),
                domain,
                rows,
                state: UnitState::Queued,
            });
        }
        if job.open_units == 0 {
            job.status = JobStatus::Completed;
            job.finished = Some(clock::now());
        }
        if let Some(k) = new.idempotency_key {
            m.idempotency.insert((new.key_id, k), id.clone());
        }
        let v = view(&job);
        m.jobs.insert(id, job);
        (v, true)
    }

    /// A job that completed at creation and asked for a callback.
    pub(crate) fn finished_at_creation(&self, id: &str) -> Option<Finished> {
        let m = self.lock();
        let j = m.jobs.get(id)?;
        finished(j)
    }

    pub(crate) fn job(&self, key_id: i64, id: &str) -> Option<JobView> {
        let m = self.lock();
        m.jobs.get(id).filter(|j| j.key_id == key_id).map(view)
    }

    pub(crate) fn results(
        &self,
        key_id: i64,
        id: &str,
        offset: usize,
        limit: usize,
    ) -> Option<Vec<serde_json::Value>> {
        let m = self.lock();
        let j = m.jobs.get(id).filter(|j| j.key_id == key_id)?;
        Some(
            j.results
                .iter()
                .flatten()
                .skip(offset)
                .take(limit)
                .cloned()
                .collect(),
        )
    }

    pub(crate) fn cancel(&self, key_id: i64, id: &str) -> Option<JobView> {
        let mut m = self.lock();
        let j = m.jobs.get_mut(id).filter(|j| j.key_id == key_id)?;
        if !j.status.is_final() {
            j.status = JobStatus::Cancelled;
            j.finished = Some(clock::now());
        }
        let v = view(j);
        for u in m.units.iter_mut().filter(|u| u.job == id) {
            if matches!(u.state, UnitState::Queued) {
                u.state = UnitState::Done;
            }
        }
        Some(v)
    }

    pub(crate) fn claim(&self, worker: &str, lease: i64) -> Option<Unit> {
        let mut guard = self.lock();
        let m = &mut *guard;
        let now = clock::now();
        let i = m.units.iter().position(|u| {
            let claimable = match &u.state {
                UnitState::Queued => true,
                UnitState::Running { until, .. } => *until < now,
                UnitState::Done => false,
            };
            let domain_free = match m.domains.get(&u.domain) {
                Some((w, until)) => w == worker || *until < now,
                None => true,
            } && !m.units.iter().any(|v| {
                v.id != u.id
                    && v.domain == u.domain
                    && matches!(v.state, UnitState::Running { until, .. } if until >= now)
            });
            let live = m.jobs.get(&u.job).is_some_and(|j| !j.status.is_final());
            claimable && domain_free && live
        })?;
        let u = &mut m.units[i];
        u.state = UnitState::Running {
            worker: worker.to_owned(),
            until: now + lease,
        };
        m.domains
            .insert(u.domain.clone(), (worker.to_owned(), now + lease));
        let job = m.jobs.get_mut(&u.job)?;
        if job.status == JobStatus::Queued {
            job.status = JobStatus::Running;
        }
        Some(Unit {
            id: u.id,
            job_id: u.job.clone(),
            domain: u.domain.clone(),
            rows: u.rows.clone(),
            options: job.options,
        })
    }

    pub(crate) fn renew(&self, unit: i64, worker: &str, lease: i64) -> bool {
        let mut guard = self.lock();
        let m = &mut *guard;
        let now = clock::now();
        let Some(u) = m.units.iter_mut().find(|u| u.id == unit) else {
            return false;
        };
        match &mut u.state {
            UnitState::Running { worker: w, until } if w == worker => {
                *until = now + lease;
                m.domains
                    .insert(u.domain.clone(), (worker.to_owned(), now + lease));
                true
            }
            _ => false,
        }
    }

    pub(crate) fn complete(
        &self,
        unit: i64,
        worker: &str,
        results: Vec<ItemResult>,
        domain_gap: i64,
    ) -> Option<Finished> {
        let mut guard = self.lock();
        let m = &mut *guard;
        let u = m.units.iter_mut().find(|u| u.id == unit)?;
        if matches!(u.state, UnitState::Done) {
            return None;
        }
        u.state = UnitState::Done;
        let (job_id, domain) = (u.job.clone(), u.domain.clone());
        if m.domains.get(&domain).is_some_and(|(w, _)| w == worker) {
            // Nobody's (not even ours) for one RCPT interval.
            m.domains
                .insert(domain, (String::new(), clock::now() + domain_gap));
        }
        let j = m.jobs.get_mut(&job_id)?;
        for r in results {
            record(j, r);
        }
        j.open_units = j.open_units.saturating_sub(1);
        if j.open_units == 0 && !j.status.is_final() {
            j.status = JobStatus::Completed;
            j.finished = Some(clock::now());
            return finished(j);
        }
        None
    }

    pub(crate) fn domain_facts(&self, domains: &[String]) -> Vec<(String, bool)> {
        let m = self.lock();
        domains
            .iter()
            .filter_map(|d| m.facts.get(d).map(|c| (d.clone(), *c)))
            .collect()
    }

    pub(crate) fn save_facts(&self, facts: &[(String, bool)]) {
        let mut m = self.lock();
        for (d, c) in facts {
            m.facts.insert(d.clone(), *c);
        }
    }

    pub(crate) fn stats(&self) -> Stats {
        let m = self.lock();
        let mut s = Stats::default();
        for j in m.jobs.values() {
            *s.jobs.entry(j.status.as_str()).or_default() += 1;
            s.results += j.processed;
        }
        for u in &m.units {
            match u.state {
                UnitState::Queued => s.units_queued += 1,
                UnitState::Running { .. } => s.units_running += 1,
                UnitState::Done => {}
            }
        }
        s
    }
}

/// Store a result once: a unit done twice (a lease that expired under a slow worker) writes
/// nothing new.
fn record(j: &mut Job, r: ItemResult) {
    let Some(slot) = usize::try_from(r.row - 1)
        .ok()
        .and_then(|i| j.results.get_mut(i))
    else {
        return;
    };
    if slot.is_none() {
        *slot = Some(r.record);
        j.processed += 1;
        j.verdicts.add(r.verdict);
    }
}

fn view(j: &Job) -> JobView {
    JobView {
        id: j.id.clone(),
        status: j.status,
        total: j.results.len() as u64,
        processed: j.processed,
        verdicts: j.verdicts,
        created_at: clock::rfc3339(j.created),
        finished_at: j.finished.map(clock::rfc3339),
    }
}

fn finished(j: &Job) -> Option<Finished> {
    if j.status != JobStatus::Completed {
        return None;
    }
    Some(Finished {
        view: view(j),
        callback_url: j.callback_url.clone()?,
        callback_key: j.callback_key.clone(),
    })
}
