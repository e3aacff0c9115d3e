//! Command-line options (clap lives only here) and their translation to library configuration.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use mailsift::address::{AnalyzeOptions, SyntaxPolicy};
use mailsift::pipeline::clean::{CleanConfig, RejectSet};

/// Email list hygiene and deliverability.
#[derive(Parser, Debug)]
#[command(
    name = "mailsift",
    version,
    about = "Email list hygiene and deliverability: clean lists, check addresses.",
    after_help = "Exit codes: 0 success, 1 could not do the job (unreadable input, I/O error, \
                  no email column), 2 usage error."
)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Clean a CSV mailing list: syntax, normalisation, duplicates, disposable/role/free flags,
    /// typo suggestions. Every input row goes to exactly one of the clean and rejects outputs.
    Clean(CleanArgs),
    /// Check addresses given as arguments (or `-` for one per line on stdin); prints JSON Lines.
    Check(CheckArgs),
}

/// Options shared by `clean` and `check`.
#[derive(Args, Debug, Clone)]
pub struct AddressOpts {
    /// Skip network checks (DNS, SMTP). The network stages are not built yet, so every run is
    /// offline today; valid addresses get `unknown: not_checked`.
    #[arg(long)]
    pub offline: bool,
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
}

impl AddressOpts {
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
    /// Input CSV (`-` for stdin). UTF-8 with or without BOM; `,` `;` or tab detected.
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
    /// The email column: a header name or a 1-based number. Default: detected from the header
    /// (email, e-mail, Email Address, EMAIL, mail, ...).
    #[arg(long, value_name = "NAME")]
    pub column: Option<String>,
    /// What goes to rejects, comma-separated: malformed, undeliverable (alias invalid),
    /// duplicate, disposable, role, free, typo, risky, unknown; or all / none.
    #[arg(
        long,
        value_name = "CATEGORIES",
        default_value = "malformed,undeliverable,duplicate,disposable"
    )]
    pub reject: String,
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
            reject: RejectSet::parse(&self.reject)?,
            keep_original: self.keep_original,
            formula_escape: !self.no_formula_escape,
            threads: self.threads,
            progress: !self.quiet,
        })
    }
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
