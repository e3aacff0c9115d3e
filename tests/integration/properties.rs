//! Property tests: normalisation is idempotent, analysis never panics, clean conserves rows.

use mailsift::address::{AnalyzeOptions, SyntaxPolicy, analyze};
use mailsift::pipeline::clean::{self, CleanConfig, CleanSinks, RejectSet};
use proptest::prelude::*;

use super::support::{SharedBuf, records};

fn address_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9._+\\-]{0,20}@[a-zA-Z0-9.\\-]{0,20}",
        "[a-zA-Z0-9éüß\u{301}\u{200b}. ]{0,12}@[a-zA-Zäöü0-9\u{ad}\u{3002}.\\-]{1,20}\\.(com|de|xn--p1ai|рф)",
        "\"[ -~]{0,10}\"@[a-z]{1,8}\\.[a-z]{2,3}",
        "[a-z]{1,8}@\\[[0-9.:a-fA-FIPv]{0,30}\\]",
    ]
}

fn opts(smtp: bool) -> AnalyzeOptions {
    AnalyzeOptions {
        syntax: SyntaxPolicy {
            allow_smtp_syntax: smtp,
            allow_special_use_domains: smtp,
        },
        ..AnalyzeOptions::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn normalisation_is_idempotent(s in address_like(), smtp in any::<bool>()) {
        let o = opts(smtp);
        let r = analyze(1, &s, &o);
        if let Some(n) = &r.normalized {
            let again = analyze(1, n, &o);
            prop_assert!(again.valid, "normalised form {n:?} of {s:?} rejected: {:?}", again.detail);
            prop_assert_eq!(again.normalized.as_ref(), Some(n));
            prop_assert_eq!(again.canonical(), r.canonical());
        } else {
            prop_assert!(!r.valid);
        }
    }

    #[test]
    fn check_never_panics(s in any::<String>()) {
        let _ = analyze(1, &s, &opts(false));
        let _ = analyze(1, &s, &opts(true));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn clean_conserves_rows(rows in proptest::collection::vec(proptest::collection::vec(any::<Vec<u8>>(), 0..4), 0..40)) {
        let mut input = b"email,a,b\n".to_vec();
        for r in &rows {
            let mut w = csv::WriterBuilder::new().flexible(true).has_headers(false).from_writer(vec![]);
            if r.is_empty() { continue; }
            w.write_record(r).unwrap();
            input.extend(w.into_inner().unwrap());
        }
        let (c, j) = (SharedBuf::default(), SharedBuf::default());
        let res = SharedBuf::default();
        // (UTF-8 forced: bytes this random are otherwise taken as binary, or as another encoding)
        let list = mailsift::input::ListOptions { encoding: mailsift::input::Encoding::for_label(b"utf-8"), ..Default::default() };
        let cfg = CleanConfig { reject: RejectSet::parse("malformed,undeliverable,duplicate").unwrap(), progress: None, threads: 2, list, ..CleanConfig::default() };
        let sinks = CleanSinks { clean: Box::new(c.clone()), rejects: Box::new(j.clone()), results: Some(Box::new(res.clone())) };
        let s = clean::run(Box::new(std::io::Cursor::new(input)), None, &cfg, sinks, None).unwrap();
        let n_clean = records(&c.bytes()).len() as u64;
        let n_rej = records(&j.bytes()).len() as u64;
        prop_assert_eq!(s.rows_in, n_clean + n_rej);
        prop_assert_eq!(s.rows_clean, n_clean);
        let n_res = res.bytes().iter().filter(|&&b| b == b'\n').count() as u64;
        prop_assert_eq!(n_res, s.rows_in);
    }
}
