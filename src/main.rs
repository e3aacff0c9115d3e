//! The `mailsift` binary: parse options, run the library, print errors, set the exit code.

mod bars;
mod cli;
mod cmd_dmarc;
mod cmd_domain;
mod cmd_server;
mod service_cmd;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use cli::{CheckArgs, CleanArgs, Cli, Command};
use mailsift::check;
use mailsift::dns::{DnsStage, ResolverReport, ResolverStatus};
use mailsift::pipeline::clean::{self, CleanSinks};
use mailsift::smtp::Journal;
use mailsift::smtp::SmtpStage;
use mailsift::stage::Stage;
use mailsift::terminal_safe;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code: could not do the job.
const EXIT_FAILURE: u8 = 1;
/// Exit code: usage error.
const EXIT_USAGE: u8 = 2;
/// Exit code: the run finished, degraded: the DNS resolver was not trusted, so no address was
/// judged on its answers (outputs are complete; those rows are `unknown`, `dns_untrusted`).
const EXIT_DEGRADED: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Clean(a) => run_clean(*a),
        Command::Check(a) => run_check(a),
        Command::Bounces(a) => run_bounces(a),
        Command::Logs(a) => run_logs(a),
        Command::Explain(a) => run_explain(a),
        Command::Server(a) => cmd_server::run(a),
        Command::Completions(a) => run_completions(a),
        Command::Man(a) => run_man(a),
        Command::Spf(a) => run_spf(a),
        Command::Serve(a) => service_cmd::run_serve(a),
        Command::Worker(a) => service_cmd::run_worker(a),
        Command::Keys(a) => service_cmd::run_keys(a),
        Command::Domain(a) => cmd_domain::run(a),
        Command::Dmarc(a) => cmd_dmarc::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("mailsift: usage error: {}", terminal_safe(&msg));
            ExitCode::from(EXIT_USAGE)
        }
        Err(Failure::Job(msg)) => {
            eprintln!("mailsift: error: {}", terminal_safe(&msg));
            ExitCode::from(EXIT_FAILURE)
        }
        // The warning that says why was printed when it was found.
        Err(Failure::Degraded) => ExitCode::from(EXIT_DEGRADED),
        Err(Failure::Findings(code)) => ExitCode::from(code),
    }
}

enum Failure {
    Usage(String),
    Job(String),
    /// The job was done, but on an untrusted resolver (exit code 3).
    Degraded,
    /// The job was done; this exit code reports what it found (`domain`).
    Findings(u8),
}

/// `Err(Failure::Degraded)` when the resolver was judged untrustworthy.
fn degraded(report: Option<&ResolverReport>) -> Result<(), Failure> {
    match report {
        Some(r) if r.status != ResolverStatus::Ok => Err(Failure::Degraded),
        _ => Ok(()),
    }
}

/// `30 invalid_domain, 11 invalid_syntax`: rejected rows by reason, most first.
fn rejections_by_reason(summary: &mailsift::report::Summary) -> String {
    let mut v: Vec<(&String, &u64)> = summary.rejected_reasons.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    v.iter()
        .map(|(r, n)| format!("{n} {r}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_dash(p: &Path) -> bool {
    p.as_os_str() == "-"
}

fn create(path: &Path, what: &str) -> Result<Box<dyn Write + Send>, Failure> {
    if is_dash(path) {
        return Ok(Box::new(BufWriter::with_capacity(1 << 20, io::stdout())));
    }
    let f = File::create(path)
        .map_err(|e| Failure::Job(format!("cannot create {what} {}: {e}", path.display())))?;
    // Chunks of output (tens of KiB and more) go straight to the file; smaller writes are
    // gathered.
    Ok(Box::new(BufWriter::with_capacity(OUT_BUFFER, f)))
}

/// The output buffer: writes this big or bigger bypass it.
const OUT_BUFFER: usize = 32 << 10;

/// Write `value` as pretty JSON to `path` (`-` for stdout).
fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), Failure> {
    let mut w = create(path, "summary")?;
    serde_json::to_writer_pretty(&mut w, value)
        .map_err(|e| Failure::Job(format!("writing summary: {e}")))?;
    w.write_all(b"\n")
        .and_then(|_| w.flush())
        .map_err(|e| Failure::Job(format!("writing summary: {e}")))
}

fn default_rejects(a: &CleanArgs) -> PathBuf {
    if !is_dash(&a.output) {
        let stem = a
            .output
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "clean".into());
        return a.output.with_file_name(format!("{stem}.rejects.csv"));
    }
    if !is_dash(&a.input) {
        let stem = a
            .input
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "input".into());
        return PathBuf::from(format!("{stem}.rejects.csv"));
    }
    PathBuf::from("mailsift.rejects.csv")
}

