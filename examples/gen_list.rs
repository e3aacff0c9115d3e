//! Generate a deterministic, realistic contact list for benchmarks.
//!
//! ```text
//! cargo run --release --example gen_list -- N [--seed S] > out.csv
//! ```
//!
//! See `testkit/src/gen_list.rs` for the row mix.

use mailsift_testkit::gen_list;

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!("usage: gen_list N [--seed S]   (writes CSV to stdout)");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut n: Option<usize> = None;
    let mut seed: u64 = 42;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => match args.next().and_then(|s| s.parse().ok()) {
                Some(s) => seed = s,
                None => return usage(),
            },
            "-h" | "--help" => return usage(),
            _ => match a.replace('_', "").parse() {
                Ok(v) if n.is_none() => n = Some(v),
                _ => return usage(),
            },
        }
    }
    let Some(n) = n else { return usage() };
    let stdout = io::stdout();
    let mut w = BufWriter::with_capacity(1 << 20, stdout.lock());
    let res = gen_list::Generator::new(seed)
        .write_csv(n, &mut w)
        .and_then(|_| w.flush());
    match res {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_list: {e}");
            ExitCode::FAILURE
        }
    }
}
