//! Command-line options (clap lives only here) and their translation to library configuration.

use std::path::PathBuf;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use mailsift::dns::DnsConfig;

use mailsift::address::{AnalyzeOptions, SyntaxPolicy};
use mailsift::pipeline::clean::{CleanConfig, RejectSet};
use mailsift::smtp::{ConfigFile, Identity, ProbeSettings, SessionConfig, Timeouts};

mod audit;
mod service;

use audit::DOMAIN_EXIT_CODES;
pub use audit::{DmarcArgs, DomainArgs, ServerArgs};
pub use service::{KeysAction, KeysArgs, ServeArgs, WorkerArgs};

/// Email list hygiene and deliverability.
#[derive(Parser, Debug)]
#[command(
    name = "mailsift",
    version,
    about = "Email list hygiene and deliverability: clean lists, check addresses, audit bounces \
             and logs.",
    after_help = "Exit codes: 0 success, 1 could not do the job (unreadable input, I/O error, \
                  no email column), 2 usage error, 3 done but degraded: the DNS resolver was \
                  judged untrustworthy (it denies names that exist, invents names, fails or \
                  never answers), so no row was rejected on its word (dns_untrusted; fix: \
                  --dns SERVER or --offline)."
)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
// Parsed once per run: the size of the biggest variant costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Clean a CSV mailing list: syntax, normalisation, duplicates, disposable/role/free flags,
    /// typo suggestions. Every input row goes to exactly one of the clean and rejects outputs.
    Clean(Box<CleanArgs>),
    /// Check addresses given as arguments (or `-` for one per line on stdin); prints JSON Lines.
    Check(CheckArgs),
    /// Decode and classify bounce messages (.eml, mbox, Maildir, directories, `-` for stdin;
    /// gzip allowed); one record per failed recipient.
    Bounces(BouncesArgs),
    /// Deliverability report from MTA logs (Postfix, Exim, Sendmail), ESP event exports
    /// (SendGrid, Mailgun, SES, Postmark) and ARF complaints; gzip allowed. Prints a summary;
    /// --json, --csv and --html write the full report.
    Logs(LogsArgs),
    /// Evaluate SPF (RFC 7208 check_host) for a client IP and sender, with a trace of every
    /// term, DNS query and limit counted. Exit 0 on any result, including permerror and
    /// temperror.
    Spf(SpfArgs),
    /// Audit a sender domain: SPF, DMARC (RFC 9989), DKIM keys, MTA-STS, TLS-RPT, BIMI, MX,
    /// reverse DNS and block lists for each --ip, DNSSEC status, and the bulk-sender verdict
    /// (Gmail / Yahoo 2024, Outlook 2025). Prints a summary; --json and --html write the report.
    #[command(after_help = DOMAIN_EXIT_CODES)]
    Domain(DomainArgs),
    /// Explain an SMTP reply, a DSN diagnostic or a Postfix / Exim / Sendmail log line: the
    /// codes and their meaning, temporary or permanent, the bounce reason, the likely cause and
    /// what to do. TEXT (several words are one input) or, with `-` or no TEXT, one input per
    /// line of stdin.
    Explain(ExplainArgs),
    /// Diagnose a mail server: for a domain each MX on port 25, for a host ports 25, 465 and
    /// 587. Connect time, greeting (tarpits recognised), EHLO extensions, TLS (version, cipher,
    /// chain, name, expiry, key, DANE, MTA-STS), PTR / FCrDNS, postmaster@, VRFY / EXPN,
    /// optional AUTH and relay test; never DATA. Exit code: 0 nothing worse than info, 4 the
    /// worst finding is a warning, 5 an error (1: could not run; 2: usage error).
    Server(ServerArgs),
    /// Serve the verification API over HTTP: single checks, list jobs, results, callbacks.
    /// Without --database, one process does everything (an embedded store); with
    /// --database postgres://..., jobs live in PostgreSQL and `mailsift worker`s do the work.
    Serve(ServeArgs),
    /// Do the work of jobs stored in PostgreSQL: claim units (one domain's addresses), run the
    /// DNS and SMTP stages as `clean --smtp` does, write results. Any number of workers on any
    /// number of machines share one job; pacing per domain and per mail server holds across
    /// all of them.
    Worker(WorkerArgs),
    /// Manage API keys: `mailsift keys create` prints a new key on stdout (stored hashed).
    Keys(KeysArgs),
    /// Read DMARC aggregate and failure reports and SMTP TLS reports: a summary with the
    /// sending sources and the action each calls for; --jsonl, --csv and --html write them all.
    ///
    /// Inputs: .xml, .xml.gz, .zip, .json, .json.gz, messages with report attachments, mbox,
    /// Maildir, directories, `-` for stdin. Copies of a report count once; every input not
    /// used says why (not_a_report, unsupported_schema, corrupt, duplicate, too_large).
    /// Exit codes: 0 the run finished (unusable inputs included, each reported), 1 it could
    /// not be done (unreadable input path, unwritable output, bad --zone file), 2 usage error.
    Dmarc(DmarcArgs),
    /// Print a shell completion script to stdout (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout: `mailsift man > mailsift.1`; `mailsift man clean`
    /// prints mailsift-clean(1).
    Man(ManArgs),
}

