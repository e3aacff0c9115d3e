//! The worker loop: claim a unit, renew its lease while the DNS and SMTP stages run (exactly
//! as `clean --smtp` runs them), write the results, deliver the callback of a job it completed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use super::callback::{self, CallbackPolicy};
use super::job::{Finished, Unit};
use super::plan;
use super::store::Store;
use crate::address;
use crate::model::AddressRecord;
use crate::stage::Stage;

/// How a worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The worker's name, recorded with each result (default: host name and process id).
    pub name: String,
    /// The source address its SMTP sessions come from (recorded with each result).
    pub source: String,
    /// Lease on a claimed unit, seconds; renewed every third of it.
    pub lease_secs: i64,
    /// Wait between polls when there is no work.
    pub idle_wait: Duration,
    /// Seconds a finished domain stays ours (the RCPT pacing interval).
    pub domain_gap: f64,
    /// Stop when there is no work (tests, one-shot runs) instead of waiting for more.
    pub exit_when_idle: bool,
    /// Claim loops running at once (each works on its own batch of units).
    pub loops: usize,
    /// Units claimed and worked on at once at most, per loop.
    pub max_units: usize,
    /// Rows claimed at once at most (a unit is never split).
    pub max_rows: usize,
    /// How callbacks of completed jobs are delivered.
    pub callback: CallbackPolicy,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            name: "worker".into(),
            source: String::new(),
            lease_secs: 60,
            idle_wait: Duration::from_millis(500),
            domain_gap: 0.5,
            exit_when_idle: false,
            loops: 4,
            max_units: 16,
            max_rows: 1000,
            callback: CallbackPolicy::default(),
        }
    }
}

/// What a worker did.
#[derive(Debug, Default)]
pub struct WorkerStats {
    /// Units completed.
    pub units: AtomicU64,
    /// Addresses answered.
    pub addresses: AtomicU64,
    /// Store errors met (each retried).
    pub store_errors: AtomicU64,
}

/// Run until `stop` is set (or, with `exit_when_idle`, until no work is left). Store calls run
/// on `rt`; the stages run on this thread. `warn` receives store errors (they are retried).
pub fn run(
    store: &Arc<Store>,
    rt: &tokio::runtime::Handle,
    stage: Option<&dyn Stage>,
    cfg: &WorkerConfig,
    stop: &AtomicBool,
    stats: &WorkerStats,
    warn: &(dyn Fn(&str) + Sync),
) {
    // Several claim loops: while one waits for the slowest domain of its batch, the others keep
    // the sessions busy (the stage's session limit is shared by all of them).
    // Each loop holds its leases under its own name (`worker#N`): the domain lease then keeps
    // two loops of one worker off the same domain too (a claim racing another loop's claim of
    // the same domain waits for it and then finds the domain taken).
    std::thread::scope(|s| {
        for i in 0..cfg.loops.max(1) {
            let holder = format!("{}#{i}", cfg.name);
            s.spawn(move || run_loop(store, rt, stage, cfg, &holder, stop, stats, warn));
        }
    });
}

