//! `serve`, `worker` and `keys`: options into the library's service, runtimes, signals.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mailsift::service::{
    self, Api, ApiConfig, CallbackPolicy, Checker, SharedGate, Store, WorkerConfig, WorkerStats,
};
use mailsift::terminal_safe;

use crate::cli::{KeysAction, KeysArgs, ServeArgs, WorkerArgs};
use crate::{Failure, Net, bars};

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Job(format!("cannot start the runtime: {e}")))
}

fn warn(msg: &str) {
    eprintln!("mailsift: warning: {}", terminal_safe(msg));
}

/// A name for this worker: host name and process id.
fn default_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "worker".into());
    format!("{host}-{}", std::process::id())
}

/// Resolves when SIGINT or SIGTERM arrives.
async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

pub(crate) fn run_serve(a: ServeArgs) -> Result<(), Failure> {
    if !(a.check_timeout > 0.0 && a.check_timeout <= 600.0) {
        return Err(Failure::Usage(
            "--check-timeout must be between 0 and 600".into(),
        ));
    }
    let rt = runtime()?;
    let store = Arc::new(
        rt.block_on(Store::open(a.database.as_deref()))
            .map_err(|e| Failure::Job(e.to_string()))?,
    );
    if a.database.is_none() {
        load_keys(&rt, &store, a.keys_file.as_deref())?;
    }
    let net = Arc::new(Net::build(&a.addr, bars::Bars::shared(false))?);
    let checker_net = net.clone();
    let checker: Checker = Arc::new(move |email: &str, options: &service::JobOptions| {
        let mut seen = std::collections::HashMap::new();
        let recs = mailsift::check::check_batch(
            &[email.to_owned()],
            1,
            &options.analyze(),
            &mut seen,
            checker_net.stage(),
        );
        recs.into_iter()
            .next()
            .unwrap_or_else(|| mailsift::address::analyze(1, email, &options.analyze()))
    });
    let callbacks = CallbackPolicy {
        allow_private: a.allow_private_callbacks,
        ..CallbackPolicy::default()
    };
    let cfg = ApiConfig {
        max_body: a.max_body,
        max_emails: a.max_emails,
        check_timeout: Duration::from_secs_f64(a.check_timeout),
        allow_private_callbacks: a.allow_private_callbacks,
        ..ApiConfig::default()
    };
    let api = Arc::new(Api::new(store.clone(), cfg, checker, callbacks.clone()));
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(a.listen))
        .map_err(|e| Failure::Job(format!("cannot listen on {}: {e}", a.listen)))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::Job(e.to_string()))?;
    eprintln!(
        "mailsift: serving on http://{local} ({})",
        if a.database.is_some() {
            "PostgreSQL store"
        } else {
            "embedded store"
        }
    );
    // In-process workers for the embedded store.
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    if a.database.is_none() {
        for i in 0..a.workers.max(1) {
            let (store, net, stop, handle) = (
                store.clone(),
                net.clone(),
                stop.clone(),
                rt.handle().clone(),
            );
            let cfg = WorkerConfig {
                name: format!("serve-{i}"),
                callback: callbacks.clone(),
                ..WorkerConfig::default()
            };
            threads.push(std::thread::spawn(move || {
                let stats = WorkerStats::default();
                service::run_worker(&store, &handle, net.stage(), &cfg, &stop, &stats, &warn);
            }));
        }
    }
    let served = rt.block_on(service::serve(api, listener, shutdown_signal()));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }
    served.map_err(|e| Failure::Job(e.to_string()))
}

/// Keys for the embedded store: the keys file, or one made for this run.
fn load_keys(
    rt: &tokio::runtime::Runtime,
    store: &Store,
    file: Option<&std::path::Path>,
) -> Result<(), Failure> {
    let Some(path) = file else {
        let key = service::generate_key();
        rt.block_on(store.add_key(&service::hash_key(&key), "run"))
            .map_err(|e| Failure::Job(e.to_string()))?;
        eprintln!("mailsift: API key for this run (no --keys-file): {key}");
        return Ok(());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Job(format!("cannot read {}: {e}", path.display())))?;
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (hash, name) = line.split_once(' ').unwrap_or((line, ""));
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Failure::Job(format!(
                "{}:{}: not a key hash (64 hex digits)",
                path.display(),
                i + 1
            )));
        }
        rt.block_on(store.add_key(hash, name.trim()))
            .map_err(|e| Failure::Job(e.to_string()))?;
        n += 1;
    }
    if n == 0 {
        return Err(Failure::Job(format!("{}: no keys", path.display())));
    }
    Ok(())
}