/// `mailsift man`.
#[derive(Args, Debug)]
pub struct ManArgs {
    /// The subcommand whose page to print (default: the main page).
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// `mailsift completions`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to write completions for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Options shared by `clean` and `check`.
#[derive(Args, Debug, Clone)]
pub struct AddressOpts {
    /// Skip network checks (DNS, SMTP); valid addresses get `unknown: not_checked`. With
    /// --zone, only the zone files answer (names not in them are NXDOMAIN).
    #[arg(long)]
    pub offline: bool,
    /// Records in RFC 1035 master-file format that answer before the network (repeatable);
    /// their answers are trusted and never judged.
    #[arg(long, value_name = "FILE")]
    pub zone: Vec<PathBuf>,
    /// DNS server to ask instead of the system's resolvers, `IP[:PORT]` (repeatable).
    #[arg(long = "dns", value_name = "SERVER[:PORT]")]
    pub dns: Vec<String>,
    /// Seconds to wait for one DNS answer.
    #[arg(long, value_name = "SECS", default_value_t = 2.0)]
    pub dns_timeout: f64,
    /// Retries after a DNS timeout.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub dns_retries: usize,
    /// Domains resolved at the same time.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub dns_concurrency: usize,
    /// Also accept RFC 5321 syntax that list hygiene rejects by default: quoted local parts and
    /// address literals (`user@[192.0.2.1]`).
    #[arg(long)]
    pub allow_smtp_syntax: bool,
    /// Accept RFC 6761 special-use domains (.test, .localhost, .invalid, ...) and single-label
    /// domains.
    #[arg(long)]
    pub allow_special_use_domains: bool,
    /// Do not trim white space around addresses (padding then makes them invalid).
    #[arg(long)]
    pub no_trim: bool,
    /// Make `role_account` the primary reason (verdict risky) for role addresses.
    #[arg(long)]
    pub role_risky: bool,
    /// Probe each address's mail server with RCPT TO (never DATA). Needs --helo and
    /// --mail-from (or --smtp-config); see "Probing etiquette" in the README.
    #[arg(long, help_heading = "SMTP probe")]
    pub smtp: bool,
    /// Our HELO name: a domain you control whose A record is the probing IP.
    #[arg(long, value_name = "NAME", help_heading = "SMTP probe")]
    pub helo: Option<String>,
    /// Our MAIL FROM address, at a domain you control.
    #[arg(long, value_name = "ADDRESS", help_heading = "SMTP probe")]
    pub mail_from: Option<String>,
    /// Read SMTP settings from a TOML file (`key = "text"`, `key = 3`, `key = true`; keys helo,
    /// mail_from, port, rate, per_host, batch, concurrency, timeout, greylist_wait,
    /// greylist_retries, starttls, catch_all, journal); flags override it.
    #[arg(long, value_name = "FILE", help_heading = "SMTP probe")]
    pub smtp_config: Option<PathBuf>,
    /// SMTP port [default: 25; other ports only for testing].
    #[arg(long, value_name = "PORT", help_heading = "SMTP probe")]
    pub smtp_port: Option<u16>,
    /// Seconds to wait for the banner and for each reply [default: 30].
    #[arg(long, value_name = "SECS", help_heading = "SMTP probe")]
    pub smtp_timeout: Option<f64>,
    /// Connections at once to one mail server address [default: 1].
    #[arg(long, value_name = "N", help_heading = "SMTP probe")]
    pub smtp_per_host: Option<usize>,
    /// RCPT TO commands per second per domain [default: 2].
    #[arg(long, value_name = "PER_SEC", help_heading = "SMTP probe")]
    pub smtp_rate: Option<f64>,
    /// Recipients asked per session [default: 20].
    #[arg(long, value_name = "N", help_heading = "SMTP probe")]
    pub smtp_batch: Option<usize>,
    /// Sessions at once across all servers [default: 32].
    #[arg(long, value_name = "N", help_heading = "SMTP probe")]
    pub smtp_concurrency: Option<usize>,
    /// Seconds to wait before asking again after greylisting [default: 310].
    #[arg(long, value_name = "SECS", help_heading = "SMTP probe")]
    pub greylist_wait: Option<f64>,
    /// Times to ask again after greylisting [default: 1].
    #[arg(long, value_name = "N", help_heading = "SMTP probe")]
    pub greylist_retries: Option<u32>,
    /// Do not upgrade sessions with STARTTLS.
    #[arg(long, help_heading = "SMTP probe")]
    pub no_starttls: bool,
    /// Do not probe a random local part per domain (catch-all detection).
    #[arg(long, help_heading = "SMTP probe")]
    pub no_catch_all_probe: bool,
    /// Journal file: outcomes are appended as they arrive; a run started again with the same
    /// journal does not probe the addresses it already holds.
    #[arg(long, value_name = "FILE", help_heading = "SMTP probe")]
    pub journal: Option<PathBuf>,
}

/// SMTP settings from the command line (and config file).
pub struct SmtpOpts {
    /// Probe settings.
    pub settings: ProbeSettings,
    /// The journal path, if any.
    pub journal: Option<PathBuf>,
}

impl AddressOpts {
    /// DNS settings, or `None` with `--offline`.
    pub fn dns(&self) -> Result<Option<DnsConfig>, String> {
        if self.offline {
            return Ok(None);
        }
        let servers = self
            .dns
            .iter()
            .map(|s| parse_server(s))
            .collect::<Result<Vec<_>, _>>()?;
        if !(self.dns_timeout > 0.0 && self.dns_timeout <= 600.0) {
            return Err("--dns-timeout must be between 0 and 600 seconds".into());
        }
        Ok(Some(DnsConfig {
            servers,
            timeout: Duration::from_secs_f64(self.dns_timeout),
            retries: self.dns_retries,
            concurrency: self.dns_concurrency.max(1),
        }))
    }

