//! `mailsift domain`: options into the sender-domain audit, outputs and the exit code by the
//! worst finding.

use std::path::Path;

use crate::{Failure, cli, load_zones, write_stdout};

pub(crate) fn run(a: cli::DomainArgs) -> Result<(), Failure> {
    use mailsift::dns::{DnsConfig, NetLookup};
    use mailsift::domain::{
        AuditOptions, DEFAULT_DNSBLS, DnsblZone, HttpsFetcher, Severity, ZoneNetDns,
    };
    if !(a.timeout > 0.0 && a.timeout <= 600.0) {
        return Err(Failure::Usage(
            "--timeout must be between 0 and 600 seconds".into(),
        ));
    }
    if a.offline && !a.dns.is_empty() {
        return Err(Failure::Usage("--dns cannot be used with --offline".into()));
    }
    let domain = idna::domain_to_ascii(a.domain.trim().trim_end_matches('.'))
        .ok()
        .filter(|d| !d.is_empty() && d.len() <= 253 && !d.contains(['/', ' ', '@']))
        .ok_or_else(|| Failure::Usage(format!("{:?} is not a domain name", a.domain)))?;
    let names: Vec<&str> = if a.dnsbl.is_empty() {
        DEFAULT_DNSBLS.to_vec()
    } else {
        a.dnsbl
            .iter()
            .map(String::as_str)
            .filter(|z| *z != "none")
            .collect()
    };
    let dnsbls = names
        .iter()
        .map(|z| {
            DnsblZone::parse(z)
                .ok_or_else(|| Failure::Usage(format!("--dnsbl {z:?} is not a zone")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let timeout = std::time::Duration::from_secs_f64(a.timeout);
    let zone = load_zones(&a.zone)?.map(|(z, _)| z).unwrap_or_default();
    let (net, mut fetcher) = if a.offline {
        (None, HttpsFetcher::offline())
    } else {
        let servers = a
            .dns
            .iter()
            .map(|s| cli::parse_server(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(Failure::Usage)?;
        let cfg = DnsConfig {
            servers,
            timeout,
            ..DnsConfig::default()
        };
        let roots = match &a.mta_sts_ca {
            Some(p) => {
                let pem = std::fs::read(p)
                    .map_err(|e| Failure::Job(format!("reading {}: {e}", p.display())))?;
                mailsift::domain::pem_certificates(&pem).map_err(Failure::Job)?
            }
            None => Vec::new(),
        };
        (
            Some(NetLookup::new(&cfg).map_err(|e| Failure::Job(e.to_string()))?),
            HttpsFetcher::new(&roots, a.mta_sts_port, timeout).map_err(Failure::Job)?,
        )
    };
    let mut dns = ZoneNetDns::new(zone, net);
    let opts = AuditOptions {
        selectors: a.selectors.clone(),
        ips: a.ips.clone(),
        dnsbls,
    };
    let audit = mailsift::domain::audit(&mut dns, &mut fetcher, &domain, &opts);
    let json_to_stdout = a.json.as_deref() == Some(Path::new("-"));
    if let Some(path) = &a.json {
        let mut s = serde_json::to_string_pretty(&audit)
            .map_err(|e| Failure::Job(format!("encoding JSON: {e}")))?;
        s.push('\n');
        if json_to_stdout {
            write_stdout(s.as_bytes(), "JSON report")?;
        } else {
            std::fs::write(path, s)
                .map_err(|e| Failure::Job(format!("writing {}: {e}", path.display())))?;
        }
    }
    if let Some(path) = &a.html {
        let mut buf = Vec::new();
        mailsift::domain::write_html(&audit, &mut buf)
            .and_then(|()| std::fs::write(path, &buf))
            .map_err(|e| Failure::Job(format!("writing {}: {e}", path.display())))?;
    }
    if !json_to_stdout {
        write_stdout(mailsift::domain::render_text(&audit).as_bytes(), "summary")?;
    }
    match audit.worst {
        Some(Severity::Error) => Err(Failure::Findings(5)),
        Some(Severity::Warning) => Err(Failure::Findings(4)),
        Some(Severity::Unknown) => Err(Failure::Findings(3)),
        Some(Severity::Info) | None => Ok(()),
    }
}