/// Read the `--suppress` files into one set; malformed lines are warned about on stderr (the
/// first 20, then a count).
fn load_suppressions(a: &CleanArgs) -> Result<mailsift::suppress::SuppressSet, Failure> {
    let mut set = mailsift::suppress::SuppressSet::new();
    for p in &a.suppress {
        let name = p.display().to_string();
        let bytes = std::fs::read(p)
            .map_err(|e| Failure::Job(format!("cannot read suppression file {name}: {e}")))?;
        // (gzip, UTF-16, Windows-1252 and workbooks as for the list itself)
        let (bytes, _) = mailsift::input::list_text(bytes, &Default::default())
            .map_err(|e| Failure::Job(format!("suppression file {name}: {e}")))?;
        set.load(&name, &bytes, &a.addr.analyze())
            .map_err(|e| Failure::Job(terminal_safe(&e.to_string())))?;
    }
    const SHOWN: usize = 20;
    for w in set.warnings.iter().take(SHOWN) {
        eprintln!("mailsift: warning: {}", terminal_safe(&w.to_string()));
    }
    if set.warnings.len() > SHOWN {
        eprintln!(
            "mailsift: warning: {} more malformed suppression lines",
            set.warnings.len() - SHOWN
        );
    }
    Ok(set)
}

/// Read the `--engagement` files into one set, streaming; malformed lines are warned about on
/// stderr (the first 20, then a count per file).
fn load_engagement(a: &CleanArgs) -> Result<mailsift::engagement::EngagementSet, Failure> {
    let mut set = mailsift::engagement::EngagementSet::new(a.engagement_rules(), a.threads);
    for p in &a.engagement {
        let name = p.display().to_string();
        let (reader, _) = mailsift::input::open_path(p).map_err(|e| {
            Failure::Job(terminal_safe(&format!(
                "cannot read engagement file {name}: {e}"
            )))
        })?;
        set.load(&name, reader, &a.addr.analyze())
            .map_err(|e| Failure::Job(terminal_safe(&e.to_string())))?;
    }
    const SHOWN: usize = 20;
    for w in set.warnings.iter().take(SHOWN) {
        eprintln!("mailsift: warning: {}", terminal_safe(&w.to_string()));
    }
    if set.malformed() > SHOWN as u64 {
        eprintln!(
            "mailsift: warning: {} more malformed engagement lines (counted in the summary)",
            set.malformed() - SHOWN as u64
        );
    }
    Ok(set)
}

