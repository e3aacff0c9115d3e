//! Lower bounds for `mailsift bounces`: how fast the corpus can be read, and read and parsed by
//! mail-parser, with no bounce decoding at all. `benches/bounces_floor.sh` runs these beside
//! Sisimai and `mailsift bounces` in one run.
//!
//! usage: bounce_floor STAGE DIR PASSES THREADS
//!   STAGE  `read`    open, read, close every file, normalise line ends, split mbox files;
//!          `headers` the same, then mail-parser's `parse_headers` on every message;
//!          `parse`   the same, then mail-parser's full `parse` (MIME tree, decoded parts);
//!          `trimmed` the same, but as `mailsift bounces` does it: mail-parser parses the copy
//!                    made by the decoders' MIME pre-pass (without the returned message's
//!                    body and the header fields nothing reads), and no bounce decoding.
//! mail-parser is configured as `mailsift bounces` configures it (typed parsing only for the
//! header fields the decoders read); `headers` and `parse` give it each whole message.
//! Prints messages, seconds and messages/s.

use std::path::PathBuf;
use std::time::Instant;

use mailsift::__bench::bounce;
use mailsift::input;
use rayon::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 4 {
        eprintln!("usage: bounce_floor read|headers|parse|trimmed DIR PASSES THREADS");
        std::process::exit(2);
    }
    let stage = args[0].clone();
    if !matches!(stage.as_str(), "read" | "headers" | "parse" | "trimmed") {
        eprintln!("unknown stage {stage:?}");
        std::process::exit(2);
    }
    let passes: usize = args[2].parse().expect("PASSES is a number");
    let threads: usize = args[3].parse().expect("THREADS is a number");
    let mut errors = Vec::new();
    let files = input::collect(&[PathBuf::from(&args[1])], &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let parser = bounce::message_parser();
    let start = Instant::now();
    let (messages, parsed) = pool.install(|| {
        (0..passes)
            .map(|_| {
                files
                    .par_iter()
                    .with_min_len(16)
                    .map(|f| {
                        let (mut n, mut ok) = (0u64, 0u64);
                        input::read_messages(f, |_, m| {
                            n += 1;
                            let parsed = match stage.as_str() {
                                "headers" => parser.parse_headers(&m[..]).is_some(),
                                "parse" => parser.parse(&m[..]).is_some(),
                                "trimmed" => bounce::parse_only(&m),
                                _ => true,
                            };
                            ok += u64::from(parsed);
                            true
                        })
                        .expect("readable corpus");
                        (n.max(1), ok)
                    })
                    .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
            })
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    });
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{stage}: {passes} passes, {messages} messages ({parsed} parsed), {secs:.2} s, {:.0} msg/s",
        messages as f64 / secs
    );
}
