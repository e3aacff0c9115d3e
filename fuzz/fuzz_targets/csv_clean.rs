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
    // Bytes that look binary (or like UTF-16 without its header) are a clear error, not a run.
    let s = match clean::run(Box::new(Cursor::new(input)), None, &cfg, sinks, None) {
        Ok(s) => s,
        Err(clean::CleanError::NotAList(_) | clean::CleanError::NoEmailColumn { .. }) => return,
        Err(e) => panic!("in-memory run: {e}"),
    };
    assert_eq!(s.rows_in, s.rows_clean + s.rows_rejected);
});
