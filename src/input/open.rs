//! Opening an input: a file or stdin (`-`), gunzipped when it is gzip, buffered.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use super::{EolNormalizer, InputFile, MaybeGzip, gunzip};

/// Open an input for reading: stdin for `-`, transparently gunzipped when it starts with the
/// gzip magic bytes, with line endings normalised to LF.
pub fn open(f: &InputFile) -> io::Result<Box<dyn BufRead + Send>> {
    let (raw, cap): (Box<dyn Read + Send>, usize) = if f.path.as_os_str() == "-" {
        (Box::new(io::stdin()), 1 << 16)
    } else {
        let file = File::open(&f.path)?;
        // small files (most bounces) get small buffers: fewer fresh pages to zero
        let len = file.metadata().map(|m| m.len()).unwrap_or(1 << 16);
        let cap = (len as usize).saturating_add(16).clamp(512, 1 << 16);
        (Box::new(file), cap)
    };
    let br = BufReader::with_capacity(cap, raw);
    let inner: Box<dyn Read + Send> = match gunzip(br)? {
        MaybeGzip::Gzip(d) => Box::new(d),
        MaybeGzip::Plain(br) => Box::new(br),
    };
    Ok(Box::new(BufReader::with_capacity(
        cap,
        EolNormalizer::with_capacity(inner, cap),
    )))
}

/// Open a file (or stdin) for reading lines, gunzipping when it starts with the gzip magic
/// bytes (1 MiB buffers, line endings as they are); with its modification time (Unix
/// seconds), when known.
pub fn open_path(path: &Path) -> io::Result<(Box<dyn BufRead + Send>, Option<i64>)> {
    let (raw, mtime): (Box<dyn Read + Send>, Option<i64>) = if path.as_os_str() == "-" {
        (Box::new(io::stdin()), None)
    } else {
        let f = File::open(path)?;
        let mtime = f
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs() as i64);
        (Box::new(f), mtime)
    };
    let br = BufReader::with_capacity(1 << 20, raw);
    match gunzip(br)? {
        MaybeGzip::Gzip(d) => Ok((Box::new(BufReader::with_capacity(1 << 20, d)), mtime)),
        MaybeGzip::Plain(br) => Ok((Box::new(br), mtime)),
    }
}
