//! Line-ending normalisation (CRLF and CR-only to LF): a streaming reader adapter and in-memory
//! rewrites.

use std::io::{self, Read};

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
}
