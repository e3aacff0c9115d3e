//! Where jobs live: the embedded store (one process) or PostgreSQL (any number of servers and
//! workers). One interface, the same semantics.

use std::collections::BTreeMap;

use super::job::{Finished, ItemResult, JobView, NewJob, Unit};
use super::memory::MemoryStore;
use super::postgres::PgStore;

/// The store could not answer (typed errors mean only "could not find out").
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached (it is restarting, or the URL is wrong).
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The database refused a statement.
    #[error("database error: {0}")]
    Database(String),
}

/// Counts for `/metrics`.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Jobs by status.
    pub jobs: BTreeMap<&'static str, u64>,
    /// Units waiting for a worker.
    pub units_queued: u64,
    /// Units a worker holds.
    pub units_running: u64,
    /// Addresses with a result.
    pub results: u64,
}

/// The store a server or worker uses: in memory (this process only) or PostgreSQL.
#[derive(Debug)]
pub struct Store(Inner);

#[derive(Debug)]
enum Inner {
    Memory(Box<MemoryStore>),
    Postgres(PgStore),
}

impl Store {
    /// Open the store: PostgreSQL when `url` is given (inside a tokio runtime), else memory.
    pub async fn open(url: Option<&str>) -> Result<Store, StoreError> {
        Ok(match url {
            Some(u) => Store(Inner::Postgres(PgStore::connect(u).await?)),
            None => Store(Inner::Memory(Box::default())),
        })
    }

    /// Register a key by its hash; returns its id.
    pub async fn add_key(&self, hash: &str, name: &str) -> Result<i64, StoreError> {
        match &self.0 {
            Inner::Memory(m) => Ok(m.add_key_hash(hash)),
            Inner::Postgres(p) => p.add_key(hash, name).await,
        }
    }

    /// The id of the key with this hash.
    pub async fn key_id(&self, hash: &str) -> Result<Option<i64>, StoreError> {
        match &self.0 {
            Inner::Memory(m) => Ok(m.key_id(hash)),
            Inner::Postgres(p) => p.key_id(hash).await,
        }
    }

    /// Create a job (or find the one created earlier with the same idempotency key: `false`).
    pub(crate) async fn create_job(&self, new: NewJob) -> Result<(JobView, bool), StoreError> {
        match &self.0 {
            Inner::Memory(m) => Ok(m.create_job(new)),
            Inner::Postgres(p) => p.create_job(new).await,
        }
    }

    /// A job that needed no worker (every address answered offline) and asked for a callback.
    pub(crate) async fn finished_at_creation(
        &self,
        id: &str,
    ) -> Result<Option<Finished>, StoreError> {
        match &self.0 {
            Inner::Memory(m) => Ok(m.finished_at_creation(id)),
            Inner::Postgres(p) => p.finished_at_creation(id).await,
        }
    }

    /// A job of this key.
    pub async fn job(&self, key_id: i64, id: &str) -> Result<Option<JobView>, StoreError> {
        match &self.0 {
            Inner::Memory(m) => Ok(m.job(key_id, id)),
            Inner::Postgres(p) => p.job(key_id, id).await,
        }
    }

    /// Results so far, in input order.
    pub async fn results(
        &self,
        key_id: i64,
        id: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Option<Vec<serde_json::Value>>, StoreError> {
        match &self.0 {
            Inner::Memory(m) => Ok(m.results(key_id, id, offset, limit)),
            Inner::Postgres(p) => p.results(key_id, id, offset, limit).await,
        }
    }

    /// Cancel a job of this key.
    pub async fn cancel(&self, key_id: i64, id: &str) -> Result<Option<JobView>, StoreError> {
        match &self.0 {
            Inner::Memory(m) => Ok(m.cancel(key_id, id)),
            Inner::Postgres(p) => p.cancel(key_id, id).await,
        }
    }

    /// Claim a unit for `worker` with a lease of `lease` seconds.
    pub(crate) async fn claim(&self, worker: &str, lease: i64) -> Result<Option<Unit>, StoreError> {
        match &self.0 {
            Inner::Memory(m) => Ok(m.claim(worker, lease)),
            Inner::Postgres(p) => p.claim(worker, lease).await,
        }
    }

    /// Extend a held unit's lease; `false` when it is no longer ours.
    pub(crate) async fn renew(
        &self,
        unit: i64,
        worker: &str,
        lease: i64,
    ) -> Result<bool, StoreError> {
        match &self.0 {
            Inner::Memory(m) => Ok(m.renew(unit, worker, lease)),
            Inner::Postgres(p) => p.renew(unit, worker, lease).await,
        }
    }

    /// Write a unit's results; the domain stays ours for `domain_gap` seconds (the RCPT pacing
    /// interval), so the next worker does not ask sooner than the rate allows. Returns the job
    /// when this completed it and it asked for a callback.
    pub(crate) async fn complete(
        &self,
        unit: i64,
        worker: &str,
        results: Vec<ItemResult>,
        domain_gap: f64,
    ) -> Result<Option<Finished>, StoreError> {
        match &self.0 {
            Inner::Memory(m) => Ok(m.complete(unit, worker, results, domain_gap.ceil() as i64)),
            Inner::Postgres(p) => p.complete(unit, worker, results, domain_gap).await,
        }
    }

    /// Remember how a callback went.
    pub(crate) async fn record_callback(
        &self,
        id: &str,
        attempts: u32,
        status: &str,
    ) -> Result<(), StoreError> {
        match &self.0 {
            Inner::Memory(_) => Ok(()),
            Inner::Postgres(p) => p.record_callback(id, attempts, status).await,
        }
    }

    /// Catch-all statuses other workers found for these domains.
    pub(crate) async fn domain_facts(
        &self,
        domains: &[String],
    ) -> Result<Vec<(String, bool)>, StoreError> {
        match &self.0 {
            Inner::Memory(m) => Ok(m.domain_facts(domains)),
            Inner::Postgres(p) => p.domain_facts(domains).await,
        }
    }

    /// Share catch-all statuses found here.
    pub(crate) async fn save_facts(&self, facts: &[(String, bool)]) -> Result<(), StoreError> {
        match &self.0 {
            Inner::Memory(m) => {
                m.save_facts(facts);
                Ok(())
            }
            Inner::Postgres(p) => p.save_facts(facts).await,
        }
    }

    /// Counts for `/metrics`.
    pub async fn stats(&self) -> Result<Stats, StoreError> {
        match &self.0 {
            Inner::Memory(m) => Ok(m.stats()),
            Inner::Postgres(p) => p.stats().await,
        }
    }

    /// The PostgreSQL store, when this is one.
    pub(crate) fn postgres(&self) -> Option<&PgStore> {
        match &self.0 {
            Inner::Postgres(p) => Some(p),
            Inner::Memory(_) => None,
        }
    }
}
