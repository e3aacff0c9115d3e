//! Fuzz the bounce decoder: any bytes (one file: gzip, mbox, any line endings) must decode
//! without panicking, and every message must yield an outcome.
//!
//! mail-parser has `debug_assert!`s that fire on some malformed MIME when debug assertions are
//! on (the default of `cargo fuzz run`); the decoder catches panics from the parser and treats
//! the message as unparseable. libfuzzer-sys's panic hook would abort even on a caught panic, so
//! panics located in mail-parser's sources are let through to the decoder's catch; every other
//! panic still aborts and is reported as a crash.
#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;
use mailsift::bounce::{self, MessageOutcome};

static HOOK: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    HOOK.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info
                .location()
                .is_some_and(|l| l.file().contains("mail-parser"))
            {
                return;
            }
            prev(info)
        }));
    });
    let outs = bounce::decode_file_bytes("fuzz.eml", data);
    assert!(!outs.is_empty());
    for o in &outs {
        if let MessageOutcome::Records(rs) = o {
            for r in rs {
                assert!(!r.reason.as_str().is_empty());
            }
        }
    }
    let _ = bounce::to_jsonl(&outs);
});