    /// SMTP probe settings, or `None` without `--smtp`.
    pub fn smtp(&self) -> Result<Option<SmtpOpts>, String> {
        if !self.smtp {
            return Ok(None);
        }
        if self.offline {
            return Err("--smtp needs DNS: it cannot be used with --offline".into());
        }
        let file = match &self.smtp_config {
            Some(p) => ConfigFile::load(p).map_err(|e| e.to_string())?,
            None => ConfigFile::default(),
        };
        let identity = Identity {
            helo: self.helo.clone().or(file.helo).unwrap_or_default(),
            mail_from: self
                .mail_from
                .clone()
                .or(file.mail_from)
                .unwrap_or_default(),
        };
        identity.check().map_err(|e| e.to_string())?;
        let timeout = self.smtp_timeout.or(file.timeout).unwrap_or(30.0);
        let rate = self.smtp_rate.or(file.rate).unwrap_or(2.0);
        let wait = self.greylist_wait.or(file.greylist_wait).unwrap_or(310.0);
        if !(timeout > 0.0 && timeout <= 600.0) {
            return Err("--smtp-timeout must be between 0 and 600 seconds".into());
        }
        if !(rate >= 0.0 && rate.is_finite()) {
            return Err("--smtp-rate must be 0 (unpaced) or more".into());
        }
        if !(0.0..=86_400.0).contains(&wait) {
            return Err("--greylist-wait must be between 0 and 86400 seconds".into());
        }
        let starttls = file.starttls.unwrap_or(true) && !self.no_starttls;
        let catch_all = file.catch_all.unwrap_or(true) && !self.no_catch_all_probe;
        let t = Duration::from_secs_f64(timeout);
        let settings = ProbeSettings {
            session: SessionConfig {
                helo: identity.helo,
                mail_from: identity.mail_from,
                starttls,
            },
            port: self.smtp_port.or(file.port).unwrap_or(25),
            timeouts: Timeouts {
                connect: t.min(Duration::from_secs(10)),
                banner: t,
                reply: t,
            },
            per_host: self.smtp_per_host.or(file.per_host).unwrap_or(1).max(1),
            rate: (rate > 0.0).then_some(rate),
            batch: self.smtp_batch.or(file.batch).unwrap_or(20).max(1),
            concurrency: self
                .smtp_concurrency
                .or(file.concurrency)
                .unwrap_or(32)
                .max(1),
            greylist_wait: Duration::from_secs_f64(wait),
            greylist_retries: self.greylist_retries.or(file.greylist_retries).unwrap_or(1),
            catch_all,
            ..ProbeSettings::default()
        };
        let journal = self.journal.clone().or(file.journal);
        Ok(Some(SmtpOpts { settings, journal }))
    }

