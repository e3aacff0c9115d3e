//! The PostgreSQL store: jobs, units, results and leases in tables any number of servers and
//! workers share. Units are claimed with `SELECT ... FOR UPDATE SKIP LOCKED` and a lease; a
//! domain is leased to one worker at a time; a lost connection is made again on the next call.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Mutex, MutexGuard};
use tokio_postgres::{Client, NoTls};

use super::job::{
    Finished, ItemResult, JobOptions, JobStatus, JobView, NewJob, Unit, VerdictCounts,
};
use super::plan;
use super::store::{Stats, StoreError};

/// The schema, created when missing.
const SCHEMA: &str = include_str!("../../data/service_schema.sql");

/// Connections per store.
const POOL: usize = 4;

/// A job still open (`queued` or `running`), as an SQL condition on its `status`; a macro so
/// that `concat!` puts it into the statements.
macro_rules! job_open {
    () => {
        "status IN ('queued', 'running')"
    };
}

/// Adds $2 (results) and $3..$6 (the verdict counts) to a job's counters, as SQL; the
/// parameters are `counters()`.
macro_rules! add_counters {
    () => {
        "processed = processed + $2, deliverable = deliverable + $3, risky = risky + $4,
                 undeliverable = undeliverable + $5, unknown = unknown + $6"
    };
}

/// The PostgreSQL store: a few connections, each made again when it is lost.
pub(crate) struct PgStore {
    url: String,
    pool: Vec<Mutex<Option<Client>>>,
    next: AtomicUsize,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

fn db(e: tokio_postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(d) => StoreError::Database(format!("{}: {}", d.code().code(), d.message())),
        None if e.is_closed() => StoreError::Unavailable(e.to_string()),
        None => StoreError::Database(e.to_string()),
    }
}

