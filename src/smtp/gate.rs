//! The host gate: how many sessions may be open at once to one mail server address. One
//! process keeps the count in memory ([`LocalGate`]); workers on several machines share it
//! through the store that implements [`HostGate`] (the service's PostgreSQL slots).

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

/// A held connection slot: dropping it gives the slot back.
pub struct HostPermit(#[allow(dead_code)] Box<dyn Send + Sync>);

impl HostPermit {
    /// A permit that releases by dropping `guard` (whatever it holds).
    pub fn new(guard: impl Send + Sync + 'static) -> HostPermit {
        HostPermit(Box::new(guard))
    }
}

impl std::fmt::Debug for HostPermit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostPermit")
    }
}

/// The future [`HostGate::acquire`] returns.
pub type PermitFuture<'a> = Pin<Box<dyn Future<Output = HostPermit> + Send + 'a>>;

/// Grants connection slots per mail server address. `acquire` waits until a slot is free.
pub trait HostGate: Send + Sync {
    /// Wait for a slot to connect to `ip`.
    fn acquire(&self, ip: IpAddr) -> PermitFuture<'_>;
}

/// The in-process gate: at most `per_host` sessions at once to one address.
#[derive(Debug)]
pub struct LocalGate {
    per_host: usize,
    hosts: Mutex<HashMap<IpAddr, Arc<Semaphore>>>,
}

impl LocalGate {
    /// A gate allowing `per_host` sessions at once to each address (at least 1).
    pub fn new(per_host: usize) -> LocalGate {
        LocalGate {
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
        }
    }
}

impl HostGate for LocalGate {
    fn acquire(&self, ip: IpAddr) -> PermitFuture<'_> {
        let sem = self
            .hosts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(ip)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
            .clone();
        Box::pin(async move {
            match sem.acquire_owned().await {
                Ok(p) => HostPermit::new(p),
                // The semaphore is never closed; an unlimited permit is the safe fallback.
                Err(_) => HostPermit::new(()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_gate_holds_the_limit_and_releases_on_drop() {
        let gate = LocalGate::new(2);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let a = gate.acquire(ip).await;
        let _b = gate.acquire(ip).await;
        let third = tokio::time::timeout(std::time::Duration::from_millis(50), gate.acquire(ip));
        assert!(third.await.is_err(), "a third slot must wait");
        drop(a);
        let third = tokio::time::timeout(std::time::Duration::from_millis(50), gate.acquire(ip));
        assert!(third.await.is_ok(), "a dropped permit frees its slot");
        // Another address has its own slots.
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        let _c = gate.acquire(other).await;
    }
}