    /// Library analysis options.
    pub fn analyze(&self) -> AnalyzeOptions {
        AnalyzeOptions {
            syntax: SyntaxPolicy {
                allow_smtp_syntax: self.allow_smtp_syntax,
                allow_special_use_domains: self.allow_special_use_domains,
            },
            trim: !self.no_trim,
            role_is_risky: self.role_risky,
        }
    }
}

/// `mailsift clean`.
#[derive(Args, Debug)]
pub struct CleanArgs {
    /// Input list (`-` for stdin): CSV or TSV (`,` `;` or tab detected) in UTF-8, UTF-16 (with
    /// or without BOM) or a legacy encoding such as Windows-1252 (detected; see --encoding),
    /// plain or gzip-compressed, or an .xlsx, .xls or .ods workbook (see --sheet). What it is
    /// is told from its first bytes, not its name.
    pub input: PathBuf,
    /// Clean CSV output (`-` for stdout, the default).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "CLEAN.csv",
        default_value = "-"
    )]
    pub output: PathBuf,
    /// Rejects CSV: original columns + mailsift_row, mailsift_reason, mailsift_detail.
    /// Default: next to --output as NAME.rejects.csv, or ./INPUT.rejects.csv when the clean
    /// output is stdout.
    #[arg(long, value_name = "REJECTS.csv")]
    pub rejects: Option<PathBuf>,
    /// Per-row results as JSON Lines, in input order (`-` for stdout).
    #[arg(long, value_name = "RESULTS.jsonl")]
    pub results: Option<PathBuf>,
    /// Run summary as JSON (`-` for stdout).
    #[arg(long, value_name = "SUMMARY.json")]
    pub summary: Option<PathBuf>,
    /// The hygiene report: one self-contained HTML page (the list's grade, where the rows
    /// went and why, domains and providers, typos, duplicates, DNS and SMTP evidence,
    /// suppressions, what to do next).
    #[arg(long, value_name = "REPORT.html")]
    pub report: Option<PathBuf>,
    /// The hygiene report's data as JSON: the summary plus the figures the page shows
    /// (`-` for stdout).
    #[arg(long, value_name = "REPORT.json")]
    pub report_json: Option<PathBuf>,
    /// The email column: a header name or a 1-based number. Default: detected from the header
    /// (email, e-mail, Email Address, EMAIL, mail, ...).
    #[arg(long, value_name = "NAME")]
    pub column: Option<String>,
    /// What goes to rejects, comma-separated: malformed, undeliverable (alias invalid),
    /// suppressed, inactive, never_engaged, duplicate, disposable, role, free, typo, risky,
    /// unknown; or all / none. `suppressed` matches only rows on a --suppress list;
    /// `inactive` and `never_engaged` only rows in those --engagement segments.
    #[arg(
        long,
        value_name = "CATEGORIES",
        default_value = "malformed,undeliverable,suppressed,duplicate,disposable"
    )]
    pub reject: String,
    /// A suppression file (repeat for more): `mailsift bounces` output (--suppress list, JSONL
    /// or CSV records: hard bounces and complaints), SendGrid bounces / blocks / spam reports /
    /// unsubscribes CSV, Mailgun bounces / complaints / unsubscribes CSV, SES suppression list
    /// (list-suppressed-destinations JSON or CSV), Postmark suppressions CSV, Mailchimp
    /// unsubscribed / cleaned exports, or one address a line. The format is detected from the
    /// content; an unrecognised file is an error. Rows whose address (by its provider
    /// canonical form) is listed are rejected as `suppressed` and say why in --results.
    #[arg(long, value_name = "FILE")]
    pub suppress: Vec<PathBuf>,
    /// An engagement file (repeat for more): SendGrid, Mailgun, Amazon SES or Postmark event
    /// exports (JSON Lines), a Mailchimp audience export (OPTIN_TIME, CONFIRM_TIME), a
    /// Klaviyo-style event CSV, or a CSV with email, event and timestamp columns. The format
    /// is detected from the content; an unrecognised file is an error. Every row gets an
    /// engagement segment (active, lapsing, inactive, never_engaged, new, unknown) in
    /// --results and the summary; machine opens (Apple Mail Privacy Protection, proxy
    /// prefetches) are never a sign of life.
    #[arg(long, value_name = "FILE")]
    pub engagement: Vec<PathBuf>,
    /// The date engagement segments are relative to (YYYY-MM-DD, RFC 3339 or Unix seconds;
    /// default: the latest event time in the --engagement files).
    #[arg(long, value_name = "DATE", value_parser = parse_as_of)]
    pub as_of: Option<i64>,
    /// A human open or click within this many days makes an address `active`.
    #[arg(long, value_name = "DAYS", default_value_t = 90)]
    pub active_days: u32,
    /// The last human open or click within this many days: `lapsing`; none within it and at
    /// least --min-sends sends since: `inactive`.
    #[arg(long, value_name = "DAYS", default_value_t = 180)]
    pub inactive_days: u32,
    /// Sends needed to call an address `inactive` (since its last engagement) or
    /// `never_engaged` (ever).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub min_sends: u32,
    /// A first send or opt-in within this many days, no engagement yet: `new`.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub new_days: u32,
    /// The input's text encoding (utf-8, utf-16le, utf-16be, windows-1252, iso-8859-15,
    /// shift_jis, ...), instead of detecting it (byte-order mark, then UTF-16, UTF-8, then a
    /// guess among legacy encodings).
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// The encoding of the clean and rejects outputs (default: UTF-8, with a byte-order mark
    /// when the input had one). UTF-16 outputs start with a byte-order mark; characters an
    /// encoding cannot hold are written as `?`.
    #[arg(long, value_name = "NAME")]
    pub output_encoding: Option<String>,
    /// The sheet of a workbook input to read (default: the first).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Keep the original email cell in the clean output (default: the normalised address).
    #[arg(long)]
    pub keep_original: bool,
    /// Do not escape cells starting with = + - @ (spreadsheet formulas) in CSV outputs.
    #[arg(long)]
    pub no_formula_escape: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// No progress line and no summary line on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Address options.
    #[command(flatten)]
    pub addr: AddressOpts,
}

