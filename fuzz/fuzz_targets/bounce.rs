//! Fuzz the bounce decoder: any bytes (one file: gzip, mbox, any line endings) must decode
//! without panicking, and every message must yield an outcome.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailsift::bounce::{self, MessageOutcome};

fuzz_target!(|data: &[u8]| {
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
