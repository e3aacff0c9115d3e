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
    // JSON Lines and CSV are written as the reports are read (created with the first one, so
    // that a run refused for its inputs creates no file); the HTML page needs them all
    let mut outs: Option<Outputs> = None;
    let open = || -> Result<Outputs, Failure> {
        Ok(Outputs {
            jsonl: a
                .jsonl
                .as_ref()
                .map(|p| create(p, "JSON Lines"))
                .transpose()?,
            csv: match &a.csv {
                Some(p) => Some(
                    dmarc::CsvWriter::new(create(p, "CSV")?)
                        .map_err(|e| Failure::Job(format!("writing CSV: {e}")))?,
                ),
                None => None,
            },
        })
    };
    let fail = |f: Failure| match f {
        Failure::Job(m) | Failure::Usage(m) => m,
        Failure::Degraded | Failure::Findings(_) => String::new(),
    };
    let mut line = Vec::new();
    let out = dmarc::run_streaming(&a.paths, &cfg, a.html.is_some(), |item| {
        if outs.is_none() {
            outs = Some(open().map_err(fail)?);
        }
        let Some(o) = outs.as_mut() else {
            return Ok(());
        };
        if let Some(w) = o.jsonl.as_mut() {
            // one line serialised into a reused buffer, then one write through the box
            line.clear();
            dmarc::write_jsonl_item(item, &mut line)
                .and_then(|()| w.write_all(&line))
                .map_err(|e| format!("writing JSON Lines: {e}"))?;
        }
        if let Some(w) = o.csv.as_mut() {
            w.write(item).map_err(|e| format!("writing CSV: {e}"))?;
        }
        Ok(())
    })
    .map_err(|e| Failure::Job(e.to_string()))?;
    let o = match outs {
        Some(o) => o,
        None => open()?,
    };
    if let Some(mut w) = o.jsonl {
        w.flush()
            .map_err(|e| Failure::Job(format!("writing JSON Lines: {e}")))?;
    }
    if let Some(w) = o.csv {
        w.finish()
            .map_err(|e| Failure::Job(format!("writing CSV: {e}")))?;
    }
    if let Some(p) = &a.html {
        let w = create(p, "HTML")?;
        dmarc::write_html(&out.summary, &out.items, w)
            .map_err(|e| Failure::Job(format!("writing HTML: {e}")))?;
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

/// The outputs written while the reports are read.
struct Outputs {
    jsonl: Option<Box<dyn Write + Send>>,
    csv: Option<dmarc::CsvWriter<Box<dyn Write + Send>>>,
}