impl CleanArgs {
    /// Library configuration.
    pub fn config(&self) -> Result<CleanConfig, String> {
        Ok(CleanConfig {
            analyze: self.addr.analyze(),
            column: self.column.clone(),
            reject: RejectSet::parse(&self.reject).map_err(|e| e.to_string())?,
            keep_original: self.keep_original,
            formula_escape: !self.no_formula_escape,
            threads: self.threads,
            suppress: None,
            engagement: None,
            progress: None,
            list: mailsift::input::ListOptions {
                encoding: self
                    .encoding
                    .as_deref()
                    .map(mailsift::input::encoding_for_label)
                    .transpose()
                    .map_err(|e| format!("--encoding: {e}"))?,
                sheet: self.sheet.clone(),
            },
            output_encoding: self
                .output_encoding
                .as_deref()
                .map(mailsift::input::encoding_for_label)
                .transpose()
                .map_err(|e| format!("--output-encoding: {e}"))?,
            report: self.report.is_some() || self.report_json.is_some(),
        })
    }

    /// The engagement segmentation rules.
    pub fn engagement_rules(&self) -> mailsift::engagement::Rules {
        mailsift::engagement::Rules {
            as_of: self.as_of,
            active_days: self.active_days,
            inactive_days: self.inactive_days,
            min_sends: self.min_sends,
            new_days: self.new_days,
        }
    }
}

