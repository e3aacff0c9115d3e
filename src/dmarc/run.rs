//! The run: list the inputs (files, directories, Maildir, `-`), read each in parallel into
//! reports and problems (input order kept), drop later copies of a report, summarise.

use std::io::Read;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::input::{InputFile, collect};

use super::bounded::Limits;
use super::container;
use super::dedupe::dedupe;
use super::rdns::PtrSource;
use super::report::{Item, ProblemKind, problem};
use super::sources::summarize;
use super::summary::Summary;

/// How to run.
#[derive(Default)]
pub struct Config {
    /// Size, ratio and nesting limits.
    pub limits: Limits,
    /// Where reverse DNS of the sources comes from (`None`: no lookups).
    pub ptr: Option<PtrSource>,
}

/// What a run found: every report and problem in input order, and the summary.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Reports and problems, in input order.
    pub items: Vec<Item>,
    /// Counts, totals and sources.
    pub summary: Summary,
}

/// Why a run could not be done.
#[derive(Debug, thiserror::Error)]
pub enum DmarcError {
    /// An input path that cannot be read.
    #[error("{0}")]
    Input(String),
}

/// Read the bytes of one input (already in memory) into reports and problems, without the
/// duplicate check: what the fuzz target and the benchmarks drive.
pub fn read_bytes(file: &str, data: &[u8], limits: &Limits) -> Vec<Item> {
    let mut out = Vec::new();
    container::read(file, data, limits, &mut out);
    out
}

fn read_input(f: &InputFile, limits: &Limits) -> Result<Vec<Item>, String> {
    if f.size.is_some_and(|n| n > limits.max_bytes) {
        return Ok(vec![problem(
            &f.name,
            ProblemKind::TooLarge,
            format!("file over {} bytes (limit)", limits.max_bytes),
        )]);
    }
    let mut data = Vec::new();
    let res = if f.path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(limits.max_bytes + 1)
            .read_to_end(&mut data)
    } else {
        std::fs::File::open(&f.path)
            .and_then(|file| file.take(limits.max_bytes + 1).read_to_end(&mut data))
    };
    res.map_err(|e| format!("cannot read {}: {e}", f.name))?;
    if data.len() as u64 > limits.max_bytes {
        return Ok(vec![problem(
            &f.name,
            ProblemKind::TooLarge,
            format!("input over {} bytes (limit)", limits.max_bytes),
        )]);
    }
    Ok(read_bytes(&f.name, &data, limits))
}

/// Run over `paths`.
pub fn run(paths: &[PathBuf], cfg: &Config) -> Result<Outcome, DmarcError> {
    let mut errors = Vec::new();
    let files = collect(paths, &mut errors);
    if !errors.is_empty() {
        return Err(DmarcError::Input(errors.join("; ")));
    }
    let per_file: Vec<Result<Vec<Item>, String>> = files
        .par_iter()
        .map(|f| read_input(f, &cfg.limits))
        .collect();
    let mut items = Vec::new();
    for r in per_file {
        items.extend(r.map_err(DmarcError::Input)?);
    }
    let items = dedupe(items);
    let sources = summarize(&items, cfg.ptr.as_ref());
    let summary = Summary::new(&items, sources);
    Ok(Outcome { items, summary })
}
