//! The host gate shared by every worker: connection slots per mail server address kept in the
//! database, so `--smtp-per-host` holds across machines. A killed worker's slots come back
//! when their lease runs out.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use super::store::Store;
use crate::smtp::{HostGate, HostPermit, LocalGate, PermitFuture};

/// Connection slots in the store.
pub struct SharedGate {
    store: Arc<Store>,
    worker: String,
    per_host: i32,
    lease: Duration,
    handle: tokio::runtime::Handle,
    local: LocalGate,
}

impl SharedGate {
    /// A gate for `worker`, `per_host` sessions at once per address across all workers; a held
    /// slot's lease (`lease`) is renewed while its session lasts, so a killed worker's slots
    /// come back one lease later. `handle` runs the renewals and releases.
    pub fn new(
        store: Arc<Store>,
        worker: &str,
        per_host: usize,
        lease: Duration,
        handle: tokio::runtime::Handle,
    ) -> SharedGate {
        SharedGate {
            store,
            worker: worker.to_owned(),
            per_host: per_host.clamp(1, 1000) as i32,
            lease,
            handle,
            local: LocalGate::new(per_host),
        }
    }
}

struct Slot {
    renewer: tokio::task::JoinHandle<()>,
    store: Arc<Store>,
    ip: String,
    slot: i32,
    worker: String,
    handle: tokio::runtime::Handle,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.renewer.abort();
        let (store, ip, slot, worker) = (
            self.store.clone(),
            std::mem::take(&mut self.ip),
            self.slot,
            std::mem::take(&mut self.worker),
        );
        self.handle.spawn(async move {
            if let Some(p) = store.postgres() {
                // Not given back (the database is down): the lease frees it.
                let _ = p.free_slot(&ip, slot, &worker).await;
            }
        });
    }
}

impl HostGate for SharedGate {
    fn acquire(&self, ip: IpAddr) -> PermitFuture<'_> {
        // Waiters of this process queue here first: only `per_host` of them poll the store.
        let local = self.local.acquire(ip);
        Box::pin(async move {
            let local = local.await;
            let Some(pg) = self.store.postgres() else {
                return local;
            };
            let key = ip.to_string();
            let mut wait = Duration::from_millis(20);
            loop {
                if let Ok(Some(slot)) = pg
                    .take_slot(&key, self.per_host, &self.worker, self.lease)
                    .await
                {
                    // Held while the session lasts: renewed every third of the lease, so a
                    // killed worker's slot comes back one lease after its death.
                    let renewer = self.handle.spawn({
                        let (store, ip, worker, lease) = (
                            self.store.clone(),
                            key.clone(),
                            self.worker.clone(),
                            self.lease,
                        );
                        async move {
                            loop {
                                tokio::time::sleep(lease / 3).await;
                                if let Some(p) = store.postgres()
                                    && let Ok(false) = p.renew_slot(&ip, slot, &worker, lease).await
                                {
                                    return;
                                }
                            }
                        }
                    });
                    return HostPermit::new((
                        local,
                        Slot {
                            renewer,
                            store: self.store.clone(),
                            ip: key,
                            slot,
                            worker: self.worker.clone(),
                            handle: self.handle.clone(),
                        },
                    ));
                }
                // All slots busy (or the database away): wait, never exceed the limit.
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_millis(100));
            }
        })
    }
}
