//! Fuzz the DMARC / TLS report reader over raw input bytes (XML, JSON, gzip, zip, messages,
//! mbox): never panic, at least one outcome per input, every outcome named after the input,
//! and the outputs (JSON Lines, CSV, text, HTML) render.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailsift::dmarc::{self, Item, Limits, Summary};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_bytes: 8 << 20,
        ratio_floor: 1 << 20,
        ..Limits::default()
    };
    let items = dmarc::read_bytes("in", data, &limits);
    assert!(!items.is_empty(), "no outcome for an input");
    for i in &items {
        let file = match i {
            Item::Report(r) => &r.file,
            Item::Problem(p) => &p.file,
        };
        assert!(file == "in" || file.starts_with("in:"), "{file}");
    }
    let sources = dmarc::summarize(&items, None);
    let summary = Summary::new(&items, sources);
    let mut sink = Vec::new();
    dmarc::write_jsonl(&items, &mut sink).unwrap();
    dmarc::write_csv(&items, &mut sink).unwrap();
    let _ = dmarc::render_text(&summary, &items);
    let _ = dmarc::render_html(&summary, &items);
});
