//! `mailsift server`: options into the server diagnostics, the MTA-STS policy fetch, the
//! password prompt, outputs and the exit code by the worst finding.

use std::io::{self, Write};
use std::path::Path;

use mailsift::terminal_safe;

use crate::{Failure, cli, write_stdout, zone_and_net};

/// The MTA-STS policy TARGET publishes (RFC 8461: only when its `_mta-sts` TXT record says
/// there is one), fetched over HTTPS with the `domain` command's fetcher; `None`, with a
/// warning saying why, when it cannot be had (MTA-STS then goes unchecked).
fn fetch_sts_policy(
    target: &str,
    dns: &mut impl mailsift::server::Dns,
    extra_roots: &[rustls::pki_types::CertificateDer<'static>],
    port: u16,
    timeout: std::time::Duration,
) -> Option<mailsift::server::StsPolicy> {
    use mailsift::dns::records::{Lookup, RType, Rr};
    use mailsift::domain::{HttpsFetcher, PolicyFetch, PolicyResponse};
    let domain = target.trim_end_matches('.');
    if domain.parse::<std::net::IpAddr>().is_ok() || domain.contains(':') {
        return None;
    }
    let published = match dns.lookup(&format!("_mta-sts.{domain}"), RType::Txt) {
        Lookup::Answer(rrs) => rrs.iter().any(|r| {
            matches!(r, Rr::Txt(parts) if parts.concat().trim_start().to_ascii_lowercase().starts_with("v=stsv1"))
        }),
        _ => false,
    };
    if !published {
        return None;
    }
    let host = format!("mta-sts.{domain}");
    let mut addrs = Vec::new();
    for t in [RType::A, RType::Aaaa] {
        if let Lookup::Answer(rrs) = dns.lookup(&host, t) {
            for r in rrs {
                match r {
                    Rr::A(ip) => addrs.push(std::net::IpAddr::V4(ip)),
                    Rr::Aaaa(ip) => addrs.push(std::net::IpAddr::V6(ip)),
                    _ => {}
                }
            }
        }
    }
    let warn = |why: &str| {
        eprintln!(
            "mailsift: warning: the MTA-STS policy of {} could not be fetched ({}); MTA-STS not checked",
            terminal_safe(domain),
            terminal_safe(why)
        );
    };
    if addrs.is_empty() {
        warn(&format!("{host} has no address"));
        return None;
    }
    let mut fetcher = match HttpsFetcher::new(extra_roots, port, timeout) {
        Ok(f) => f,
        Err(e) => {
            warn(&e);
            return None;
        }
    };
    match fetcher.fetch(&host, &addrs) {
        PolicyResponse::Fetched {
            status: 200, body, ..
        } => {
            let p = mailsift::server::StsPolicy::parse(&String::from_utf8_lossy(&body));
            if p.is_none() {
                warn("the policy has no version: STSv1 or no mode");
            }
            p
        }
        PolicyResponse::Fetched { status, .. } => {
            warn(&format!("HTTP {status}"));
            None
        }
        PolicyResponse::Failed { message, .. } => {
            warn(&message);
            None
        }
    }
}

pub(crate) fn run(a: cli::ServerArgs) -> Result<(), Failure> {
    use mailsift::server::{self, Credentials, Secret, ServerConfig, StsPolicy, TrustRoots};
    if !(a.timeout > 0.0 && a.timeout <= 600.0) {
        return Err(Failure::Usage(
            "--timeout must be between 0 and 600 seconds".into(),
        ));
    }
    if a.offline && !a.dns.is_empty() {
        return Err(Failure::Usage("--dns cannot be used with --offline".into()));
    }
    if a.port.contains(&0) {
        return Err(Failure::Usage("--port 0 is not a port".into()));
    }
    let mut extra = Vec::new();
    for path in &a.tls_ca {
        let pem = std::fs::read(path)
            .map_err(|e| Failure::Job(format!("reading {}: {e}", path.display())))?;
        extra.extend(
            TrustRoots::pem_certificates(&pem)
                .map_err(|e| Failure::Job(format!("{}: {e}", path.display())))?,
        );
    }
    let roots = TrustRoots::new(extra.clone()).map_err(Failure::Job)?;
    let mta_sts = match &a.mta_sts_policy {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::Job(format!("reading {}: {e}", path.display())))?;
            Some(StsPolicy::parse(&text).ok_or_else(|| {
                Failure::Job(format!(
                    "{}: not an MTA-STS policy (version: STSv1 and mode: needed)",
                    path.display()
                ))
            })?)
        }
        None => None,
    };
    let auth = match &a.auth_user {
        Some(user) => Some(Credentials {
            user: user.clone(),
            password: Secret::new(match std::env::var("MAILSIFT_AUTH_PASSWORD") {
                Ok(p) => p,
                Err(_) => prompt_password(user)?,
            }),
        }),
        None => None,
    };
    let helo = a.helo.clone().unwrap_or_else(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".into())
    });
    let (zone, net) = zone_and_net(&a.zone, a.offline, &a.dns, None)?;
    let mut dns = server::ZoneThenNet::new(zone, net);
    let mta_sts = match mta_sts {
        Some(p) => Some(p),
        None if !a.offline => fetch_sts_policy(
            &a.target,
            &mut dns,
            &extra,
            a.mta_sts_port,
            std::time::Duration::from_secs_f64(a.timeout),
        ),
        None => None,
    };
    let cfg = ServerConfig {
        target: a.target.clone(),
        ports: (!a.port.is_empty()).then(|| a.port.clone()),
        helo,
        timeout: std::time::Duration::from_secs_f64(a.timeout),
        relay_test: a.relay_test,
        auth,
        allow_plaintext_auth: a.allow_plaintext_auth,
        roots,
        implicit_tls_ports: a.implicit_tls.clone(),
        mta_sts,
    };
    let report = server::run(&cfg, &mut dns).map_err(|e| Failure::Job(e.to_string()))?;
    let json = || -> Result<Vec<u8>, Failure> {
        let mut v = serde_json::to_vec_pretty(&report)
            .map_err(|e| Failure::Job(format!("encoding JSON: {e}")))?;
        v.push(b'\n');
        Ok(v)
    };
    match a.json.as_deref() {
        Some(p) if p == Path::new("-") => write_stdout(&json()?, "JSON report")?,
        Some(p) => {
            std::fs::write(p, json()?)
                .map_err(|e| Failure::Job(format!("writing {}: {e}", p.display())))?;
            write_stdout(server::render_text(&report).as_bytes(), "report")?;
        }
        None => write_stdout(server::render_text(&report).as_bytes(), "report")?,
    }
    match report.exit_code {
        0 => Ok(()),
        code => Err(Failure::Findings(code)),
    }
}

/// Ask for the AUTH password on the terminal, without echo (`stty`); never printed.
fn prompt_password(user: &str) -> Result<String, Failure> {
    use std::io::BufRead;
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| {
            Failure::Usage(
                "--auth-user needs MAILSIFT_AUTH_PASSWORD or a terminal to ask on".into(),
            )
        })?;
    let stty = |arg: &str| {
        std::process::Command::new("stty")
            .arg(arg)
            .stdin(
                tty.try_clone()
                    .map_or(std::process::Stdio::null(), Into::into),
            )
            .status()
    };
    let _ = stty("-echo");
    let mut w = &tty;
    let _ = write!(w, "password for {}: ", terminal_safe(user));
    let mut line = String::new();
    let read = io::BufReader::new(&tty).read_line(&mut line);
    let _ = stty("echo");
    let _ = writeln!(w);
    read.map_err(|e| Failure::Job(format!("reading the password: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
