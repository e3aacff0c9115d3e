//! The run: list the inputs (files, directories, Maildir, `-`), read them in parallel batches
//! into reports and problems, and hand these on in input order as each batch is done (later
//! copies of a report turned into `duplicate` problems), counting the summary as they pass.

use std::io::Read;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::input::{InputFile, list};

use super::bounded::Limits;
use super::container;
use super::dedupe::Dedupe;
use super::rdns::PtrSource;
use super::report::{Item, ProblemKind, problem};
use super::sources::Tally;
use super::summary::Summary;

/// How to run.
#[derive(Default)]
pub struct Config {
    /// Size, ratio and nesting limits.
    pub limits: Limits,
    /// Where reverse DNS of the sources comes from (`None`: no lookups).
    pub ptr: Option<PtrSource>,
}

/// What a run found: the reports and problems in input order (with [`run_streaming`], the
/// problems and only the reports asked for), and the summary.
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
    /// An output could not be written (the message from the caller's writer).
    #[error("{0}")]
    Output(String),
}

/// Read the bytes of one input (already in memory) into reports and problems, without the
/// duplicate check: what the fuzz target and the benchmarks drive.
pub fn read_bytes(file: &str, data: &[u8], limits: &Limits) -> Vec<Item> {
    let mut out = Vec::new();
    container::read(file, data, limits, &mut out);
    out
}

fn read_input(f: &InputFile, limits: &Limits) -> Result<Vec<Item>, String> {
    // one read buffer per thread, kept between inputs (up to 1 MiB)
    thread_local! {
        static DATA: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    DATA.with(|cell| match cell.try_borrow_mut() {
        Ok(mut data) => {
            data.clear();
            let res = read_into(f, limits, &mut data);
            if data.capacity() > 1 << 20 {
                *data = Vec::new();
            }
            res
        }
        Err(_) => read_into(f, limits, &mut Vec::new()),
    })
}

/// Bytes read before the size of a file is asked (most reports are smaller).
const HEAD: u64 = 64 << 10;

fn read_into(f: &InputFile, limits: &Limits, data: &mut Vec<u8>) -> Result<Vec<Item>, String> {
    let too_large = || {
        Ok(vec![problem(
            &f.name,
            ProblemKind::TooLarge,
            format!("file over {} bytes (limit)", limits.max_bytes),
        )])
    };
    if f.size.is_some_and(|n| n > limits.max_bytes) {
        return too_large();
    }
    let limit = limits.max_bytes + 1;
    // Ok(true): over the size limit, not read to its end
    let res = if f.path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(limit)
            .read_to_end(data)
            .map(|_| false)
    } else {
        std::fs::File::open(&f.path).and_then(|file| {
            // the first 64 KiB (all of most reports) without asking the size; past them,
            // the size from the listing or the open file, then room for the rest
            let head = HEAD.min(limit);
            data.reserve(head as usize);
            (&file).take(head).read_to_end(data)?;
            if (data.len() as u64) < head {
                return Ok(false);
            }
            let size = match f.size {
                Some(n) => n,
                None => file.metadata()?.len(),
            };
            if size > limits.max_bytes {
                return Ok(true);
            }
            // (at most 64 MiB ahead: a larger file grows the buffer as it is read)
            let room = size.saturating_add(1).min(64 << 20) as usize;
            data.reserve(room.saturating_sub(data.len()));
            (&file)
                .take(limit - data.len() as u64)
                .read_to_end(data)
                .map(|_| false)
        })
    };
    let over = match res {
        Ok(over) => over,
        // too large whether readable or not, as when the listing took the size
        Err(_)
            if f.size.is_none()
                && std::fs::metadata(&f.path).is_ok_and(|m| m.len() > limits.max_bytes) =>
        {
            true
        }
        Err(e) => return Err(format!("cannot read {}: {e}", f.name)),
    };
    if over {
        return too_large();
    }
    if data.len() as u64 > limits.max_bytes {
        return Ok(vec![problem(
            &f.name,
            ProblemKind::TooLarge,
            format!("input over {} bytes (limit)", limits.max_bytes),
        )]);
    }
    Ok(read_bytes(&f.name, data, limits))
}

/// Inputs read in parallel at a time: the reports of two batches at most are in memory.
const BATCH: usize = 256;

/// Run over `paths`, keeping every report and problem in [`Outcome::items`].
pub fn run(paths: &[PathBuf], cfg: &Config) -> Result<Outcome, DmarcError> {
    run_streaming(paths, cfg, true, |_| Ok(()))
}

