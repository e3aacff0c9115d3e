//! `DnsError`: why the DNS stage could not start.

use std::io;

/// Why the resolver or the DNS stage could not start.
#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    /// The system's resolver configuration (`/etc/resolv.conf` on Unix) could not be read.
    #[error("cannot read the system's DNS configuration: {0}")]
    SystemConfig(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The system's configuration names no server.
    #[error("no DNS servers configured (use --dns SERVER)")]
    NoServers,
    /// The UDP sockets could not be opened.
    #[error("cannot open DNS sockets: {0}")]
    Sockets(#[source] io::Error),
    /// The tokio runtime could not start.
    #[error("cannot start the DNS runtime: {0}")]
    Runtime(#[source] io::Error),
}
