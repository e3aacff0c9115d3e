//! Criterion benchmarks: offline analysis of one address and the whole `clean` pipeline.
//!
//! Inputs are generated here by `mailsift_testkit::gen_list` (deterministic, seed 42), so the bench runs
//! on a fresh clone. Run with `cargo bench --bench clean`.
//!
//! - `analyze/100k`: `address::analyze` over 100,000 generated email cells (per-thread domain
//!   cache warm after the first iteration, as it is after the first few chunks of a real run).
//! - `clean/threads/N`: `pipeline::clean::run` on 100,000 generated rows held in memory, clean,
//!   rejects and results written to `io::sink()`, with N = 1 and 2 worker threads.
//!
//! - `engagement/sendgrid`: `EngagementSet::load` on a SendGrid event stream of 20,000
//!   addresses (about 200,000 events) made by `mailsift_testkit::gen_engagement`, in memory;
//!   throughput in event records.
//!
//! Throughput is reported in rows (elements) per second. For the end-to-end run on 1,000,000 rows
//! (files, peak RSS, comparison with email-validator) see `benches/e2e.sh`.

use mailsift_testkit::gen_list;
use std::hint::black_box;
use std::io;
use std::time::Duration;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use mailsift::address::{self, AnalyzeOptions};
use mailsift::pipeline::clean::{self, CleanConfig, CleanSinks};

// The same allocator as the `mailsift` binary (src/main.rs), so that the figures match it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROWS: usize = 100_000;
const SEED: u64 = 42;

fn bench_analyze(c: &mut Criterion) {
    let addrs = gen_list::generate_addresses(ROWS, SEED);
    let opts = AnalyzeOptions::default();
    let mut g = c.benchmark_group("analyze");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(ROWS as u64));
    g.bench_function("100k", |b| {
        b.iter(|| {
            let mut valid = 0usize;
            for (i, a) in addrs.iter().enumerate() {
                let r = address::analyze(i as u64 + 1, black_box(a), &opts);
                valid += usize::from(r.valid);
                black_box(&r);
            }
            valid
        })
    });
    g.finish();
}

fn bench_clean(c: &mut Criterion) {
    // Leaked once so that each iteration reads the same bytes without copying them.
    let data: &'static [u8] = Box::leak(gen_list::generate_csv(ROWS, SEED).into_boxed_slice());
    let mut g = c.benchmark_group("clean");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(ROWS as u64));
    for threads in [1usize, 2] {
        let cfg = CleanConfig {
            threads,
            progress: None,
            ..CleanConfig::default()
        };
        g.bench_with_input(BenchmarkId::new("threads", threads), &cfg, |b, cfg| {
            b.iter(|| {
                let sinks = CleanSinks {
                    clean: Box::new(io::sink()),
                    rejects: Box::new(io::sink()),
                    results: Some(Box::new(io::sink())),
                };
                let s = clean::run(Box::new(data), Some(data.len() as u64), cfg, sinks, None)
                    .expect("clean run");
                assert_eq!(s.rows_in, ROWS as u64);
                s
            })
        });
    }
    g.finish();
}

fn bench_engagement(c: &mut Criterion) {
    use mailsift::engagement::{EngagementSet, Rules};
    use mailsift_testkit::gen_engagement::{Config, generate};
    let dir =
        std::env::temp_dir().join(format!("mailsift-bench-engagement-{}", std::process::id()));
    let cfg = Config {
        addresses: 20_000,
        campaigns: 6,
        campaign_days: 30,
        sendgrid_only: true,
        ..Config::default()
    };
    let stats = generate(&cfg, &dir).expect("generate");
    let data = std::fs::read(dir.join("sendgrid.jsonl")).expect("events");
    let _ = std::fs::remove_dir_all(&dir);
    let opts = AnalyzeOptions::default();
    let mut g = c.benchmark_group("engagement");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(stats.events));
    g.bench_function("sendgrid", |b| {
        b.iter(|| {
            let mut set = EngagementSet::new(Rules::default(), 0);
            set.load("events.jsonl", &data[..], &opts).expect("load");
            black_box(set.addresses())
        })
    });
    g.finish();
}

criterion_group!(benches, bench_analyze, bench_clean, bench_engagement);
criterion_main!(benches);