fn run_clean(a: CleanArgs) -> Result<(), Failure> {
    let mut cfg = a.config().map_err(Failure::Usage)?;
    if !a.suppress.is_empty() {
        cfg.suppress = Some(std::sync::Arc::new(load_suppressions(&a)?));
    }
    if !a.engagement.is_empty() {
        cfg.engagement = Some(std::sync::Arc::new(load_engagement(&a)?));
    }
    let stdout_users = [
        Some(&a.output),
        a.rejects.as_ref(),
        a.results.as_ref(),
        a.summary.as_ref(),
        a.report.as_ref(),
        a.report_json.as_ref(),
    ]
    .into_iter()
    .flatten()
    .filter(|p| is_dash(p))
    .count();
    if stdout_users > 1 {
        return Err(Failure::Usage(
            "only one of --output, --rejects, --results, --summary, --report and --report-json \
             can be '-' (stdout); give --output a file name"
                .into(),
        ));
    }
    let (input, len): (Box<dyn io::Read + Send>, Option<u64>) = if is_dash(&a.input) {
        (Box::new(io::stdin()), None)
    } else {
        let f = File::open(&a.input)
            .map_err(|e| Failure::Job(format!("cannot open {}: {e}", a.input.display())))?;
        let len = f.metadata().ok().map(|m| m.len());
        // No buffer in between: the chunker reads in blocks of at least 64 KiB itself.
        (Box::new(f), len)
    };
    let progress = bars::Bars::shared(!a.quiet);
    let net = Net::build(&a.addr, progress.clone())?;
    cfg.progress = Some(progress);
    let rejects_path = a.rejects.clone().unwrap_or_else(|| default_rejects(&a));
    let sinks = CleanSinks {
        clean: create(&a.output, "clean output")?,
        rejects: create(&rejects_path, "rejects output")?,
        results: a
            .results
            .as_ref()
            .map(|p| create(p, "results output"))
            .transpose()?,
    };
    let mut summary = clean::run(input, len, &cfg, sinks, net.stage())
        .map_err(|e| Failure::Job(e.to_string()))?;
    summary.dns = net.report();
    net.warn();
    if let Some(inp) = &summary.input {
        warn_list_input(&a.input, inp, a.sheet.is_some());
    }
    if let Some(h) = summary.hygiene.as_mut() {
        h.input = a.input.display().to_string();
    }
    if let Some(p) = &a.summary {
        write_json(p, &summary)?;
    }
    if !a.quiet {
        let why = rejections_by_reason(&summary);
        // The full warning was printed when the resolver was judged; the line says it again.
        let dns = match &summary.dns {
            Some(r) if r.status != ResolverStatus::Ok => format!(
                "; DNS resolver {} not trusted ({}): {} rows unknown (dns_untrusted), none \
                 rejected on its word",
                r.resolver,
                r.status.as_str(),
                summary.reasons.get("dns_untrusted").copied().unwrap_or(0)
            ),
            _ => String::new(),
        };
        eprintln!(
            "mailsift: {} rows in: {} clean, {} rejected (to {}{}{}){}; {:.2}s, {:.0} rows/s",
            summary.rows_in,
            summary.rows_clean,
            summary.rows_rejected,
            terminal_safe(&rejects_path.display().to_string()),
            if why.is_empty() { "" } else { ": " },
            why,
            terminal_safe(&dns),
            summary.elapsed_seconds,
            summary.rows_per_second
        );
    }
    write_report(&a, &summary)?;
    degraded(summary.dns.as_ref())
}

/// Warn about what reading the list found: quotes left open (`FILE:LINE`, the first 20, then a
/// count), malformed bytes replaced while decoding, a `--sheet` for a list that is no workbook.
fn warn_list_input(input: &Path, inp: &mailsift::input::ListReport, sheet: bool) {
    let name = terminal_safe(&input.display().to_string());
    if sheet && inp.sheet.is_none() {
        eprintln!("mailsift: warning: {name}: --sheet ignored: the input is no workbook");
    }
    const SHOWN: usize = 20;
    for q in inp.open_quotes.iter().take(SHOWN) {
        let why = match q.reason {
            "too_long" => "its cell would run past 128 KiB",
            "text_after_close" => {
                "the quote that would close it is followed by text: it opens a later cell"
            }
            _ => "no quote closes it",
        };
        eprintln!(
            "mailsift: warning: {name}:{}: a quote opened on this line is left open ({why}): \
             read as a literal quote, the record ends with the line and the lines after it are \
             rows; the record starts {:?}",
            q.line,
            terminal_safe(&q.record_start)
        );
    }
    if inp.open_quotes.len() > SHOWN {
        eprintln!(
            "mailsift: warning: {name}: {} more quotes left open",
            inp.open_quotes.len() - SHOWN
        );
    }
    if inp.replaced > 0 {
        eprintln!(
            "mailsift: warning: {name}: malformed {} bytes replaced with U+FFFD (in at least \
             {} places; see --encoding)",
            inp.encoding, inp.replaced
        );
    }
}

