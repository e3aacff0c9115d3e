//! Decompression with limits, against zip and gzip bombs: an absolute size cap and a ratio cap
//! (output over input), checked while reading, so a bomb is stopped after at most the cap.

use std::io::{self, Read};

/// Limits for one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input file read, and largest decompressed stream or archive member, in bytes.
    pub max_bytes: u64,
    /// Largest accepted ratio of decompressed to compressed size...
    pub max_ratio: u64,
    /// ...once the output is past this many bytes (small outputs are never judged by ratio).
    pub ratio_floor: u64,
    /// Deepest nesting of containers (a message holding a zip holding a gzip holding XML is 3).
    pub max_depth: usize,
    /// Most members read from one zip archive or messages from one mbox.
    pub max_members: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 256 << 20,
            max_ratio: 200,
            ratio_floor: 4 << 20,
            max_depth: 6,
            max_members: 10_000,
        }
    }
}

/// Why a stream was not read to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Over a limit (the detail says which).
    TooLarge(String),
    /// The stream is broken (truncated, bad data).
    Corrupt(String),
}

/// Read `r` (decompressing `compressed` bytes) to its end within the limits.
pub(crate) fn read_all<R: Read>(r: R, compressed: u64, limits: &Limits) -> Result<Vec<u8>, Stop> {
    let mut out = Vec::with_capacity((compressed as usize).saturating_mul(8).min(1 << 20));
    let mut r = r;
    read_into(&mut r, compressed, limits, &mut out)?;
    Ok(out)
}

/// Append what `r` yields to `out`, within the limits (counted over all of `out`).
fn read_into<R: Read>(
    r: &mut R,
    compressed: u64,
    limits: &Limits,
    out: &mut Vec<u8>,
) -> Result<(), Stop> {
    // one 64 KiB read buffer per thread, not a zeroed one per stream
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUF.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            if buf.len() < READ_CHUNK {
                buf.resize(READ_CHUNK, 0);
            }
            read_with(r, &mut buf[..READ_CHUNK], compressed, limits, out)
        }
        Err(_) => read_with(r, &mut vec![0u8; READ_CHUNK], compressed, limits, out),
    })
}

/// Bytes asked of a decompressor per read.
const READ_CHUNK: usize = 64 << 10;

fn read_with<R: Read>(
    r: &mut R,
    buf: &mut [u8],
    compressed: u64,
    limits: &Limits,
    out: &mut Vec<u8>,
) -> Result<(), Stop> {
    loop {
        let n = match r.read(buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(Stop::Corrupt(format!(
                    "truncated: unexpected end of compressed data after {} bytes out",
                    out.len()
                )));
            }
            Err(e) => return Err(Stop::Corrupt(e.to_string())),
        };
        out.extend_from_slice(&buf[..n]);
        let len = out.len() as u64;
        if len > limits.max_bytes {
            return Err(Stop::TooLarge(format!(
                "decompresses to more than {} bytes (limit)",
                limits.max_bytes
            )));
        }
        if len > limits.ratio_floor && len > compressed.max(1).saturating_mul(limits.max_ratio) {
            return Err(Stop::TooLarge(format!(
                "compression ratio over {}:1 ({} bytes in, more than {len} out): a zip bomb?",
                limits.max_ratio, compressed
            )));
        }
    }
}

/// Gunzip `data` (every member) within the limits. Bytes after a complete member that do not
/// start another one (a stray CRLF some reporters append) are ignored, as `gzip -d` does.
pub(crate) fn gunzip(data: &[u8], limits: &Limits) -> Result<Vec<u8>, Stop> {
    let mut out = Vec::with_capacity(data.len().saturating_mul(8).min(1 << 20));
    let mut rest = data;
    loop {
        let mut dec = flate2::bufread::GzDecoder::new(rest);
        read_into(&mut dec, data.len() as u64, limits, &mut out)?;
        rest = dec.into_inner();
        if !crate::input::is_gzip(rest) {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn ratio_and_size() {
        let limits = Limits {
            ratio_floor: 1 << 16,
            ..Limits::default()
        };
        let bomb = gz(&vec![0u8; 4 << 20]);
        assert!(matches!(gunzip(&bomb, &limits), Err(Stop::TooLarge(_))));
        let small = gz(b"<feedback/>");
        assert_eq!(gunzip(&small, &limits).unwrap(), b"<feedback/>");
        let tight = Limits {
            max_bytes: 10,
            ..limits
        };
        assert!(matches!(
            gunzip(&gz(&[1u8; 100]), &tight),
            Err(Stop::TooLarge(_))
        ));
    }

    #[test]
    fn members_and_trailing_bytes() {
        let mut two = gz(b"<a>");
        two.extend(gz(b"</a>"));
        two.extend_from_slice(b"\r\n");
        assert_eq!(gunzip(&two, &Limits::default()).unwrap(), b"<a></a>");
    }

    #[test]
    fn truncated() {
        let g = gz(&(0..20000u32).map(|i| (i * 7) as u8).collect::<Vec<_>>());
        let cut = &g[..g.len() / 2];
        assert!(matches!(
            gunzip(cut, &Limits::default()),
            Err(Stop::Corrupt(_))
        ));
    }
}