/// Run over `paths`, handing every report and problem to `each` in input order as soon as it
/// is read (later copies already turned into `duplicate` problems), so that outputs are
/// written while the inputs are read. Only the summary, the per-source tally, the duplicate
/// keys and the problems stay in memory: [`Outcome::items`] holds the problems, and the
/// reports too when `keep_reports`. An error from `each` ends the run as
/// [`DmarcError::Output`].
pub fn run_streaming(
    paths: &[PathBuf],
    cfg: &Config,
    keep_reports: bool,
    mut each: impl FnMut(&Item) -> Result<(), String> + Send,
) -> Result<Outcome, DmarcError> {
    let mut errors = Vec::new();
    // sizes from the open files (in the readers), not one more stat each while listing
    let files = list(paths, false, &mut errors);
    if !errors.is_empty() {
        return Err(DmarcError::Input(errors.join("; ")));
    }
    let mut state = State {
        dedupe: Dedupe::default(),
        tally: Tally::default(),
        summary: Summary::empty(),
        kept: Vec::new(),
        keep_reports,
    };
    // batch k is read (in parallel) while batch k-1 is written
    let mut pending: Option<Vec<Result<Vec<Item>, String>>> = None;
    for chunk in files.chunks(BATCH) {
        let (read, done) = rayon::join(
            || {
                chunk
                    .par_iter()
                    .map(|f| read_input(f, &cfg.limits))
                    .collect::<Vec<_>>()
            },
            || match pending.take() {
                Some(batch) => state.consume(batch, &mut each),
                None => Ok(()),
            },
        );
        done?;
        pending = Some(read);
    }
    if let Some(batch) = pending.take() {
        state.consume(batch, &mut each)?;
    }
    let mut summary = state.summary;
    summary.sources = state.tally.finish(cfg.ptr.as_ref());
    Ok(Outcome {
        items: state.kept,
        summary,
    })
}

/// What the run keeps between batches.
struct State {
    dedupe: Dedupe,
    tally: Tally,
    summary: Summary,
    kept: Vec<Item>,
    keep_reports: bool,
}

impl State {
    fn consume(
        &mut self,
        batch: Vec<Result<Vec<Item>, String>>,
        each: &mut impl FnMut(&Item) -> Result<(), String>,
    ) -> Result<(), DmarcError> {
        for r in batch {
            for item in r.map_err(DmarcError::Input)? {
                let item = self.dedupe.check(item);
                self.summary.add(&item);
                if let Item::Report(r) = &item {
                    self.tally.add(r);
                }
                each(&item).map_err(DmarcError::Output)?;
                if self.keep_reports || matches!(item, Item::Problem(_)) {
                    self.kept.push(item);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files past the first 64 KiB read whole, and the size limit told as before, whether the
    /// listing took the size or the open file gives it.
    #[test]
    fn large_files_and_the_size_limit() {
        let dir = std::env::temp_dir().join(format!("mailsift-dmarc-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let report = "<feedback><version>1.0</version><report_metadata><org_name>o</org_name><report_id>1</report_id><date_range><begin>1</begin><end>2</end></date_range></report_metadata><policy_published><domain>d.example</domain></policy_published>";
        // a report of 150 KB: its end is past the first read
        let mut big = String::from(report);
        while big.len() < 150_000 {
            big.push_str(
                "\n<record><row><source_ip>192.0.2.1</source_ip><count>1</count></row></record>",
            );
        }
        big.push_str("</feedback>\n");
        std::fs::write(dir.join("big.xml"), &big).unwrap();
        for sizes in [false, true] {
            let files = list(std::slice::from_ref(&dir), sizes, &mut Vec::new());
            assert_eq!(files[0].size.is_some(), sizes);
            let items = read_input(&files[0], &Limits::default()).unwrap();
            let [Item::Report(r)] = &items[..] else {
                panic!("{items:?}")
            };
            assert!(r.records.len() > 1000);
            let small = Limits {
                max_bytes: 100_000,
                ..Limits::default()
            };
            let items = read_input(&files[0], &small).unwrap();
            let [Item::Problem(p)] = &items[..] else {
                panic!("{items:?}")
            };
            assert_eq!(p.problem, ProblemKind::TooLarge);
            assert_eq!(p.detail, "file over 100000 bytes (limit)");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