/// `--report-json` and `--report`: the report's data, and the page rendered from it.
fn write_report(a: &CleanArgs, summary: &mailsift::report::Summary) -> Result<(), Failure> {
    if a.report.is_none() && a.report_json.is_none() {
        return Ok(());
    }
    let data = mailsift::report::hygiene::report_value(summary);
    if let Some(p) = &a.report_json {
        write_json(p, &data)?;
    }
    if let Some(p) = &a.report {
        let w = create(p, "report")?;
        mailsift::report::hygiene::write(&data, w)
            .map_err(|e| Failure::Job(format!("writing report: {e}")))?;
    }
    if !a.quiet {
        let health = &data["health"];
        let page = a
            .report
            .as_ref()
            .map(|p| format!(" (report: {})", terminal_safe(&p.display().to_string())))
            .unwrap_or_default();
        eprintln!(
            "mailsift: list health {}: {:.1}% of rows would hurt a send{page}",
            health["grade"].as_str().unwrap_or("n/a"),
            health["problem_share"].as_f64().unwrap_or(0.0) * 100.0
        );
    }
    Ok(())
}

fn run_check(a: CheckArgs) -> Result<(), Failure> {
    let opts = a.addr.analyze();
    let net = Net::build(&a.addr, bars::Bars::shared(false))?;
    let stage = net.stage();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let write_err = |e: io::Error| Failure::Job(format!("writing output: {e}"));
    if a.addresses.len() == 1 && a.addresses[0] == "-" {
        check::check_lines(io::stdin().lock(), &mut out, &opts, stage)
            .map_err(|e| Failure::Job(format!("reading stdin: {e}")))?;
        net.warn();
        return degraded(net.report().as_ref());
    }
    let mut seen = std::collections::HashMap::new();
    let recs = check::check_batch(&a.addresses, 1, &opts, &mut seen, stage);
    check::write_records(&recs, &mut out).map_err(write_err)?;
    out.flush().map_err(write_err)?;
    net.warn();
    degraded(net.report().as_ref())
}

/// The network stages chosen by the options: none (`--offline`), DNS, or DNS then SMTP.
enum Net {
    Offline,
    Dns(Box<DnsStage>),
    Smtp(Box<SmtpStage>),
}

impl Net {
    fn build(
        opts: &cli::AddressOpts,
        progress: std::sync::Arc<dyn mailsift::progress::Progress>,
    ) -> Result<Net, Failure> {
        Net::build_with(opts, progress, None, None)
    }

    /// [`Net::build`] with SMTP sessions from `bind` and per-host slots from `gate`.
    fn build_with(
        opts: &cli::AddressOpts,
        progress: std::sync::Arc<dyn mailsift::progress::Progress>,
        gate: Option<std::sync::Arc<dyn mailsift::smtp::HostGate>>,
        bind: Option<std::net::IpAddr>,
    ) -> Result<Net, Failure> {
        let mut smtp = opts.smtp().map_err(Failure::Usage)?;
        if let Some(s) = &mut smtp {
            s.settings.bind = bind;
        }
        let cfg = opts.dns().map_err(Failure::Usage)?;
        let zone = load_zones(&opts.zone)?;
        if cfg.is_none() && zone.is_none() {
            return Ok(Net::Offline);
        }
        let dns = DnsStage::with_zone(cfg.as_ref(), zone, Some(progress.clone()))
            .map_err(|e| Failure::Job(e.to_string()))?;
        let Some(smtp) = smtp else {
            return Ok(Net::Dns(Box::new(dns)));
        };
        let journal =
            match &smtp.journal {
                Some(p) => Some(Journal::open(p).map_err(|e| {
                    Failure::Job(format!("cannot open journal {}: {e}", p.display()))
                })?),
                None => None,
            };
        let stage = match gate {
            Some(g) => SmtpStage::with_gate(dns, smtp.settings, journal, Some(progress), g),
            None => SmtpStage::new(dns, smtp.settings, journal, Some(progress)),
        };
        for w in stage.preflight() {
            eprintln!("mailsift: warning: {}", terminal_safe(&w));
        }
        Ok(Net::Smtp(Box::new(stage)))
    }

