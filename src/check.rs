//! `check`: analyse individual addresses and write one JSON object per address.

use std::collections::HashMap;
use std::io::{self, BufRead, Write};

use rayon::prelude::*;

use crate::address::{self, AnalyzeOptions};
use crate::model::AddressRecord;
use crate::stage::Stage;

/// Analyse a batch of addresses in parallel; `first_row` numbers the first one. Duplicates (by
/// the provider canonical form) are flagged with `duplicate_of` using `seen`.
pub fn check_batch(
    addrs: &[String],
    first_row: u64,
    opts: &AnalyzeOptions,
    seen: &mut HashMap<String, u64>,
    stage: Option<&dyn Stage>,
) -> Vec<AddressRecord> {
    let mut recs: Vec<AddressRecord> = addrs
        .par_iter()
        .enumerate()
        .map(|(i, a)| address::analyze(first_row + i as u64, a, opts))
        .collect();
    if let Some(stage) = stage {
        let mut refs: Vec<&mut AddressRecord> = recs.iter_mut().collect();
        stage.process(&mut refs);
    }
    for r in &mut recs {
        if let Some(k) = r.canonical() {
            match seen.get(k) {
                Some(&f) => r.flags.duplicate_of = Some(f),
                None => {
                    seen.insert(k.to_owned(), r.row);
                }
            }
        }
    }
    recs
}

/// Read one address per line from `input` (CR/LF stripped; invalid UTF-8 replaced) and write
/// JSON Lines to `out`. Returns the number of addresses.
///
/// ```rust
/// use mailsift::address::AnalyzeOptions;
/// use mailsift::check::check_lines;
///
/// let mut out = Vec::new();
/// let input = "ann@posteo.de\nnot an address\n";
/// let n = check_lines(input.as_bytes(), &mut out, &AnalyzeOptions::default(), None)?;
/// assert_eq!(n, 2);
/// let out = String::from_utf8(out).unwrap();
/// let lines: Vec<&str> = out.lines().collect();
/// assert!(lines[0].contains(r#""reason":"not_checked""#));
/// assert!(lines[1].contains(r#""reason":"invalid_syntax""#));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn check_lines<R: BufRead, W: Write>(
    mut input: R,
    out: &mut W,
    opts: &AnalyzeOptions,
    stage: Option<&dyn Stage>,
) -> io::Result<u64> {
    let mut seen = HashMap::new();
    let mut row = 1u64;
    let mut batch = Vec::with_capacity(4096);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input.read_until(b'\n', &mut line)?;
        if n > 0 {
            while matches!(line.last(), Some(b'\n' | b'\r')) {
                line.pop();
            }
            batch.push(String::from_utf8_lossy(&line).into_owned());
        }
        if batch.len() >= 4096 || (n == 0 && !batch.is_empty()) {
            let recs = check_batch(&batch, row, opts, &mut seen, stage);
            row += batch.len() as u64;
            batch.clear();
            write_records(&recs, out)?;
        }
        if n == 0 {
            break;
        }
    }
    out.flush()?;
    Ok(row - 1)
}

/// Write records as JSON Lines.
pub fn write_records<W: Write>(recs: &[AddressRecord], out: &mut W) -> io::Result<()> {
    for r in recs {
        serde_json::to_writer(&mut *out, r)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
