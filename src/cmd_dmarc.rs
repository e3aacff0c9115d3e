//! `mailsift dmarc`: options to configuration, the run, the outputs.

use std::io::Write;

use mailsift::dmarc::{self, Config, Limits, PtrSource};

use crate::{Failure, cli, create, is_dash, terminal_safe_lines, write_stdout, zone_and_net};

/// Run `mailsift dmarc`.
pub(crate) fn run(a: cli::DmarcArgs) -> Result<(), Failure> {
    if !(a.dns_timeout > 0.0 && a.dns_timeout <= 600.0) {
        return Err(Failure::Usage(
            "--dns-timeout must be between 0 and 600 seconds".into(),
        ));
    }
    if a.offline && !a.dns.is_empty() {
        return Err(Failure::Usage("--dns cannot be used with --offline".into()));
    }
    if a.max_size == 0 || a.max_size > 1 << 20 || a.max_ratio == 0 {
        return Err(Failure::Usage(
            "--max-size must be 1..1048576 MiB and --max-ratio at least 1".into(),
        ));
    }
    let stdouts = [&a.jsonl, &a.csv, &a.html]
        .iter()
        .filter(|o| o.as_deref().is_some_and(is_dash))
        .count();
    if stdouts > 1 {
        return Err(Failure::Usage(
            "only one of --jsonl, --csv, --html may be `-` (stdout)".into(),
        ));
    }
    let (zone, net) = zone_and_net(
        &a.zone,
        a.offline,
        &a.dns,
        Some(std::time::Duration::from_secs_f64(a.dns_timeout)),
    )?;
    let cfg = Config {
        limits: Limits {
            max_bytes: a.max_size << 20,
            max_ratio: a.max_ratio,
            ..Limits::default()
        },
        ptr: Some(PtrSource::new(zone, net)),
    };
    let out = dmarc::run(&a.paths, &cfg).map_err(|e| Failure::Job(e.to_string()))?;
    let io_err = |what: &str| {
        let what = what.to_string();
        move |e: std::io::Error| Failure::Job(format!("writing {what}: {e}"))
    };
    if let Some(p) = &a.jsonl {
        let w = create(p, "JSON Lines")?;
        dmarc::write_jsonl(&out.items, w).map_err(io_err("JSON Lines"))?;
    }
    if let Some(p) = &a.csv {
        let w = create(p, "CSV")?;
        dmarc::write_csv(&out.items, w).map_err(io_err("CSV"))?;
    }
    if let Some(p) = &a.html {
        let w = create(p, "HTML")?;
        dmarc::write_html(&out.summary, &out.items, w).map_err(io_err("HTML"))?;
    }
    let text = terminal_safe_lines(&dmarc::render_text(&out.summary, &out.items));
    if stdouts == 0 {
        write_stdout(text.as_bytes(), "summary")
    } else {
        // stdout carries an output: the summary goes to stderr
        let mut e = std::io::stderr().lock();
        let _ = e.write_all(text.as_bytes());
        Ok(())
    }
}