    fn stage(&self) -> Option<&dyn Stage> {
        match self {
            Net::Offline => None,
            Net::Dns(d) => Some(d.as_ref()),
            Net::Smtp(s) => Some(s.as_ref()),
        }
    }

    /// The resolver's judgement (`None` offline).
    fn report(&self) -> Option<ResolverReport> {
        match self {
            Net::Offline => None,
            Net::Dns(d) => Some(d.report()),
            Net::Smtp(s) => Some(s.resolver_report()),
        }
    }

    fn warn(&self) {
        let w = match self {
            Net::Offline => Vec::new(),
            Net::Dns(d) => d.take_warnings(),
            Net::Smtp(s) => s.take_warnings(),
        };
        for w in w {
            eprintln!("mailsift: warning: {}", terminal_safe(&w));
        }
    }
}

fn run_explain(a: cli::ExplainArgs) -> Result<(), Failure> {
    use io::{IsTerminal, Read};
    use mailsift::explain;
    let inputs = if a.text.is_empty() || a.text == ["-"] {
        if a.text.is_empty() && io::stdin().is_terminal() {
            return Err(Failure::Usage(
                "give TEXT, or pipe lines into `mailsift explain -`".into(),
            ));
        }
        let mut buf = Vec::new();
        io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| Failure::Job(format!("reading stdin: {e}")))?;
        explain::explain_lines(&String::from_utf8_lossy(&buf))
    } else {
        vec![a.text.join(" ")]
    };
    if inputs.is_empty() {
        return Err(Failure::Job("no input to explain".into()));
    }
    let mut out = BufWriter::new(io::stdout().lock());
    let write_err = |e: io::Error| Failure::Job(format!("writing output: {e}"));
    for input in &inputs {
        let e = explain::explain(input);
        if a.json {
            writeln!(out, "{}", explain::to_json(&e)).map_err(write_err)?;
        } else {
            out.write_all(explain::to_text(&e).as_bytes())
                .map_err(write_err)?;
        }
    }
    out.flush().map_err(write_err)
}

fn run_bounces(a: cli::BouncesArgs) -> Result<(), Failure> {
    use mailsift::bounce::{self, BounceConfig, BounceSinks, Format};
    let dashes = [Some(&a.output), a.suppress.as_ref(), a.summary.as_ref()]
        .into_iter()
        .flatten()
        .filter(|p| is_dash(p))
        .count();
    let stdin_inputs = a.inputs.iter().filter(|p| is_dash(p)).count();
    if dashes > 1 || stdin_inputs > 1 {
        return Err(Failure::Usage(
            "only one output can be '-' (stdout) and stdin can be read once".into(),
        ));
    }
    let cfg = BounceConfig {
        inputs: a.inputs.clone(),
        format: match a.format {
            cli::BounceFormat::Jsonl => Format::Jsonl,
            cli::BounceFormat::Csv => Format::Csv,
        },
        threads: a.threads,
        repeat: a.repeat,
    };
    let sinks = BounceSinks {
        records: create(&a.output, "output")?,
        suppress: a
            .suppress
            .as_ref()
            .map(|p| create(p, "suppression list"))
            .transpose()?,
    };
    let summary = bounce::run(&cfg, sinks).map_err(|e| Failure::Job(format!("{e}")))?;
    if let Some(p) = &a.summary {
        write_json(p, &summary)?;
    }
    for e in &summary.errors {
        eprintln!("mailsift: warning: {}", terminal_safe(e));
    }
    if !a.quiet {
        eprintln!(
            "mailsift: {} files, {} messages, {} records ({} without bounce); {} to suppress; {:.2}s, {:.0} messages/s",
            summary.files,
            summary.messages,
            summary.records,
            summary.messages_without_bounce,
            summary.suppressed_addresses,
            summary.elapsed_seconds,
            summary.messages_per_second
        );
    }
    if summary.files == 0 && !summary.errors.is_empty() {
        return Err(Failure::Job("no input could be read".into()));
    }
    Ok(())
}