/// `--as-of`: a date, an RFC 3339 time or Unix seconds.
fn parse_as_of(s: &str) -> Result<i64, String> {
    mailsift::engagement::parse_as_of(s)
        .ok_or_else(|| format!("{s:?} is not a date (YYYY-MM-DD, RFC 3339 or Unix seconds)"))
}

/// `mailsift check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Addresses to check; `-` reads one address per line from stdin.
    #[arg(required = true, value_name = "ADDRESS")]
    pub addresses: Vec<String>,
    /// Address options.
    #[command(flatten)]
    pub addr: AddressOpts,
}

/// `mailsift spf`.
#[derive(Args, Debug)]
pub struct SpfArgs {
    /// The domain to check (default: the domain of --sender, or --helo when --sender is empty).
    #[arg(value_name = "DOMAIN")]
    pub domain: Option<String>,
    /// The connecting client's IP address (IPv4 or IPv6).
    #[arg(long, value_name = "IP")]
    pub ip: IpAddr,
    /// The MAIL FROM address; empty (the default) checks the HELO identity.
    #[arg(long, value_name = "ADDR", default_value = "")]
    pub sender: String,
    /// The HELO/EHLO name (for `%{h}`, and the identity when --sender is empty).
    #[arg(long, value_name = "NAME", default_value = "")]
    pub helo: String,
    /// The receiving host's name for `%{r}` in explanations.
    #[arg(long, value_name = "NAME", default_value = "unknown")]
    pub receiver: String,
    /// Records in RFC 1035 master-file format that answer before the network (repeatable).
    #[arg(long, value_name = "FILE")]
    pub zone: Vec<PathBuf>,
    /// Ask no DNS server: only --zone answers; names not in it are NXDOMAIN.
    #[arg(long)]
    pub offline: bool,
    /// DNS server to ask instead of the system's resolvers, `IP[:PORT]` (repeatable).
    #[arg(long = "dns", value_name = "SERVER[:PORT]")]
    pub dns: Vec<String>,
    /// Seconds to wait for one DNS answer.
    #[arg(long, value_name = "SECS", default_value_t = 2.0)]
    pub dns_timeout: f64,
    /// Print JSON (result, explanation, reason, counts, trace) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Parse `IP`, `IP:PORT`, `[IPv6]:PORT` (port 53 by default).
pub fn parse_server(s: &str) -> Result<SocketAddr, String> {
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Ok(sa);
    }
    if let Ok(ip) = s.trim_matches(['[', ']']).parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    Err(format!(
        "--dns {s:?}: expected IP or IP:PORT (e.g. 127.0.0.1:5353)"
    ))
}

/// `mailsift explain`.
#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The reply, diagnostic or log line (its words are joined with spaces); `-` or nothing
    /// reads one input per line from stdin (a multi-line reply `550-...` is one input).
    #[arg(value_name = "TEXT")]
    pub text: Vec<String>,
    /// Write one JSON object per input (JSON Lines) instead of text blocks.
    #[arg(long)]
    pub json: bool,
}