impl PgStore {
    /// Connect (must run inside a tokio runtime) and create the schema when missing.
    pub(crate) async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let s = PgStore {
            url: url.to_owned(),
            pool: (0..POOL).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
        };
        let c = s.conn().await?;
        // Several processes may start at once: one creates the schema at a time.
        c.batch_execute(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock(727165); {SCHEMA} COMMIT;"
        ))
        .await
        .map_err(db)?;
        drop(c);
        Ok(s)
    }

    /// A connected client (made again when the last one was lost).
    async fn conn(&self) -> Result<ClientGuard<'_>, StoreError> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.pool.len();
        let mut g = self.pool[i].lock().await;
        if g.as_ref().is_none_or(Client::is_closed) {
            let (client, connection) = tokio_postgres::connect(&self.url, NoTls)
                .await
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            *g = Some(client);
        }
        Ok(ClientGuard(g))
    }

    pub(crate) async fn add_key(&self, hash: &str, name: &str) -> Result<i64, StoreError> {
        let c = self.conn().await?;
        let row = c
            .query_one(
                "INSERT INTO mailsift_keys (name, hash) VALUES ($1, $2)
                 ON CONFLICT (hash) DO UPDATE SET name = mailsift_keys.name RETURNING id",
                &[&name, &hash],
            )
            .await
            .map_err(db)?;
        Ok(row.get(0))
    }

    pub(crate) async fn key_id(&self, hash: &str) -> Result<Option<i64>, StoreError> {
        let c = self.conn().await?;
        let row = c
            .query_opt("SELECT id FROM mailsift_keys WHERE hash = $1", &[&hash])
            .await
            .map_err(db)?;
        Ok(row.map(|r| r.get(0)))
    }

    pub(crate) async fn create_job(&self, new: NewJob) -> Result<(JobView, bool), StoreError> {
        let p = plan::plan(&new.emails, &new.options);
        let id = super::keys::random_id();
        let options = serde_json::to_value(new.options).unwrap_or_default();
        let mut c = self.conn().await?;
        let tx = c.begin().await?;
        if let Some(k) = &new.idempotency_key {
            // Serialise creations with one key: the second waits and then finds the first.
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2::text, 0))",
                &[k, &new.key_id.to_string()],
            )
            .await
            .map_err(db)?;
            if let Some(r) = tx
                .query_opt(
                    "SELECT id FROM mailsift_jobs WHERE key_id = $1 AND idempotency_key = $2",
                    &[&new.key_id, k],
                )
                .await
                .map_err(db)?
            {
                let existing: String = r.get(0);
                tx.commit().await.map_err(db)?;
                drop(c);
                let v = self.job(new.key_id, &existing).await?;
                return v.map(|v| (v, false)).ok_or_else(closed);
            }
        }
        let open = p.units.len() as i64;
        let status = if open == 0 { "completed" } else { "queued" };
        tx.execute(
            "INSERT INTO mailsift_jobs (id, key_id, idempotency_key, status, total, open_units,
                 options, callback_url, callback_key, finished_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $6::bigint = 0 THEN now() END)",
            &[
                &id,
                &new.key_id,
                &new.idempotency_key,
                &status,
                &(new.emails.len() as i64),
                &open,
                &options,
                &new.callback_url,
                &new.callback_key,
            ],
        )
        .await
        .map_err(db)?;
        // Units, numbered in order of first appearance.
        let domains: Vec<&str> = p.units.iter().map(|u| u.0.as_str()).collect();
        let ids = tx
            .query(
                "INSERT INTO mailsift_units (job_id, seq, domain)
                 SELECT $1, t.seq, t.domain FROM unnest($2::text[]) WITH ORDINALITY AS t(domain, seq)
                 RETURNING seq, id",
                &[&id, &domains],
            )
            .await
            .map_err(db)?;
        let mut unit_of_seq = vec![0i64; p.units.len()];
        for r in ids {
            let seq: i64 = r.get(0);
            unit_of_seq[(seq - 1) as usize] = r.get(1);
        }
        // Every row, with its unit or its result.
        let n = new.emails.len();
        let mut unit_ids: Vec<Option<i64>> = vec![None; n];
        for (seq, (_, rows)) in p.units.iter().enumerate() {
            for (row, _) in rows {
                unit_ids[(*row - 1) as usize] = Some(unit_of_seq[seq]);
            }
        }
        let mut verdicts: Vec<Option<String>> = vec![None; n];
        let mut reasons: Vec<Option<String>> = vec![None; n];
        let mut records: Vec<Option<serde_json::Value>> = vec![None; n];
        let mut counts = VerdictCounts::default();
        for r in &p.done {
            let i = (r.row - 1) as usize;
            verdicts[i] = Some(r.verdict.as_str().to_owned());
            reasons[i] = Some(r.reason.clone());
            records[i] = Some(r.record.clone());
            counts.add(r.verdict);
        }
        let rows: Vec<i64> = (1..=n as i64).collect();
        for start in (0..n).step_by(20_000) {
            let end = (start + 20_000).min(n);
            tx.execute(
                "INSERT INTO mailsift_results (job_id, row_no, email, unit_id, verdict, reason,
                     worker, record)
                 SELECT $1, t.row_no, t.email, t.unit_id, t.verdict, t.reason,
                     CASE WHEN t.verdict IS NOT NULL THEN 'server' END, t.record
                 FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[],
                     $7::jsonb[]) AS t(row_no, email, unit_id, verdict, reason, record)",
                &[
                    &id,
                    &&rows[start..end],
                    &&new.emails[start..end],
                    &&unit_ids[start..end],
                    &&verdicts[start..end],
                    &&reasons[start..end],
                    &&records[start..end],
                ],
            )
            .await
            .map_err(db)?;
        }
        let k = counters(p.done.len(), &counts);
        tx.execute(
            concat!(
                "UPDATE mailsift_jobs SET ",
                add_counters!(),
                " WHERE id = $1"
            ),
            &[&id, &k[0], &k[1], &k[2], &k[3], &k[4]],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        drop(c);
        let v = self.job(new.key_id, &id).await?.ok_or_else(closed)?;
        Ok((v, true))
    }

    pub(crate) async fn job(&self, key_id: i64, id: &str) -> Result<Option<JobView>, StoreError> {
        let c = self.conn().await?;
        let r = c
            .query_opt(
                "SELECT id, status, total, processed, deliverable, risky, undeliverable, unknown,
                     extract(epoch FROM created_at)::bigint,
                     extract(epoch FROM finished_at)::bigint
                 FROM mailsift_jobs WHERE id = $1 AND key_id = $2",
                &[&id, &key_id],
            )
            .await
            .map_err(db)?;
        Ok(r.map(|r| job_view(&r)))
    }

    /// A job that completed at creation and asked for a callback.
    pub(crate) async fn finished_at_creation(
        &self,
        id: &str,
    ) -> Result<Option<Finished>, StoreError> {
        let c = self.conn().await?;
        let r = c
            .query_opt(
                "SELECT key_id, callback_url, callback_key FROM mailsift_jobs
                 WHERE id = $1 AND status = 'completed' AND callback_url IS NOT NULL",
                &[&id],
            )
            .await
            .map_err(db)?;
        drop(c);
        let Some(r) = r else { return Ok(None) };
        let key: i64 = r.get(0);
        let view = self.job(key, id).await?.ok_or_else(closed)?;
        Ok(Some(Finished {
            view,
            callback_url: r.get(1),
            callback_key: r.get(2),
        }))
    }

    pub(crate) async fn results(
        &self,
        key_id: i64,
        id: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Option<Vec<serde_json::Value>>, StoreError> {
        if self.job(key_id, id).await?.is_none() {
            return Ok(None);
        }
        let c = self.conn().await?;
        let rows = c
            .query(
                "SELECT record FROM mailsift_results WHERE job_id = $1 AND record IS NOT NULL
                 ORDER BY row_no OFFSET $2 LIMIT $3",
                &[&id, &(offset as i64), &(limit as i64)],
            )
            .await
            .map_err(db)?;
        Ok(Some(rows.iter().map(|r| r.get(0)).collect()))
    }

    pub(crate) async fn cancel(
        &self,
        key_id: i64,
        id: &str,
    ) -> Result<Option<JobView>, StoreError> {
        let c = self.conn().await?;
        c.execute(
            concat!(
                "UPDATE mailsift_jobs SET status = 'cancelled', finished_at = now()
                 WHERE id = $1 AND key_id = $2 AND ",
                job_open!()
            ),
            &[&id, &key_id],
        )
        .await
        .map_err(db)?;
        drop(c);
        self.job(key_id, id).await
    }

    pub(crate) async fn claim(&self, worker: &str, lease: i64) -> Result<Option<Unit>, StoreError> {
        let mut skipped: Vec<String> = Vec::new();
        for _ in 0..8 {
            let mut c = self.conn().await?;
            let tx = c.begin().await?;
            let Some(u) = tx
                .query_opt(
                    concat!(
                        "SELECT u.id, u.domain, u.job_id FROM mailsift_units u
                     JOIN mailsift_jobs j ON j.id = u.job_id
                     WHERE j.",
                        job_open!(),
                        "
                       AND (u.state = 'queued' OR (u.state = 'running' AND u.lease_until < now()))
                       AND u.domain <> ALL($2)
                       AND NOT EXISTS (SELECT 1 FROM mailsift_domain_leases d
                           WHERE d.domain = u.domain AND d.until > now() AND d.worker <> $1)
                       AND NOT EXISTS (SELECT 1 FROM mailsift_units v
                           WHERE v.domain = u.domain AND v.id <> u.id AND v.state = 'running'
                             AND v.lease_until > now())
                     ORDER BY u.id
                     LIMIT 1 FOR UPDATE OF u SKIP LOCKED"
                    ),
                    &[&worker, &skipped],
                )
                .await
                .map_err(db)?
            else {
                tx.commit().await.map_err(db)?;
                return Ok(None);
            };
            let (unit, domain, job): (i64, String, String) = (u.get(0), u.get(1), u.get(2));
            let leased = tx
                .query_opt(
                    "INSERT INTO mailsift_domain_leases (domain, worker, until)
                     VALUES ($1, $2, now() + make_interval(secs => $3))
                     ON CONFLICT (domain) DO UPDATE SET worker = EXCLUDED.worker,
                         until = EXCLUDED.until
                     WHERE mailsift_domain_leases.until <= now()
                        OR mailsift_domain_leases.worker = EXCLUDED.worker
                     RETURNING domain",
                    &[&domain, &worker, &(lease as f64)],
                )
                .await
                .map_err(db)?;
            if leased.is_none() {
                // Another worker took the domain meanwhile.
                tx.rollback().await.map_err(db)?;
                skipped.push(domain);
                continue;
            }
            tx.execute(
                "UPDATE mailsift_units SET state = 'running', worker = $2,
                     lease_until = now() + make_interval(secs => $3), attempts = attempts + 1
                 WHERE id = $1",
                &[&unit, &worker, &(lease as f64)],
            )
            .await
            .map_err(db)?;
            let o = tx
                .query_one(
                    "UPDATE mailsift_jobs SET status = 'running'
                     WHERE id = $1 RETURNING options",
                    &[&job],
                )
                .await
                .map_err(db)?;
            let options: JobOptions = serde_json::from_value(o.get(0)).unwrap_or_default();
            let rows = tx
                .query(
                    "SELECT row_no, email FROM mailsift_results WHERE unit_id = $1 ORDER BY row_no",
                    &[&unit],
                )
                .await
                .map_err(db)?;
            tx.commit().await.map_err(db)?;
            return Ok(Some(Unit {
                id: unit,
                job_id: job,
                domain,
                rows: rows.iter().map(|r| (r.get(0), r.get(1))).collect(),
                options,
            }));
        }
        Ok(None)
    }

    pub(crate) async fn renew(
        &self,
        unit: i64,
        worker: &str,
        lease: i64,
    ) -> Result<bool, StoreError> {
        let c = self.conn().await?;
        let n = c
            .execute(
                "WITH u AS (UPDATE mailsift_units
                     SET lease_until = now() + make_interval(secs => $3)
                     WHERE id = $1 AND worker = $2 AND state = 'running' RETURNING domain)
                 UPDATE mailsift_domain_leases d SET until = now() + make_interval(secs => $3)
                 FROM u WHERE d.domain = u.domain AND d.worker = $2",
                &[&unit, &worker, &(lease as f64)],
            )
            .await
            .map_err(db)?;
        Ok(n > 0)
    }

    pub(crate) async fn complete(
        &self,
        unit: i64,
        worker: &str,
        results: Vec<ItemResult>,
        domain_gap: f64,
    ) -> Result<Option<Finished>, StoreError> {
        let mut c = self.conn().await?;
        let tx = c.begin().await?;
        let Some(u) = tx
            .query_opt(
                "SELECT job_id, domain, state FROM mailsift_units WHERE id = $1 FOR UPDATE",
                &[&unit],
            )
            .await
            .map_err(db)?
        else {
            tx.rollback().await.map_err(db)?;
            return Ok(None);
        };
        let (job, domain, state): (String, String, String) = (u.get(0), u.get(1), u.get(2));
        if state == "done" {
            // Someone else finished it after our lease expired: their results stand.
            tx.rollback().await.map_err(db)?;
            return Ok(None);
        }
        // The results record the worker's name; leases are held per claim loop (`name#N`).
        let worker_name = worker.split('#').next().unwrap_or(worker);
        let rows: Vec<i64> = results.iter().map(|r| r.row).collect();
        let verdicts: Vec<&str> = results.iter().map(|r| r.verdict.as_str()).collect();
        let reasons: Vec<&str> = results.iter().map(|r| r.reason.as_str()).collect();
        let sources: Vec<String> = results
            .iter()
            .map(|r| r.record["source"].as_str().unwrap_or("").to_owned())
            .collect();
        let records: Vec<&serde_json::Value> = results.iter().map(|r| &r.record).collect();
        let written = tx
            .query(
                "UPDATE mailsift_results r SET verdict = t.verdict, reason = t.reason,
                     worker = $3, source = t.source, record = t.record
                 FROM unnest($2::bigint[], $4::text[], $5::text[], $6::text[], $7::jsonb[])
                     AS t(row_no, verdict, reason, source, record)
                 WHERE r.job_id = $1 AND r.row_no = t.row_no AND r.verdict IS NULL
                 RETURNING t.verdict",
                &[
                    &job,
                    &rows,
                    &worker_name,
                    &verdicts,
                    &reasons,
                    &sources,
                    &records,
                ],
            )
            .await
            .map_err(db)?;
        let mut counts = VerdictCounts::default();
        for r in &written {
            match r.get::<_, &str>(0) {
                "deliverable" => counts.deliverable += 1,
                "risky" => counts.risky += 1,
                "undeliverable" => counts.undeliverable += 1,
                _ => counts.unknown += 1,
            }
        }
        tx.execute(
            "UPDATE mailsift_units SET state = 'done' WHERE id = $1",
            &[&unit],
        )
        .await
        .map_err(db)?;
        tx.execute(
            "UPDATE mailsift_domain_leases SET worker = '', until = now() + make_interval(secs => $3)
             WHERE domain = $1 AND worker = $2",
            &[&domain, &worker, &domain_gap],
        )
        .await
        .map_err(db)?;
        // The last unit of an open job completes it.
        let k = counters(written.len(), &counts);
        let j = tx
            .query_one(
                concat!(
                    "UPDATE mailsift_jobs SET ",
                    add_counters!(),
                    ", open_units = open_units - 1,
                     status = CASE WHEN open_units = 1 AND ",
                    job_open!(),
                    " THEN 'completed' ELSE status END,
                     finished_at = CASE WHEN open_units = 1 AND ",
                    job_open!(),
                    " THEN now() ELSE finished_at END
                 WHERE id = $1
                 RETURNING key_id, open_units, status, callback_url, callback_key"
                ),
                &[&job, &k[0], &k[1], &k[2], &k[3], &k[4]],
            )
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        drop(c);
        let (key, open, status, url): (i64, i64, String, Option<String>) =
            (j.get(0), j.get(1), j.get(2), j.get(3));
        if open != 0 || status != "completed" {
            return Ok(None);
        }
        let Some(url) = url else { return Ok(None) };
        let view = self.job(key, &job).await?.ok_or_else(closed)?;
        Ok(Some(Finished {
            view,
            callback_url: url,
            callback_key: j.get(4),
        }))
    }

    pub(crate) async fn record_callback(
        &self,
        id: &str,
        attempts: u32,
        status: &str,
    ) -> Result<(), StoreError> {
        let c = self.conn().await?;
        c.execute(
            "UPDATE mailsift_jobs SET callback_attempts = $2, callback_status = $3 WHERE id = $1",
            &[&id, &(attempts as i32), &status],
        )
        .await
        .map_err(db)?;
        Ok(())
    }

    pub(crate) async fn stats(&self) -> Result<Stats, StoreError> {
        let c = self.conn().await?;
        let mut s = Stats::default();
        for r in c
            .query(
                "SELECT status, count(*), coalesce(sum(processed), 0)::bigint
                 FROM mailsift_jobs GROUP BY status",
                &[],
            )
            .await
            .map_err(db)?
        {
            let status: String = r.get(0);
            if let Some(st) = JobStatus::parse(&status) {
                *s.jobs.entry(st.as_str()).or_default() += r.get::<_, i64>(1) as u64;
            }
            s.results += r.get::<_, i64>(2) as u64;
        }
        for r in c
            .query(
                "SELECT state, count(*) FROM mailsift_units WHERE state <> 'done' GROUP BY state",
                &[],
            )
            .await
            .map_err(db)?
        {
            let n = r.get::<_, i64>(1) as u64;
            match r.get::<_, &str>(0) {
                "queued" => s.units_queued += n,
                _ => s.units_running += n,
            }
        }
        Ok(s)
    }

    pub(crate) async fn domain_facts(
        &self,
        domains: &[String],
    ) -> Result<Vec<(String, bool)>, StoreError> {
        let c = self.conn().await?;
        let rows = c
            .query(
                "SELECT domain, catch_all FROM mailsift_domain_facts
                 WHERE domain = ANY($1) AND updated_at > now() - interval '1 day'",
                &[&domains],
            )
            .await
            .map_err(db)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    pub(crate) async fn save_facts(&self, facts: &[(String, bool)]) -> Result<(), StoreError> {
        if facts.is_empty() {
            return Ok(());
        }
        let (d, c): (Vec<&str>, Vec<bool>) = facts.iter().map(|(d, c)| (d.as_str(), *c)).unzip();
        let conn = self.conn().await?;
        conn.execute(
            "INSERT INTO mailsift_domain_facts (domain, catch_all)
             SELECT * FROM unnest($1::text[], $2::bool[])
             ON CONFLICT (domain) DO UPDATE SET catch_all = EXCLUDED.catch_all, updated_at = now()",
            &[&d, &c],
        )
        .await
        .map_err(db)?;
        Ok(())
    }

    /// Take a connection slot for `ip` (at most `limit` at once across all workers), held for
    /// at most `lease`; `None` when all are taken.
    pub(crate) async fn take_slot(
        &self,
        ip: &str,
        limit: i32,
        worker: &str,
        lease: Duration,
    ) -> Result<Option<i32>, StoreError> {
        let c = self.conn().await?;
        c.execute(
            "INSERT INTO mailsift_host_slots (ip, slot)
             SELECT $1, s FROM generate_series(0, $2 - 1) AS s ON CONFLICT DO NOTHING",
            &[&ip, &limit],
        )
        .await
        .map_err(db)?;
        let r = c
            .query_opt(
                "UPDATE mailsift_host_slots SET worker = $3,
                     until = now() + make_interval(secs => $4)
                 WHERE (ip, slot) = (SELECT ip, slot FROM mailsift_host_slots
                     WHERE ip = $1 AND slot < $2 AND until < now()
                     ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
                 RETURNING slot",
                &[&ip, &limit, &worker, &lease.as_secs_f64()],
            )
            .await
            .map_err(db)?;
        Ok(r.map(|r| r.get(0)))
    }

    /// Extend a held slot's lease; `false` when it is no longer ours.
    pub(crate) async fn renew_slot(
        &self,
        ip: &str,
        slot: i32,
        worker: &str,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        let c = self.conn().await?;
        let n = c
            .execute(
                "UPDATE mailsift_host_slots SET until = now() + make_interval(secs => $4)
                 WHERE ip = $1 AND slot = $2 AND worker = $3 AND until > now()",
                &[&ip, &slot, &worker, &lease.as_secs_f64()],
            )
            .await
            .map_err(db)?;
        Ok(n > 0)
    }

    /// Give a slot back.
    pub(crate) async fn free_slot(
        &self,
        ip: &str,
        slot: i32,
        worker: &str,
    ) -> Result<(), StoreError> {
        let c = self.conn().await?;
        c.execute(
            "UPDATE mailsift_host_slots SET until = 'epoch'
             WHERE ip = $1 AND slot = $2 AND worker = $3",
            &[&ip, &slot, &worker],
        )
        .await
        .map_err(db)?;
        Ok(())
    }
}

/// The parameters of `add_counters!`: `processed` results and their verdict counts.
fn counters(processed: usize, c: &VerdictCounts) -> [i64; 5] {
    [
        processed as u64,
        c.deliverable,
        c.risky,
        c.undeliverable,
        c.unknown,
    ]
    .map(|n| n as i64)
}

fn closed() -> StoreError {
    StoreError::Unavailable("the database connection closed".into())
}

struct ClientGuard<'a>(MutexGuard<'a, Option<Client>>);

impl ClientGuard<'_> {
    /// Begin a transaction on this connection.
    async fn begin(&mut self) -> Result<tokio_postgres::Transaction<'_>, StoreError> {
        self.0
            .as_mut()
            .ok_or_else(closed)?
            .transaction()
            .await
            .map_err(db)
    }
}

impl std::ops::Deref for ClientGuard<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        // `conn` only returns a guard holding a client.
        self.0.as_ref().expect("a connected client")
    }
}

fn job_view(r: &tokio_postgres::Row) -> JobView {
    let status: String = r.get(1);
    let n = |i: usize| r.get::<_, i64>(i) as u64;
    JobView {
        id: r.get(0),
        status: JobStatus::parse(&status).unwrap_or(JobStatus::Failed),
        total: n(2),
        processed: n(3),
        verdicts: VerdictCounts {
            deliverable: n(4),
            risky: n(5),
            undeliverable: n(6),
            unknown: n(7),
        },
        created_at: super::clock::rfc3339(r.get(8)),
        finished_at: r.get::<_, Option<i64>>(9).map(super::clock::rfc3339),
    }
}
