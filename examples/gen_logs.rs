//! Benchmark input generator: a Postfix syslog of outbound mail or a SendGrid event-webhook
//! JSONL export (see `mailsift_testkit::gen_logs`). Deterministic for a given N.
//!
//! ```text
//! cargo run --release --example gen_logs -- postfix 1000000 > mail.log
//! cargo run --release --example gen_logs -- sendgrid 1000000 > events.jsonl
//! ```

use std::io::{self, BufWriter, Write};

use mailsift_testkit::gen_logs::{postfix, sendgrid};

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let kind = args.get(1).map(String::as_str).unwrap_or("postfix");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let mut w = BufWriter::with_capacity(1 << 20, io::stdout().lock());
    match kind {
        "postfix" => postfix(n, &mut w)?,
        "sendgrid" => sendgrid(n, &mut w)?,
        _ => {
            eprintln!("usage: gen_logs postfix|sendgrid N");
            std::process::exit(2);
        }
    }
    w.flush()
}
