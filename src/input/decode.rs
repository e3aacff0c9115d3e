//! Decoding to UTF-8 while reading: a reader adapter that turns text in any encoding
//! `encoding_rs` knows into UTF-8, malformed bytes into U+FFFD (and counted).

use std::io::{self, Read};

use encoding_rs::{CoderResult, Decoder, Encoding};

/// A reader giving the UTF-8 text of `inner`, which is in `encoding` (without its byte-order
/// mark: skip it before).
pub struct DecodeReader<R> {
    inner: R,
    decoder: Decoder,
    /// Raw bytes read and not yet decoded: `raw[start..end]`.
    raw: Vec<u8>,
    start: usize,
    end: usize,
    /// Decoded bytes not yet handed out: `out[out_start..out_end]`.
    out: Vec<u8>,
    out_start: usize,
    out_end: usize,
    eof: bool,
    finished: bool,
    /// Malformed sequences replaced with U+FFFD (at least one per call that had any).
    pub replaced: u64,
}

impl<R: Read> DecodeReader<R> {
    /// Decode `inner` from `encoding`.
    pub fn new(inner: R, encoding: &'static Encoding) -> Self {
        DecodeReader {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            raw: vec![0; 64 << 10],
            start: 0,
            end: 0,
            // UTF-16 → UTF-8 can grow by half, legacy single-byte → UTF-8 can triple
            out: vec![0; 3 * (64 << 10) + 16],
            out_start: 0,
            out_end: 0,
            eof: false,
            finished: false,
            replaced: 0,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        while self.out_start == self.out_end && !self.finished {
            if self.start == self.end && !self.eof {
                self.start = 0;
                self.end = loop {
                    match self.inner.read(&mut self.raw) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                };
                self.eof = self.end == 0;
            }
            let (res, read, written, had_errors) = self.decoder.decode_to_utf8(
                &self.raw[self.start..self.end],
                &mut self.out,
                self.eof,
            );
            self.start += read;
            self.out_start = 0;
            self.out_end = written;
            if had_errors {
                self.replaced += 1;
            }
            if self.eof && res == CoderResult::InputEmpty {
                self.finished = true;
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for DecodeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.refill()?;
        let n = buf.len().min(self.out_end - self.out_start);
        buf[..n].copy_from_slice(&self.out[self.out_start..self.out_start + n]);
        self.out_start += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};

    fn decode(bytes: &[u8], enc: &'static Encoding, read_size: usize) -> (String, u64) {
        let mut r = DecodeReader::new(bytes, enc);
        let mut out = Vec::new();
        let mut buf = vec![0; read_size];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        (String::from_utf8(out).unwrap(), r.replaced)
    }

    #[test]
    fn legacy_and_utf16() {
        let text = "name,email\nJos\u{e9},jos\u{e9}@example.com\n\u{20ac}\n";
        let (w, _, _) = WINDOWS_1252.encode(text);
        for size in [1, 3, 4096] {
            assert_eq!(decode(&w, WINDOWS_1252, size), (text.to_string(), 0));
        }
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(&le, UTF_16LE, 2).0, text);
        assert_eq!(decode(&be, UTF_16BE, 7).0, text);
    }

    #[test]
    fn long_input_across_buffers() {
        let text = "Fran\u{e7}ois,f@example.fr\n".repeat(20_000);
        let (w, _, _) = WINDOWS_1252.encode(&text);
        assert_eq!(decode(&w, WINDOWS_1252, 100_000).0, text);
    }

    #[test]
    fn malformed_is_replaced_and_counted() {
        // an odd byte at the end of UTF-16
        let (s, replaced) = decode(b"a\x00b", UTF_16LE, 16);
        assert_eq!(s, "a\u{fffd}");
        assert_eq!(replaced, 1);
    }
}
