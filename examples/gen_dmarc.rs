//! DMARC report generator (see `mailsift_testkit::gen_dmarc`): the committed samples, or the
//! benchmark set of N aggregate reports. Deterministic.
//!
//! ```text
//! cargo run --example gen_dmarc -- samples tests/data/dmarc
//! cargo run --release --example gen_dmarc -- bench 10000 /tmp/dmarc-bench
//! ```

use std::path::Path;

use mailsift_testkit::gen_dmarc::{write_bench_set, write_samples};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match (args.get(1).map(String::as_str), args.len()) {
        (Some("samples"), 3) => write_samples(Path::new(&args[2])),
        (Some("bench"), 4) => {
            let n: u64 = args[2].parse().unwrap_or(10_000);
            write_bench_set(Path::new(&args[3]), n)
        }
        _ => {
            eprintln!("usage: gen_dmarc samples DIR | gen_dmarc bench N DIR");
            std::process::exit(2);
        }
    }
}
