//! The probe journal: every final outcome is appended (one JSON line, written through at once)
//! as it arrives, so a run that is killed can start again without asking any server a question
//! it already answered. A torn last line (killed mid-write) is ignored.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::evidence::Outcome;

/// One journal line.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// A recipient's final outcome.
    Rcpt {
        /// The ASCII address probed.
        address: String,
        /// What we found.
        outcome: Box<Outcome>,
    },
    /// A domain's catch-all status.
    Domain {
        /// The domain (A-label form).
        domain: String,
        /// Whether it accepted a random local part.
        catch_all: bool,
    },
}

/// An open journal: what earlier runs found, and the file new findings go to.
pub struct Journal {
    file: Mutex<File>,
    /// Outcomes from earlier runs, by address.
    pub(crate) answered: HashMap<String, Outcome>,
    /// Catch-all status from earlier runs, by domain.
    pub catch_all: HashMap<String, bool>,
    /// Lines that could not be read (a torn last line after a kill).
    pub skipped_lines: usize,
}

impl Journal {
    /// Open (or create) the journal at `path` and load what it holds.
    pub fn open(path: &Path) -> std::io::Result<Journal> {
        let mut answered = HashMap::new();
        let mut catch_all = HashMap::new();
        let mut skipped_lines = 0;
        let mut torn = false;
        if let Ok(f) = File::open(path) {
            let mut r = BufReader::new(f);
            let mut line = Vec::new();
            loop {
                line.clear();
                if r.read_until(b'\n', &mut line)? == 0 {
                    break;
                }
                torn = line.last() != Some(&b'\n');
                match serde_json::from_slice::<Entry>(&line) {
                    Ok(Entry::Rcpt { address, outcome }) => {
                        answered.insert(address, *outcome);
                    }
                    Ok(Entry::Domain {
                        domain,
                        catch_all: c,
                    }) => {
                        catch_all.insert(domain, c);
                    }
                    Err(_) => skipped_lines += 1,
                }
            }
        }
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        if torn {
            // Finish the torn line so that the next entry starts on its own line.
            file.write_all(b"\n")?;
        }
        Ok(Journal {
            file: Mutex::new(file),
            answered,
            catch_all,
            skipped_lines,
        })
    }

    /// Append an entry and hand it to the operating system at once (survives SIGKILL).
    pub fn append(&self, e: &Entry) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(e)?;
        line.push(b'\n');
        let mut f = self.file.lock().unwrap_or_else(|p| p.into_inner());
        f.write_all(&line)
    }
}
