//! Listing the inputs: files as given, directories walked recursively (Maildir included),
//! `-` for stdin.

use std::path::{Path, PathBuf};

/// One input file to read, with the name to report in records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Where to read it (`-` is stdin).
    pub path: PathBuf,
    /// The name used in records: the path under the given directory, without a leading `./`.
    pub name: String,
    /// The size seen when the inputs were listed (`None` for stdin or when unknown): saves a
    /// `stat` per file when reading.
    pub size: Option<u64>,
}

fn strip_dot(s: &str) -> String {
    let mut t = s;
    while let Some(r) = t.strip_prefix("./") {
        t = r;
    }
    t.to_string()
}

/// Expand the command-line inputs: files as given, directories walked recursively (sorted,
/// hidden entries skipped, symlinked directories not followed), `-` for stdin.
/// Unreadable directories are reported through `errors` and skipped.
pub fn collect(inputs: &[PathBuf], errors: &mut Vec<String>) -> Vec<InputFile> {
    list(inputs, true, errors)
}

/// [`collect`], without the size of the files found in directories (`None`) when `sizes` is
/// false: one `stat` per file less while listing, for readers that open every file anyway
/// and can ask the open file.
pub fn list(inputs: &[PathBuf], sizes: bool, errors: &mut Vec<String>) -> Vec<InputFile> {
    let mut out = Vec::new();
    for p in inputs {
        if p.as_os_str() == "-" {
            out.push(InputFile {
                path: p.clone(),
                name: "-".into(),
                size: None,
            });
            continue;
        }
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => {
                let mut found = Vec::new();
                walk(p, p, sizes, &mut found, errors);
                found.sort_by(|a: &InputFile, b| a.name.cmp(&b.name));
                out.extend(found);
            }
            Ok(m) => out.push(InputFile {
                path: p.clone(),
                name: strip_dot(&p.to_string_lossy().replace('\\', "/")),
                size: Some(m.len()),
            }),
            Err(e) => errors.push(format!("cannot read {}: {e}", p.display())),
        }
    }
    out
}

fn walk(root: &Path, dir: &Path, sizes: bool, out: &mut Vec<InputFile>, errors: &mut Vec<String>) {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            errors.push(format!("cannot read directory {}: {e}", dir.display()));
            return;
        }
    };
    for ent in rd.flatten() {
        let name = ent.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = ent.path();
        let Ok(ft) = ent.file_type() else { continue };
        if ft.is_dir() {
            walk(root, &path, sizes, out, errors);
        } else if ft.is_file() || (ft.is_symlink() && path.is_file()) {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let size = if !sizes {
                None
            } else if ft.is_file() {
                ent.metadata().ok().map(|m| m.len())
            } else {
                std::fs::metadata(&path).ok().map(|m| m.len())
            };
            out.push(InputFile {
                name: strip_dot(&rel.to_string_lossy().replace('\\', "/")),
                path,
                size,
            });
        }
    }
}
