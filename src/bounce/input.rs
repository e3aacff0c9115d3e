//! Reading bounce inputs: files, directories (recursively, Maildir included), stdin, gzip;
//! line-ending normalisation (CRLF and CR-only to LF) and mbox splitting.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
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
                walk(p, p, &mut found, errors);
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

fn walk(root: &Path, dir: &Path, out: &mut Vec<InputFile>, errors: &mut Vec<String>) {
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
            walk(root, &path, out, errors);
        } else if ft.is_file() || (ft.is_symlink() && path.is_file()) {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let size = if ft.is_file() {
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
    let mut br = BufReader::with_capacity(cap, raw);
    let gz = {
        let head = br.fill_buf()?;
        head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b
    };
    let inner: Box<dyn Read + Send> = if gz {
        Box::new(flate2::bufread::MultiGzDecoder::new(br))
    } else {
        Box::new(br)
    };
    Ok(Box::new(BufReader::with_capacity(
        cap,
        EolNormalizer::with_capacity(inner, cap),
    )))
}

/// A reader adapter turning CRLF and lone CR into LF.
pub struct EolNormalizer<R> {
    inner: R,
    pending_cr: bool,
    buf: Vec<u8>,
}

impl<R: Read> EolNormalizer<R> {
    /// Wrap `inner`.
    pub fn new(inner: R) -> Self {
        Self::with_capacity(inner, 1 << 16)
    }

    /// Wrap `inner` with a read buffer of `cap` bytes.
    pub fn with_capacity(inner: R, cap: usize) -> Self {
        EolNormalizer {
            inner,
            pending_cr: false,
            buf: vec![0; cap.max(1)],
        }
    }
}

impl<R: Read> Read for EolNormalizer<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            let want = out.len().min(self.buf.len());
            let n = self.inner.read(&mut self.buf[..want])?;
            if n == 0 {
                return Ok(0);
            }
            let src = &self.buf[..n];
            let mut w = 0;
            let mut i = 0;
            if self.pending_cr {
                self.pending_cr = false;
                if src[0] == b'\n' {
                    i = 1; // CRLF split across reads: LF already written for the CR
                }
            }
            while i < n {
                match memchr::memchr(b'\r', &src[i..]) {
                    None => {
                        out[w..w + n - i].copy_from_slice(&src[i..]);
                        w += n - i;
                        i = n;
                    }
                    Some(k) => {
                        out[w..w + k].copy_from_slice(&src[i..i + k]);
                        w += k;
                        out[w] = b'\n';
                        w += 1;
                        i += k + 1;
                        if i < n {
                            if src[i] == b'\n' {
                                i += 1;
                            }
                        } else {
                            self.pending_cr = true;
                        }
                    }
                }
            }
            if w > 0 {
                return Ok(w);
            }
        }
    }
}

/// Files up to this size are read whole (one allocation, no copy for single-message files);
/// larger ones are streamed message by message.
const WHOLE_FILE_MAX: u64 = 64 << 20;

/// Read the messages of one input (see [`split_messages`] for `sink`). Small uncompressed
/// files are read whole and normalised in place; a file that is not an mbox is passed on as
/// one message without copying. Everything else is streamed.
pub fn read_messages(
    f: &InputFile,
    mut sink: impl FnMut(usize, Vec<u8>) -> bool,
) -> io::Result<usize> {
    if f.path.as_os_str() != "-" {
        let mut file = File::open(&f.path)?;
        let len = match f.size {
            Some(n) => n,
            None => file.metadata()?.len(),
        };
        if len <= WHOLE_FILE_MAX {
            let mut data = read_listed(&mut file, len as usize)?;
            if data.len() as u64 > WHOLE_FILE_MAX {
                // grew since it was listed: stream it
                return split_messages(open(f)?, sink);
            }
            let gz = data.len() >= 2 && data[0] == 0x1f && data[1] == 0x8b;
            if !gz {
                normalize_eol_in_place(&mut data);
                // (the searcher is built once, not per file)
                static FROM_LINE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
                    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\nFrom "));
                let mbox = data.starts_with(b"From ") || FROM_LINE.find(&data).is_some();
                if !mbox {
                    if data.is_empty() {
                        return Ok(0);
                    }
                    sink(1, data);
                    return Ok(1);
                }
                return split_messages(&data[..], sink);
            }
        }
    }
    split_messages(open(f)?, sink)
}