pub(crate) fn run_worker(mut a: WorkerArgs) -> Result<(), Failure> {
    if a.lease < 3 {
        return Err(Failure::Usage("--lease must be at least 3 seconds".into()));
    }
    a.addr.smtp = !a.no_smtp && !a.addr.offline;
    let name = a.name.clone().unwrap_or_else(default_name);
    let rt = runtime()?;
    let store = Arc::new(
        rt.block_on(Store::open(Some(&a.database)))
            .map_err(|e| Failure::Job(e.to_string()))?,
    );
    // The gate has its own connections: slot traffic never waits behind a unit's writes.
    let gate_store = Arc::new(
        rt.block_on(Store::open(Some(&a.database)))
            .map_err(|e| Failure::Job(e.to_string()))?,
    );
    let smtp = a.addr.smtp().map_err(Failure::Usage)?;
    let per_host = smtp.as_ref().map_or(1, |s| s.settings.per_host);
    let rate = smtp.as_ref().and_then(|s| s.settings.rate);
    let gate: Arc<dyn mailsift::smtp::HostGate> = Arc::new(SharedGate::new(
        gate_store,
        &name,
        per_host,
        Duration::from_secs(a.lease),
        rt.handle().clone(),
    ));
    let net = Net::build_with(&a.addr, bars::Bars::shared(false), Some(gate), a.bind)?;
    let cfg = WorkerConfig {
        name: name.clone(),
        source: a.bind.map(|ip| ip.to_string()).unwrap_or_default(),
        lease_secs: a.lease as i64,
        exit_when_idle: a.exit_when_idle,
        domain_gap: rate.map_or(0.0, |r| if r > 0.0 { 1.0 / r } else { 0.0 }),
        callback: CallbackPolicy {
            allow_private: a.allow_private_callbacks,
            ..CallbackPolicy::default()
        },
        ..WorkerConfig::default()
    };
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        rt.spawn(async move {
            shutdown_signal().await;
            stop.store(true, Ordering::Relaxed);
        });
    }
    eprintln!("mailsift: worker {} started", terminal_safe(&name));
    let stats = WorkerStats::default();
    service::run_worker(&store, rt.handle(), net.stage(), &cfg, &stop, &stats, &warn);
    eprintln!(
        "mailsift: worker {}: {} units, {} addresses",
        terminal_safe(&name),
        stats.units.load(Ordering::Relaxed),
        stats.addresses.load(Ordering::Relaxed)
    );
    net.warn();
    Ok(())
}

pub(crate) fn run_keys(a: KeysArgs) -> Result<(), Failure> {
    let KeysAction::Create {
        database,
        keys_file,
        name,
    } = a.action;
    if database.is_none() && keys_file.is_none() {
        return Err(Failure::Usage(
            "keys create needs --database URL or --keys-file FILE".into(),
        ));
    }
    if name.contains(['\n', '\r']) {
        return Err(Failure::Usage("--name must be one line".into()));
    }
    let key = service::generate_key();
    let hash = service::hash_key(&key);
    if let Some(url) = database {
        let rt = runtime()?;
        let store = rt
            .block_on(Store::open(Some(&url)))
            .map_err(|e| Failure::Job(e.to_string()))?;
        rt.block_on(store.add_key(&hash, &name))
            .map_err(|e| Failure::Job(e.to_string()))?;
    }
    if let Some(path) = keys_file {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| Failure::Job(format!("cannot open {}: {e}", path.display())))?;
        writeln!(f, "{hash} {name}")
            .map_err(|e| Failure::Job(format!("cannot write {}: {e}", path.display())))?;
    }
    println!("{key}");
    Ok(())
}
