//! Engagement test data with truth (see `mailsift_testkit::gen_engagement`): a list, a
//! Mailchimp member export, SendGrid suppression exports and event streams, into DIR.
//! Deterministic for given arguments.
//!
//! ```text
//! cargo run --release --example gen_engagement -- DIR N [--seed S] [--campaigns C]
//!     [--campaign-days D] [--sendgrid-only]
//! ```
//!
//! The committed samples in `tests/data/engagement/` are
//! `gen_engagement -- tests/data/engagement 120 --campaigns 14 --campaign-days 21`.

use std::path::PathBuf;

use mailsift_testkit::gen_engagement::{Config, generate};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        eprintln!(
            "usage: gen_engagement DIR N [--seed S] [--campaigns C] [--campaign-days D] [--sendgrid-only]"
        );
        std::process::exit(2)
    };
    let (Some(dir), Some(n)) = (args.first(), args.get(1).and_then(|s| s.parse().ok())) else {
        usage()
    };
    let mut cfg = Config {
        addresses: n,
        ..Config::default()
    };
    let mut it = args[2..].iter();
    while let Some(a) = it.next() {
        let mut num = || -> u64 {
            it.next()
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| usage())
        };
        match a.as_str() {
            "--seed" => cfg.seed = num(),
            "--campaigns" => cfg.campaigns = num() as usize,
            "--campaign-days" => cfg.campaign_days = num().max(4) as i64,
            "--sendgrid-only" => cfg.sendgrid_only = true,
            _ => usage(),
        }
    }
    let s = generate(&cfg, &PathBuf::from(dir))?;
    eprintln!(
        "gen_engagement: {} addresses, {} event records ({} sends, {} human opens, {} machine opens, {} clicks), as of {}",
        s.addresses, s.events, s.sends, s.human_opens, s.machine_opens, s.clicks, cfg.as_of
    );
    Ok(())
}