fn run_completions(a: cli::CompletionsArgs) -> Result<(), Failure> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    // Rendered into memory first: clap_complete panics on a failed write (`| head`).
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "mailsift", &mut buf);
    write_stdout(&buf, "completions")
}

/// Write `bytes` to stdout; a reader that stopped early (`| head`) is not an error.
fn write_stdout(bytes: &[u8], what: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(Failure::Job(format!("writing {what}: {e}")))
        }
        _ => Ok(()),
    }
}

/// The records of the `--zone` files, merged, with the files' names; `None` without `--zone`.
/// A file that cannot be read or parsed fails the run, naming file and line.
/// The zone files and, unless offline, a network resolver (`--dns` servers, or the system's):
/// what `spf`, `domain`, `server` and `dmarc` ask, zone first.
fn zone_and_net(
    zone_files: &[PathBuf],
    offline: bool,
    dns: &[String],
    timeout: Option<std::time::Duration>,
) -> Result<(mailsift::dns::zone::Zone, Option<mailsift::dns::NetLookup>), Failure> {
    let zone = load_zones(zone_files)?.map(|(z, _)| z).unwrap_or_default();
    if offline {
        return Ok((zone, None));
    }
    let servers = dns
        .iter()
        .map(|s| cli::parse_server(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::Usage)?;
    let mut cfg = mailsift::dns::DnsConfig {
        servers,
        ..mailsift::dns::DnsConfig::default()
    };
    if let Some(t) = timeout {
        cfg.timeout = t;
    }
    let net = mailsift::dns::NetLookup::new(&cfg).map_err(|e| Failure::Job(e.to_string()))?;
    Ok((zone, Some(net)))
}

fn load_zones(
    paths: &[std::path::PathBuf],
) -> Result<Option<(mailsift::dns::zone::Zone, Vec<String>)>, Failure> {
    use mailsift::dns::zone::Zone;
    if paths.is_empty() {
        return Ok(None);
    }
    let mut zone = Zone::new();
    let mut names = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::Job(format!("reading {name}: {e}")))?;
        zone.merge(Zone::parse(&text, &name).map_err(|e| Failure::Job(e.to_string()))?);
        names.push(name);
    }
    Ok(Some((zone, names)))
}

fn run_spf(a: cli::SpfArgs) -> Result<(), Failure> {
    use mailsift::spf::{self, SpfQuery, ZoneThenNet};
    if !(a.dns_timeout > 0.0 && a.dns_timeout <= 600.0) {
        return Err(Failure::Usage(
            "--dns-timeout must be between 0 and 600 seconds".into(),
        ));
    }
    if a.offline && !a.dns.is_empty() {
        return Err(Failure::Usage("--dns cannot be used with --offline".into()));
    }
    if a.domain.is_none() && a.sender.is_empty() && a.helo.is_empty() {
        return Err(Failure::Usage(
            "spf needs a DOMAIN, --sender or --helo".into(),
        ));
    }
    let (zone, net) = zone_and_net(
        &a.zone,
        a.offline,
        &a.dns,
        Some(std::time::Duration::from_secs_f64(a.dns_timeout)),
    )?;
    let mut dns = ZoneThenNet::new(zone, net);
    let query = SpfQuery {
        ip: a.ip,
        sender: a.sender.clone(),
        helo: a.helo.clone(),
        domain: a.domain.clone(),
        receiver: a.receiver.clone(),
        timestamp: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    };
    let outcome = spf::check_host(&query, &mut dns);
    let out = if a.json {
        let mut v = serde_json::to_value(&outcome)
            .map_err(|e| Failure::Job(format!("encoding JSON: {e}")))?;
        v["ip"] = serde_json::Value::String(a.ip.to_string());
        v["sender"] = serde_json::Value::String(a.sender.clone());
        v["helo"] = serde_json::Value::String(a.helo.clone());
        let mut s = serde_json::to_string_pretty(&v)
            .map_err(|e| Failure::Job(format!("encoding JSON: {e}")))?;
        s.push('\n');
        s
    } else {
        spf::render_text(&outcome)
    };
    write_stdout(terminal_safe_lines(&out).as_bytes(), "SPF result")
}

