//! Options of `serve`, `worker` and `keys` (the verification service).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::AddressOpts;

/// `mailsift serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// PostgreSQL URL (`postgres://user:pw@host:port/db`): jobs, queue and results live there
    /// and workers do the work. Without it, an embedded store and in-process workers.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// API keys file for the embedded store (written by `keys create --keys-file`); without
    /// it and without --database, a key is made for this run and printed on stderr.
    #[arg(long, value_name = "FILE")]
    pub keys_file: Option<PathBuf>,
    /// Seconds `POST /v1/check` may take; past it the answer is the offline analysis with
    /// `"complete": false`.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub check_timeout: f64,
    /// Largest request body in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_body: usize,
    /// Most addresses in one job.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub max_emails: usize,
    /// Accept callback URLs on loopback and private addresses (refused by default).
    #[arg(long)]
    pub allow_private_callbacks: bool,
    /// In-process workers (embedded store only).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub workers: usize,
    /// Address options (the network stages of single checks and of in-process workers).
    #[command(flatten)]
    pub addr: AddressOpts,
}

/// `mailsift worker`.
#[derive(Args, Debug)]
pub struct WorkerArgs {
    /// PostgreSQL URL of the jobs to work on.
    #[arg(long, value_name = "URL", required = true)]
    pub database: String,
    /// Local address SMTP sessions come from (one per worker gives each its own source).
    #[arg(long, value_name = "IP")]
    pub bind: Option<std::net::IpAddr>,
    /// This worker's name in results and leases [default: HOST-PID].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Seconds a claimed unit is ours without renewal (renewed every third of it); a killed
    /// worker's units are claimed again after it.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub lease: u64,
    /// Exit when no work is queued instead of waiting for more.
    #[arg(long)]
    pub exit_when_idle: bool,
    /// Do not probe with SMTP (DNS only).
    #[arg(long)]
    pub no_smtp: bool,
    /// Deliver callbacks to loopback and private addresses.
    #[arg(long)]
    pub allow_private_callbacks: bool,
    /// Address options, as for `clean` (--helo, --mail-from, --dns, --smtp-port, --smtp-rate,
    /// --smtp-per-host, --greylist-wait, ...). SMTP probing is on unless --no-smtp or
    /// --offline.
    #[command(flatten)]
    pub addr: AddressOpts,
}

/// `mailsift keys`.
#[derive(Args, Debug)]
pub struct KeysArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: KeysAction,
}

/// `mailsift keys` actions.
#[derive(Subcommand, Debug)]
pub enum KeysAction {
    /// Make a new API key, store its hash, print the key on stdout (it is not shown again).
    Create {
        /// PostgreSQL URL to store the key in.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// Keys file for `serve --keys-file` (appended to).
        #[arg(long, value_name = "FILE")]
        keys_file: Option<PathBuf>,
        /// A name to remember the key by.
        #[arg(long, value_name = "NAME", default_value = "")]
        name: String,
    },
}
