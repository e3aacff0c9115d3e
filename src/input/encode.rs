//! Encoding output text (`--output-encoding`): a writer adapter taking UTF-8 and writing it in
//! another encoding. UTF-16 is written by hand (`encoding_rs` only decodes it); a character the
//! target cannot hold becomes `?`, and a byte-order mark is dropped in an encoding without one.

use std::io::{self, Write};

use encoding_rs::{EncoderResult, Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// A writer taking UTF-8 and writing `encoding` to `inner`.
pub struct EncodeWriter<W: Write> {
    inner: W,
    encoding: &'static Encoding,
    encoder: Option<encoding_rs::Encoder>,
    /// The end of a UTF-8 sequence cut between two writes.
    pending: Vec<u8>,
    buf: Vec<u8>,
    /// Characters the target encoding cannot hold, written as `?`.
    pub unmappable: u64,
}

impl<W: Write> EncodeWriter<W> {
    /// Write `encoding` to `inner`.
    pub fn new(inner: W, encoding: &'static Encoding) -> Self {
        let encoder = (encoding != UTF_16LE && encoding != UTF_16BE && encoding != UTF_8)
            .then(|| encoding.new_encoder());
        EncodeWriter {
            inner,
            encoding,
            encoder,
            pending: Vec::new(),
            buf: Vec::with_capacity(64 << 10),
            unmappable: 0,
        }
    }

    fn encode_str(&mut self, s: &str) {
        self.buf.clear();
        if self.encoding == UTF_8 {
            self.buf.extend_from_slice(s.as_bytes());
            return;
        }
        if self.encoding == UTF_16LE || self.encoding == UTF_16BE {
            let le = self.encoding == UTF_16LE;
            for u in s.encode_utf16() {
                self.buf
                    .extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
            }
            return;
        }
        let Some(enc) = self.encoder.as_mut() else {
            return;
        };
        let mut src = s;
        self.buf.resize(s.len() * 2 + 16, 0);
        let mut w = 0;
        loop {
            let (res, read, written) =
                enc.encode_from_utf8_without_replacement(src, &mut self.buf[w..], false);
            w += written;
            src = &src[read..];
            match res {
                EncoderResult::InputEmpty => break,
                EncoderResult::OutputFull => {
                    let more = self.buf.len() + src.len() * 2 + 16;
                    self.buf.resize(more, 0);
                }
                EncoderResult::Unmappable(c) => {
                    if c != '\u{feff}' {
                        self.unmappable += 1;
                        if w >= self.buf.len() {
                            self.buf.resize(self.buf.len() + 16, 0);
                        }
                        self.buf[w] = b'?';
                        w += 1;
                    }
                }
            }
        }
        self.buf.truncate(w);
    }
}

impl<W: Write> Write for EncodeWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let joined;
        let bytes: &[u8] = if self.pending.is_empty() {
            data
        } else {
            self.pending.extend_from_slice(data);
            joined = std::mem::take(&mut self.pending);
            &joined
        };
        // Whole characters now; the end of one cut off is kept for the next write.
        let (text, rest) = match std::str::from_utf8(bytes) {
            Ok(t) => (std::borrow::Cow::Borrowed(t), &[][..]),
            Err(e) if e.error_len().is_none() => {
                let (a, b) = bytes.split_at(e.valid_up_to());
                (String::from_utf8_lossy(a), b)
            }
            Err(_) => {
                // Malformed UTF-8 within (rows copied from an input with bad bytes): U+FFFD,
                // except for a cut character at the very end.
                let cut = incomplete_tail(bytes);
                let (a, b) = bytes.split_at(bytes.len() - cut);
                (String::from_utf8_lossy(a), b)
            }
        };
        self.pending = rest.to_vec();
        self.encode_str(&text);
        self.inner.write_all(&self.buf)?;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let tail = String::from_utf8_lossy(&std::mem::take(&mut self.pending)).into_owned();
            self.encode_str(&tail);
            self.inner.write_all(&self.buf)?;
        }
        self.inner.flush()
    }
}

/// Bytes at the end of `b` that start a UTF-8 character not finished within `b`.
fn incomplete_tail(b: &[u8]) -> usize {
    for back in 1..=3.min(b.len()) {
        let c = b[b.len() - back];
        if c & 0xC0 != 0x80 {
            let need = match c {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => return 0,
            };
            return if need > back { back } else { 0 };
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::WINDOWS_1252;

    fn enc(enc: &'static Encoding, pieces: &[&[u8]]) -> (Vec<u8>, u64) {
        let mut w = EncodeWriter::new(Vec::new(), enc);
        for p in pieces {
            w.write_all(p).unwrap();
        }
        w.flush().unwrap();
        let n = w.unmappable;
        (w.inner, n)
    }

    #[test]
    fn utf16_and_legacy() {
        let s = "\u{feff}Jos\u{e9}\n";
        let (le, _) = enc(UTF_16LE, &[s.as_bytes()]);
        assert_eq!(
            le,
            s.encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect::<Vec<_>>()
        );
        let (be, _) = enc(UTF_16BE, &[s.as_bytes()]);
        assert_eq!(be[..2], [0xfe, 0xff]);
        // the BOM is dropped, the rest mapped; a character cut between writes is whole
        let b = "Jos\u{e9} \u{4e2d}\n".as_bytes();
        let (w, n) = enc(WINDOWS_1252, &[b"\xef\xbb\xbf", &b[..4], &b[4..]]);
        assert_eq!(w, b"Jos\xe9 ?\n");
        assert_eq!(n, 1);
    }

    #[test]
    fn utf8_passes_through() {
        let (w, _) = enc(UTF_8, &[b"a\xc3", b"\xa9b"]);
        assert_eq!(w, "a\u{e9}b".as_bytes());
    }
}
