//! Options of `domain`, `dmarc` and `server` (auditing a sending domain, its reports and its
//! mail servers).

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Args;

/// The exit codes of `mailsift domain`.
pub(super) const DOMAIN_EXIT_CODES: &str = "Exit codes (the worst finding decides): 0 nothing worse than \
    information; 3 something could not be found out (a DNS timeout or SERVFAIL, a policy that \
    could not be fetched, a block list that does not answer its test entries); 4 warnings \
    (removed DMARC tags, short keys, testing modes, CNAME MX targets); 5 errors (a missing or \
    broken record, an MX host without address, a failing SPF result or FCrDNS for an --ip, a \
    listing); 1 could not run; 2 usage error.";

/// `mailsift domain`.
#[derive(Args, Debug)]
pub struct DomainArgs {
    /// The domain to audit (a U-label is converted to its A-label).
    #[arg(value_name = "DOMAIN")]
    pub domain: String,
    /// A DKIM selector to look up before the common ones (repeatable).
    #[arg(long = "selector", value_name = "S")]
    pub selectors: Vec<String>,
    /// A sending IP: its SPF result, PTR / forward-confirmed reverse DNS and block-list status
    /// (repeatable).
    #[arg(long = "ip", value_name = "IP")]
    pub ips: Vec<IpAddr>,
    /// Block lists to ask, comma-separated (`domain:ZONE` for a domain list; known zones keep
    /// their kind). Default: zen.spamhaus.org, bl.spamcop.net, b.barracudacentral.org (IP
    /// lists), dbl.spamhaus.org, multi.surbl.org (domain lists). `--dnsbl none` asks none.
    #[arg(long = "dnsbl", value_name = "ZONE,...", value_delimiter = ',')]
    pub dnsbl: Vec<String>,
    /// Write the full report as JSON to FILE (`-` for stdout, which then holds only the JSON).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Records in RFC 1035 master-file format that answer before the network (repeatable).
    #[arg(long, value_name = "FILE")]
    pub zone: Vec<PathBuf>,
    /// Ask no DNS server and fetch nothing: only --zone answers; names not in it are NXDOMAIN.
    #[arg(long)]
    pub offline: bool,
    /// DNS server to ask instead of the system's resolvers, `IP[:PORT]` (repeatable).
    #[arg(long = "dns", value_name = "SERVER[:PORT]")]
    pub dns: Vec<String>,
    /// Seconds to wait for one DNS answer, and for the MTA-STS policy fetch.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 2.0,
        alias = "dns-timeout"
    )]
    pub timeout: f64,
    /// Port of the MTA-STS policy server (443; another port only for tests).
    #[arg(long, value_name = "PORT", default_value_t = 443, hide = true)]
    pub mta_sts_port: u16,
    /// PEM file of extra trust roots for the MTA-STS policy fetch (for tests).
    #[arg(long, value_name = "FILE", hide = true)]
    pub mta_sts_ca: Option<PathBuf>,
}

/// `mailsift dmarc`.
#[derive(Args, Debug)]
pub struct DmarcArgs {
    /// Report files, directories (walked recursively, Maildir included), or `-` for stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Write one JSON object per report and per unusable input (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub jsonl: Option<PathBuf>,
    /// Write the normalised rows of every report as CSV (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write a self-contained HTML page (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Records in RFC 1035 master-file format that answer reverse DNS (PTR) of the sources
    /// before the network (repeatable).
    #[arg(long, value_name = "FILE")]
    pub zone: Vec<PathBuf>,
    /// Ask no DNS server: reverse DNS only from --zone.
    #[arg(long)]
    pub offline: bool,
    /// DNS server to ask instead of the system's resolvers, `IP[:PORT]` (repeatable).
    #[arg(long = "dns", value_name = "SERVER[:PORT]")]
    pub dns: Vec<String>,
    /// Seconds to wait for one DNS answer.
    #[arg(long, value_name = "SECS", default_value_t = 2.0)]
    pub dns_timeout: f64,
    /// Largest input file or decompressed member, in MiB (zip-bomb guard).
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    pub max_size: u64,
    /// Largest accepted compression ratio for outputs over 4 MiB (zip-bomb guard).
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub max_ratio: u64,
}

/// `mailsift server`.
#[derive(Args, Debug)]
#[command(
    after_help = "Exit codes: 0 no finding worse than info, 4 the worst finding is a \
                  warning, 5 the worst finding is an error, 1 could not run (no MX and no \
                  address, DNS failure), 2 usage error.\n\nThe password for --auth-user is read \
                  from MAILSIFT_AUTH_PASSWORD, else prompted for on the terminal; it is never \
                  printed or written."
)]
pub struct ServerArgs {
    /// A domain (its MX hosts are checked) or a host name or address.
    #[arg(value_name = "TARGET")]
    pub target: String,
    /// Ports to check, comma-separated (default: 25 for a domain's MX hosts; 25, 465 and 587 for
    /// a host). 465 is implicit TLS; the others use STARTTLS when offered.
    #[arg(long, value_name = "PORT,...", value_delimiter = ',')]
    pub port: Vec<u16>,
    /// DNS server to ask instead of the system's resolvers, `IP[:PORT]` (repeatable).
    #[arg(long = "dns", value_name = "SERVER[:PORT]")]
    pub dns: Vec<String>,
    /// Records in RFC 1035 master-file format that answer before the network (repeatable).
    #[arg(long, value_name = "FILE")]
    pub zone: Vec<PathBuf>,
    /// Ask no DNS server: only --zone answers; names not in it are NXDOMAIN.
    #[arg(long)]
    pub offline: bool,
    /// The EHLO name (default: this machine's host name).
    #[arg(long, value_name = "NAME")]
    pub helo: Option<String>,
    /// Seconds to wait to connect and for each reply; the greeting may take twice as long
    /// (tarpits).
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 30.0,
        overrides_with = "timeout"
    )]
    pub timeout: f64,
    /// Also test relaying: MAIL FROM an outside address, RCPT TO an outside domain, then RSET
    /// (never DATA).
    #[arg(long)]
    pub relay_test: bool,
    /// Try AUTH as this user (PLAIN, LOGIN or CRAM-MD5), only over TLS unless
    /// --allow-plaintext-auth; password from MAILSIFT_AUTH_PASSWORD or a prompt.
    #[arg(long, value_name = "NAME")]
    pub auth_user: Option<String>,
    /// Allow AUTH on a connection without TLS.
    #[arg(long)]
    pub allow_plaintext_auth: bool,
    /// Ports that speak TLS from the first byte (SMTPS), comma-separated.
    #[arg(
        long,
        value_name = "PORT,...",
        value_delimiter = ',',
        default_value = "465"
    )]
    pub implicit_tls: Vec<u16>,
    /// Extra trusted CA certificates (PEM), beside the Mozilla roots (repeatable).
    #[arg(long, value_name = "FILE")]
    pub tls_ca: Vec<PathBuf>,
    /// An MTA-STS policy file (as served at /.well-known/mta-sts.txt) to check each MX
    /// against. Without it, when TARGET publishes an `_mta-sts` TXT record, the policy is
    /// fetched from https://mta-sts.TARGET/.well-known/mta-sts.txt (not with --offline).
    #[arg(long, value_name = "FILE")]
    pub mta_sts_policy: Option<PathBuf>,
    /// Port of the MTA-STS policy server (443; another port only for tests).
    #[arg(long, value_name = "PORT", default_value_t = 443, hide = true)]
    pub mta_sts_port: u16,
    /// Write the report as JSON to FILE (`-`: stdout, instead of the text table).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}