/// Each line made terminal-safe (record text and explanations come from DNS).
fn terminal_safe_lines(s: &str) -> String {
    s.lines().map(|l| terminal_safe(l) + "\n").collect()
}

fn run_man(a: cli::ManArgs) -> Result<(), Failure> {
    let mut cmd = <Cli as clap::CommandFactory>::command().disable_help_subcommand(true);
    cmd.build();
    if let Some(name) = &a.command {
        cmd = cmd
            .find_subcommand(name)
            .cloned()
            .ok_or_else(|| Failure::Usage(format!("man: no command {name:?}")))?;
    }
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd)
        .source(format!("mailsift {}", env!("CARGO_PKG_VERSION")))
        .render(&mut buf)
        .map_err(|e| Failure::Job(format!("writing man page: {e}")))?;
    write_stdout(&buf, "man page")
}

fn run_logs(a: cli::LogsArgs) -> Result<(), Failure> {
    use mailsift::logs::{self, Config, Format, output};
    let format = a.format.map(|f| match f {
        cli::LogFormat::Postfix => Format::Postfix,
        cli::LogFormat::Exim => Format::Exim,
        cli::LogFormat::Sendmail => Format::Sendmail,
        cli::LogFormat::Opensmtpd => Format::OpenSmtpd,
        cli::LogFormat::Journal => Format::Journal,
        cli::LogFormat::Sendgrid => Format::SendGrid,
        cli::LogFormat::SendgridCsv => Format::SendGridCsv,
        cli::LogFormat::Mailgun => Format::Mailgun,
        cli::LogFormat::Ses => Format::Ses,
        cli::LogFormat::Postmark => Format::Postmark,
        cli::LogFormat::Arf => Format::Arf,
    });
    if let Some(y) = a.year
        && !(1970..=9999).contains(&y)
    {
        return Err(Failure::Usage(
            "--year must be between 1970 and 9999".into(),
        ));
    }
    let dashes = [a.json.as_ref(), a.html.as_ref()]
        .into_iter()
        .flatten()
        .filter(|p| is_dash(p))
        .count();
    if dashes > 1 {
        return Err(Failure::Usage(
            "only one of --json and --html can be '-' (stdout)".into(),
        ));
    }
    let site =
        logs::direction::Site::parse(&a.local_domains, &a.mynetworks).map_err(Failure::Usage)?;
    let cfg = Config {
        inputs: a.inputs.clone(),
        format,
        year: a.year,
        journal: a.journal,
        since: a.since.clone(),
        until: a.until.clone(),
        bounces: a.bounces.clone(),
        site,
    };
    let report = logs::run(&cfg).map_err(|e| Failure::Job(e.to_string()))?;
    let werr = |what: &str, e: io::Error| Failure::Job(format!("writing {what}: {e}"));
    if let Some(p) = &a.json {
        output::json::write(&report, create(p, "JSON report")?).map_err(|e| werr("JSON", e))?;
    }
    if let Some(p) = &a.html {
        output::html::write(&report, create(p, "HTML report")?).map_err(|e| werr("HTML", e))?;
    }
    if let Some(d) = &a.csv {
        output::csv::write(&report, d).map_err(|e| werr("CSV tables", e))?;
    }
    if !a.quiet && dashes == 0 {
        output::text::write(&report, io::stdout().lock()).map_err(|e| werr("summary", e))?;
    }
    for e in &report.problems.errors {
        eprintln!("mailsift: warning: {}", terminal_safe(e));
    }
    Ok(())
}
