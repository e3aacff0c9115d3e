//! Fuzz the CSV pipeline: never panic, every row lands in exactly one output.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use mailsift::pipeline::clean::{self, CleanConfig, CleanSinks};

fuzz_target!(|data: &[u8]| {
    let mut input = b"email,name\n".to_vec();
    input.extend_from_slice(data);
    let cfg = CleanConfig {
        progress: None,
        threads: 1,
        ..CleanConfig::default()
    };
    let sinks = CleanSinks {
        clean: Box::new(std::io::sink()),
        rejects: Box::new(std::io::sink()),
        results: None,
    };
    let s = clean::run(Box::new(Cursor::new(input)), None, &cfg, sinks, None).expect("in-memory run");
    assert_eq!(s.rows_in, s.rows_clean + s.rows_rejected);
});
