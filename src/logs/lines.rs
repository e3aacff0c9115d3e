//! Reading log input line by line: a plain streaming reader and one with the reading (system
//! calls, gunzip, UTF-8 validation) on a second thread.

use std::io::{self, Read};

/// Call `f` for every line of `r` (without the line end; a final unterminated line included).
/// Lines longer than 16 MiB are cut into pieces.
pub(crate) fn for_each_line<R: Read>(mut r: R, mut f: impl FnMut(&[u8])) -> io::Result<()> {
    const MAX: usize = 16 << 20;
    let mut buf = vec![0u8; 1 << 20];
    let (mut start, mut end) = (0usize, 0usize);
    loop {
        if end == buf.len() {
            if start > 0 {
                buf.copy_within(start..end, 0);
                end -= start;
                start = 0;
            } else if buf.len() < MAX {
                buf.resize(buf.len() * 2, 0);
            } else {
                f(&buf[..end]);
                start = 0;
                end = 0;
            }
        }
        let n = match r.read(&mut buf[end..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            if start < end {
                f(trim_cr(&buf[start..end]));
            }
            return Ok(());
        }
        let scan_from = end;
        end += n;
        let mut ls = start;
        for nl in memchr::memchr_iter(b'\n', &buf[scan_from..end]) {
            let nl = scan_from + nl;
            f(trim_cr(&buf[ls..nl]));
            ls = nl + 1;
        }
        start = ls;
        if start == end {
            start = 0;
            end = 0;
        }
    }
}

/// [`for_each_line`] with the reading (system calls, gunzip, UTF-8 validation) on a second
/// thread: a pool of four 4 MiB buffers of whole lines travels over a channel and back. `f` gets
/// each line's bytes and, when its chunk is valid UTF-8 (the usual case), its text.
pub(crate) fn for_each_line_threaded<R: Read + Send>(
    r: R,
    mut f: impl FnMut(&[u8], Option<&str>),
) -> io::Result<()> {
    for_each_chunk_threaded(r, |chunk| match chunk {
        Ok(s) => {
            let mut ls = 0;
            for nl in memchr::memchr_iter(b'\n', s.as_bytes()) {
                let l = &s[ls..nl];
                let l = l.strip_suffix('\r').unwrap_or(l);
                f(l.as_bytes(), Some(l));
                ls = nl + 1;
            }
            if ls < s.len() {
                let l = &s[ls..];
                let l = l.strip_suffix('\r').unwrap_or(l);
                f(l.as_bytes(), Some(l));
            }
        }
        Err(b) => {
            let mut ls = 0;
            for nl in memchr::memchr_iter(b'\n', b) {
                f(trim_cr(&b[ls..nl]), None);
                ls = nl + 1;
            }
            if ls < b.len() {
                f(trim_cr(&b[ls..]), None);
            }
        }
    })
}

/// The lines of a chunk of text, `\r\n` or `\n` ended (a final unterminated line included).
pub(crate) fn text_lines(s: &str) -> impl Iterator<Item = &str> {
    let mut ls = 0;
    let mut it = memchr::memchr_iter(b'\n', s.as_bytes());
    std::iter::from_fn(move || {
        let l = match it.next() {
            Some(nl) => {
                let l = &s[ls..nl];
                ls = nl + 1;
                l
            }
            None if ls < s.len() => {
                let l = &s[ls..];
                ls = s.len();
                l
            }
            None => return None,
        };
        Some(l.strip_suffix('\r').unwrap_or(l))
    })
}

/// The reader of [`for_each_line_threaded`], handing over whole chunks of lines: `Ok(text)`
/// when the chunk is valid UTF-8, else `Err(bytes)`.
pub(crate) fn for_each_chunk_threaded<R: Read + Send>(
    r: R,
    mut f: impl FnMut(Result<&str, &[u8]>),
) -> io::Result<()> {
    const CHUNK: usize = 4 << 20;
    const POOL: usize = 4;
    enum Chunk {
        Text(String),
        Bytes(Vec<u8>),
    }
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Chunk>(POOL);
    let (free_tx, free_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    for _ in 0..POOL {
        let _ = free_tx.send(Vec::new());
    }
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || -> io::Result<()> {
            let mut r = r;
            let mut carry: Vec<u8> = Vec::new();
            loop {
                let Ok(mut buf) = free_rx.recv() else {
                    return Ok(());
                };
                let want = CHUNK.max(carry.len() * 2);
                if buf.len() < want {
                    buf.resize(want, 0);
                }
                buf[..carry.len()].copy_from_slice(&carry);
                let mut filled = carry.len();
                carry.clear();
                // fill the chunk (a short read is not the end)
                while filled < buf.len() {
                    match r.read(&mut buf[filled..]) {
                        Ok(0) => break,
                        Ok(n) => filled += n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
                let eof = filled < buf.len();
                if !eof && let Some(nl) = memchr::memrchr(b'\n', &buf[..filled]) {
                    // the partial last line goes with the next chunk; a chunk without any
                    // newline (a giant line) is passed on whole
                    carry.extend_from_slice(&buf[nl + 1..filled]);
                    filled = nl + 1;
                }
                buf.truncate(filled);
                let chunk = match String::from_utf8(buf) {
                    Ok(s) => Chunk::Text(s),
                    Err(e) => Chunk::Bytes(e.into_bytes()),
                };
                if filled > 0 && full_tx.send(chunk).is_err() {
                    return Ok(());
                }
                if eof {
                    return Ok(());
                }
            }
        });
        for chunk in full_rx.iter() {
            let buf = match chunk {
                Chunk::Text(s) => {
                    f(Ok(&s));
                    s.into_bytes()
                }
                Chunk::Bytes(b) => {
                    f(Err(&b));
                    b
                }
            };
            let _ = free_tx.send(buf);
        }
        reader
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("reader thread panicked")))
    })
}

fn trim_cr(l: &[u8]) -> &[u8] {
    l.strip_suffix(b"\r").unwrap_or(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split() {
        let mut v = Vec::new();
        for_each_line(&b"a\r\nbb\n\nccc"[..], |l| v.push(l.to_vec())).unwrap();
        assert_eq!(
            v,
            vec![b"a".to_vec(), b"bb".to_vec(), b"".to_vec(), b"ccc".to_vec()]
        );
        // the threaded reader gives the same lines, across chunk boundaries too
        let mut big = Vec::new();
        for i in 0..400_000 {
            big.extend_from_slice(format!("line {i} {}\n", "x".repeat(i % 50)).as_bytes());
        }
        big.extend_from_slice(b"last");
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for_each_line(&big[..], |l| a.push(l.to_vec())).unwrap();
        for_each_line_threaded(&big[..], |l, t| {
            assert_eq!(t.map(str::as_bytes), Some(l));
            b.push(l.to_vec())
        })
        .unwrap();
        // invalid UTF-8 comes through as bytes
        let mut n = 0;
        for_each_line_threaded(&b"ok\n\xff\xfe\n"[..], |_, t| n += t.is_none() as usize).unwrap();
        assert_eq!(n, 2);
        assert_eq!(a.len(), 400_001);
        assert_eq!(a, b);
        let v: Vec<&str> = text_lines("a\r\nb\n\nc").collect();
        assert_eq!(v, ["a", "b", "", "c"]);
    }
}
