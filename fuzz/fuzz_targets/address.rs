//! Fuzz the address parser and analysis: never panic, normalisation is idempotent, and a
//! cached analysis equals the first one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailsift::address::{self, AnalyzeOptions, SyntaxPolicy, analyze};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    for smtp in [false, true] {
        let policy = SyntaxPolicy {
            allow_smtp_syntax: smtp,
            allow_special_use_domains: smtp,
        };
        let _ = address::parse(&s, policy);
        let opts = AnalyzeOptions {
            syntax: policy,
            ..AnalyzeOptions::default()
        };
        let r = analyze(1, &s, &opts);
        // The second time the domain comes from the per-thread caches: the same record.
        assert_eq!(analyze(1, &s, &opts), r, "cached analysis differs: {s:?}");
        if let Some(n) = &r.normalized {
            let again = analyze(1, n, &opts);
            assert_eq!(again.normalized.as_ref(), Some(n), "not idempotent: {s:?}");
        }
    }
});