/// Read a file whose listed size is `len` (at most [`WHOLE_FILE_MAX`]) into a new buffer,
/// or up to one byte past that limit if it grew. One `read` asking for `len + 1` bytes that
/// returns exactly `len` is taken as the whole file: a file that grew since it was listed
/// returns more. Any other outcome reads on to the end, through `take` (the generic reader:
/// `File::read_to_end` would `stat` the file again for a size hint the listing already gave).
fn read_listed(file: &mut File, len: usize) -> io::Result<Vec<u8>> {
    let mut data = vec![0u8; len + 1];
    let n = loop {
        match file.read(&mut data) {
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    };
    data.truncate(n);
    if n != len || len == 0 {
        file.take(WHOLE_FILE_MAX + 1 - n as u64)
            .read_to_end(&mut data)?;
    }
    Ok(data)
}

/// Normalise line endings in place (CRLF and CR to LF).
pub fn normalize_eol_in_place(data: &mut Vec<u8>) {
    let Some(first) = memchr::memchr(b'\r', data) else {
        return;
    };
    // `r` is at a CR: write LF, skip a following LF, then move the run up to the next CR
    let mut w = first;
    let mut r = first;
    let n = data.len();
    while r < n {
        data[w] = b'\n';
        w += 1;
        r += 1;
        if r < n && data[r] == b'\n' {
            r += 1;
        }
        let run = memchr::memchr(b'\r', &data[r..]).unwrap_or(n - r);
        data.copy_within(r..r + run, w);
        w += run;
        r += run;
    }
    data.truncate(w);
}

/// Normalise line endings of a byte buffer in memory (CRLF and CR to LF).
pub fn normalize_eol(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        let b = data[i];
        if b == b'\r' {
            out.push(b'\n');
            if data.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
        } else {
            out.push(b);
        }
        i += 1;
    }
    out
}

/// Whether an mbox `From ` separator line (without its LF) looks like one: `From ` followed by
/// something and a time of day (`12:05:05`), which ordinary body text rarely has.
pub fn is_from_line(line: &[u8]) -> bool {
    if !line.starts_with(b"From ") || line.len() > 1000 {
        return false;
    }
    line.windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit())
}

/// Split an input stream into messages at mbox `From ` lines (which are dropped); `>From `
/// lines are unescaped. A file without `From ` lines is one message. Calls `sink` for each
/// message with its 1-based index; stops early if `sink` returns false. Memory use is bounded by
/// the largest message (and the longest line).
pub fn split_messages<R: BufRead>(
    mut r: R,
    mut sink: impl FnMut(usize, Vec<u8>) -> bool,
) -> io::Result<usize> {
    let mut cur: Vec<u8> = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    let mut n = 0usize;
    let mut started = false; // a message is open (content seen or From line seen)
    loop {
        line.clear();
        let got = r.read_until(b'\n', &mut line)?;
        if got == 0 {
            break;
        }
        let body = line.strip_suffix(b"\n").unwrap_or(&line);
        if is_from_line(body) {
            if started && !cur.iter().all(|b| b.is_ascii_whitespace()) {
                n += 1;
                let cap = cur.len();
                if !sink(n, std::mem::replace(&mut cur, Vec::with_capacity(cap))) {
                    return Ok(n);
                }
            }
            cur.clear();
            started = true;
            continue;
        }
        started = true;
        if line.starts_with(b">From ") {
            cur.extend_from_slice(&line[1..]);
        } else {
            cur.extend_from_slice(&line);
        }
    }
    if started && !(n > 0 && cur.iter().all(|b| b.is_ascii_whitespace())) {
        n += 1;
        sink(n, cur);
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eol() {
        let mut s = String::new();
        EolNormalizer::new(&b"a\r\nb\rc\n\r"[..])
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, "a\nb\nc\n\n");
        assert_eq!(normalize_eol(b"a\r\nb\rc"), b"a\nb\nc");
        let mut v = b"x\r\n\r\ry\r".to_vec();
        normalize_eol_in_place(&mut v);
        assert_eq!(v, b"x\n\n\ny\n");
        for case in [
            &b"\r"[..],
            b"\r\r\n\n\r",
            b"\n\r\nab\rcd\r\n",
            b"no cr at all\n",
            b"\xff\r\n\xfe",
        ] {
            let mut v = case.to_vec();
            normalize_eol_in_place(&mut v);
            assert_eq!(v, normalize_eol(case), "{case:?}");
        }
    }

    #[test]
    fn mbox() {
        let data = b"From a@b Thu Jul  2 12:05:05 2020\nSubject: 1\n\n>From x\nFrom here\nFrom b@c Thu Jul  2 12:05:06 2020\nSubject: 2\n";
        let mut msgs = Vec::new();
        split_messages(&data[..], |i, m| {
            msgs.push((i, m));
            true
        })
        .unwrap();
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].1, b"Subject: 1\n\nFrom x\nFrom here\n");
        assert_eq!(msgs[1].1, b"Subject: 2\n");
        let mut k = 0;
        split_messages(&b""[..], |_, _| {
            k += 1;
            true
        })
        .unwrap();
        assert_eq!(k, 0);
    }

    #[test]
    fn listed_size_may_be_stale() {
        // a file read with the size it had when listed, with a larger one (it shrank) and a
        // smaller one (it grew), including zero: always the whole file
        let dir = std::env::temp_dir().join(format!("mailsift-listed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.eml");
        let body: Vec<u8> = (0..5000u32).map(|i| b'a' + (i % 26) as u8).collect();
        std::fs::write(&path, &body).unwrap();
        for listed in [0, 1, 4999, 5000, 5001, 100_000] {
            let mut f = File::open(&path).unwrap();
            assert_eq!(
                read_listed(&mut f, listed).unwrap(),
                body,
                "listed {listed}"
            );
        }
        std::fs::write(&path, b"").unwrap();
        let mut f = File::open(&path).unwrap();
        assert!(read_listed(&mut f, 10).unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