/// `mailsift bounces`.
#[derive(Args, Debug)]
pub struct BouncesArgs {
    /// Files (.eml, mbox, gzip), Maildirs or directories (walked recursively); `-` for stdin.
    #[arg(required = true, value_name = "PATH")]
    pub inputs: Vec<PathBuf>,
    /// Record format.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: BounceFormat,
    /// Record output (`-` for stdout, the default).
    #[arg(short = 'o', long = "output", value_name = "FILE", default_value = "-")]
    pub output: PathBuf,
    /// Write the addresses with hard bounces or complaints here (deduplicated, sorted).
    #[arg(long, value_name = "FILE")]
    pub suppress: Option<PathBuf>,
    /// Write counts by reason, bounce type, recipient domain and detector as JSON.
    #[arg(long, value_name = "FILE.json")]
    pub summary: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Read the inputs N times (for benchmarks).
    #[arg(long, value_name = "N", default_value_t = 1, hide = true)]
    pub repeat: usize,
    /// No summary line on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// `--format` of `bounces`.
#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum BounceFormat {
    /// JSON Lines, with `{"norecord":true}` lines for messages that hold no bounce.
    Jsonl,
    /// CSV with a header row.
    Csv,
}

/// `--format` of `logs`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Postfix syslog.
    Postfix,
    /// Exim main log.
    Exim,
    /// Sendmail syslog.
    Sendmail,
    /// OpenSMTPD syslog.
    Opensmtpd,
    /// `journalctl -o json` output.
    Journal,
    /// SendGrid Event Webhook JSON / JSONL.
    Sendgrid,
    /// A flattened CSV of SendGrid-style events (`event`, `email`, ... columns).
    #[value(alias = "csv")]
    SendgridCsv,
    /// Mailgun events JSON / JSONL.
    Mailgun,
    /// Amazon SES notifications / event records.
    Ses,
    /// Postmark webhooks.
    Postmark,
    /// ARF complaint messages.
    Arf,
}

/// `mailsift logs`.
#[derive(Args, Debug)]
pub struct LogsArgs {
    /// Log files, event exports, ARF messages or directories (walked recursively); `-` for
    /// stdin. Several files are read oldest first (by their first timestamp).
    #[arg(required_unless_present = "journal", value_name = "PATH")]
    pub inputs: Vec<PathBuf>,
    /// Input format instead of detecting it per file.
    #[arg(long, value_enum, ignore_case = true, value_name = "FORMAT")]
    pub format: Option<LogFormat>,
    /// Read the systemd journal of the mail units (postfix, exim4, sendmail, opensmtpd): runs
    /// `journalctl -o json` (besides any PATH given).
    #[arg(long)]
    pub journal: bool,
    /// With --journal: from this time on (as `journalctl --since` takes it: `2024-03-11`,
    /// `yesterday`, `-2h`).
    #[arg(long, value_name = "TIME", requires = "journal")]
    pub since: Option<String>,
    /// With --journal: up to this time (as `journalctl --until` takes it).
    #[arg(long, value_name = "TIME", requires = "journal")]
    pub until: Option<String>,
    /// Year of the first line of BSD-syslog logs, which carry no year (default: the year of the
    /// file's modification time, one less if the log starts in a later month).
    #[arg(long, value_name = "YYYY")]
    pub year: Option<i64>,
    /// Bounce notices (files, mbox, Maildir or directories) that came back after the remote
    /// server accepted: their failed recipients count as late bounces in `mta.reconciled`.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub bounces: Vec<PathBuf>,
    /// This site's mail domains (comma-separated): mail to them is inbound; a subdomain
    /// matches. Only needed when the log does not tell (inference comes first).
    #[arg(long, value_name = "DOMAINS", value_delimiter = ',')]
    pub local_domains: Vec<String>,
    /// Client networks that submit mail here (CIDR, comma-separated), as Postfix's
    /// mynetworks: their mail is local submission, not inbound.
    #[arg(long, value_name = "CIDRS", value_delimiter = ',')]
    pub mynetworks: Vec<String>,
    /// Write the full report as JSON (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write every table as a CSV file into this directory.
    #[arg(long, value_name = "DIR")]
    pub csv: Option<PathBuf>,
    /// Write a self-contained HTML page (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// No text summary on stdout.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}