#[allow(clippy::too_many_arguments)]
fn run_loop(
    store: &Arc<Store>,
    rt: &tokio::runtime::Handle,
    stage: Option<&dyn Stage>,
    cfg: &WorkerConfig,
    holder: &str,
    stop: &AtomicBool,
    stats: &WorkerStats,
    warn: &(dyn Fn(&str) + Sync),
) {
    while !stop.load(Ordering::Relaxed) {
        // Several units at once (different domains, usually): the stages work on their
        // domains concurrently, as `clean` does on a chunk.
        let mut units: Vec<Unit> = Vec::new();
        let mut rows = 0;
        let mut failed = false;
        while units.len() < cfg.max_units && rows < cfg.max_rows {
            match rt.block_on(store.claim(holder, cfg.lease_secs)) {
                Ok(Some(u)) => {
                    rows += u.rows.len();
                    units.push(u);
                }
                Ok(None) => break,
                Err(e) => {
                    stats.store_errors.fetch_add(1, Ordering::Relaxed);
                    warn(&format!("cannot claim work: {e}; retrying"));
                    failed = true;
                    break;
                }
            }
        }
        if units.is_empty() {
            if cfg.exit_when_idle && !failed {
                return;
            }
            std::thread::sleep(if failed {
                Duration::from_secs(1)
            } else {
                cfg.idle_wait
            });
            continue;
        }
        let renewers: Vec<_> = units
            .iter()
            .map(|u| {
                rt.spawn(renew_loop(
                    store.clone(),
                    u.id,
                    holder.to_owned(),
                    cfg.lease_secs,
                ))
            })
            .collect();
        // What other workers found about these domains (catch-all), so no server is asked
        // twice; and afterwards what this batch found, for them.
        let mut domains: Vec<String> = units.iter().map(|u| u.domain.clone()).collect();
        domains.sort();
        domains.dedup();
        if let Some(st) = stage
            && let Ok(facts) = rt.block_on(store.domain_facts(&domains))
        {
            for (d, c) in facts {
                st.remember_catch_all(&d, c);
            }
        }
        let recs = process(&units, stage);
        if let Some(st) = stage {
            let found: Vec<(String, bool)> = domains
                .iter()
                .filter_map(|d| st.known_catch_all(d).map(|c| (d.clone(), c)))
                .collect();
            if let Err(e) = rt.block_on(store.save_facts(&found)) {
                warn(&format!("cannot share catch-all statuses: {e}"));
            }
        }
        for r in renewers {
            r.abort();
        }
        let mut recs = recs.into_iter();
        for unit in &units {
            let results: Vec<_> = recs
                .by_ref()
                .take(unit.rows.len())
                .map(|r| plan::item(&r, &cfg.name, &cfg.source))
                .collect();
            let n = results.len() as u64;
            let finished = loop {
                match rt.block_on(store.complete(unit.id, holder, results.clone(), cfg.domain_gap))
                {
                    Ok(f) => break f,
                    Err(e) => {
                        stats.store_errors.fetch_add(1, Ordering::Relaxed);
                        warn(&format!(
                            "cannot write results of unit {} (job {}, {}): {e}; retrying",
                            unit.id, unit.job_id, unit.domain
                        ));
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        std::thread::sleep(Duration::from_secs(1));
                    }
                }
            };
            stats.units.fetch_add(1, Ordering::Relaxed);
            stats.addresses.fetch_add(n, Ordering::Relaxed);
            if let Some(f) = finished {
                rt.spawn(send_callback(store.clone(), f, cfg.callback.clone()));
            }
        }
    }
}

/// Analyse the units' addresses (in unit order) and run the stages on all of them at once.
fn process(units: &[Unit], stage: Option<&dyn Stage>) -> Vec<AddressRecord> {
    let mut recs: Vec<AddressRecord> = units
        .iter()
        .flat_map(|u| {
            let opts = u.options.analyze();
            u.rows
                .iter()
                .map(move |(row, e)| address::analyze(*row as u64, e, &opts))
        })
        .collect();
    if let Some(stage) = stage {
        let mut refs: Vec<&mut AddressRecord> = recs.iter_mut().collect();
        stage.process(&mut refs);
    }
    recs
}

async fn renew_loop(store: Arc<Store>, unit: i64, worker: String, lease: i64) {
    let every = Duration::from_secs_f64((lease as f64 / 3.0).max(0.2));
    loop {
        tokio::time::sleep(every).await;
        match store.renew(unit, &worker, lease).await {
            Ok(true) | Err(_) => {}
            // Lost (it expired and someone else holds it): the results will still be offered;
            // rows already answered are never written twice.
            Ok(false) => return,
        }
    }
}

/// Deliver a completed job's callback and record how it went.
pub(crate) async fn send_callback(store: Arc<Store>, f: Finished, policy: CallbackPolicy) {
    let body = serde_json::to_vec(&serde_json::json!({
        "event": "job.completed",
        "job": f.view,
    }))
    .unwrap_or_default();
    let (attempts, status) =
        callback::deliver(&f.callback_url, &f.callback_key, body, &policy).await;
    let _ = store.record_callback(&f.view.id, attempts, &status).await;
}
