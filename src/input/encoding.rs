//! Which character encoding a text input is in: a byte-order mark first (UTF-8, UTF-16LE,
//! UTF-16BE), then UTF-16 told by its NUL bytes, then valid UTF-8, then a legacy encoding
//! guessed by `chardetng` (Windows-1252 and the other encodings a spreadsheet saves as "CSV").

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// How the encoding was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodingSource {
    /// Given with `--encoding`.
    Forced,
    /// A byte-order mark.
    Bom,
    /// Told from the bytes: UTF-16 by its NUL bytes, UTF-8 by being valid UTF-8, a legacy
    /// encoding by `chardetng`'s guess.
    Detected,
}

impl EncodingSource {
    /// The name used in the summary (`forced`, `bom`, `detected`).
    pub fn as_str(self) -> &'static str {
        match self {
            EncodingSource::Forced => "forced",
            EncodingSource::Bom => "bom",
            EncodingSource::Detected => "detected",
        }
    }
}

/// The encoding of a text input as detected from its head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    /// The encoding.
    pub encoding: &'static Encoding,
    /// How it was chosen.
    pub source: EncodingSource,
    /// Length of the byte-order mark at the start (0 without one).
    pub bom_len: usize,
}

/// An encoding by its label (`utf-8`, `utf-16le`, `windows-1252`, `latin1`, `cp1252`,
/// `shift_jis`, ...: the WHATWG labels, as browsers accept them), or an error naming some.
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding, String> {
    let l = label.trim().to_ascii_lowercase();
    // A few names people use that are no WHATWG labels.
    let l = match l.as_str() {
        "utf8" => "utf-8",
        "utf16" | "utf-16" | "ucs-2" | "ucs2" => "utf-16le",
        "utf16le" => "utf-16le",
        "utf16be" => "utf-16be",
        "cp1252" | "win1252" | "windows1252" => "windows-1252",
        "latin-1" => "latin1",
        "mac" | "macroman" | "mac-roman" => "macintosh",
        other => other,
    };
    Encoding::for_label(l.as_bytes()).ok_or_else(|| {
        format!(
            "unknown encoding {:?} (try utf-8, utf-16le, utf-16be, windows-1252, iso-8859-15, \
             macintosh, shift_jis, gbk, big5, euc-kr, koi8-r)",
            crate::text::terminal_safe(label)
        )
    })
}

/// Detect the encoding of `head`, the first bytes of a text input (`complete`: all of it).
/// `forced` (`--encoding`) wins; a byte-order mark of that same encoding is still skipped.
pub fn detect(head: &[u8], complete: bool, forced: Option<&'static Encoding>) -> Detected {
    let bom = Encoding::for_bom(head);
    if let Some(enc) = forced {
        let bom_len = match bom {
            Some((b, n)) if b == enc => n,
            _ => 0,
        };
        return Detected {
            encoding: enc,
            source: EncodingSource::Forced,
            bom_len,
        };
    }
    if let Some((encoding, bom_len)) = bom {
        return Detected {
            encoding,
            source: EncodingSource::Bom,
            bom_len,
        };
    }
    let detected = |encoding| Detected {
        encoding,
        source: EncodingSource::Detected,
        bom_len: 0,
    };
    if let Some(enc) = utf16_without_bom(head) {
        return detected(enc);
    }
    if valid_utf8_prefix(head, complete) || mostly_utf8(head) {
        return detected(UTF_8);
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(head, complete);
    detected(det.guess(None, chardetng::Utf8Detection::Allow))
}

/// Whether `head` is valid UTF-8, allowing a character cut at its end when more follows.
fn valid_utf8_prefix(head: &[u8], complete: bool) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        // `error_len() == None`: the input ended inside a character
        Err(e) => !complete && e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

/// Whether `head`, not valid UTF-8, is still UTF-8 with a few bad bytes: it has at least as
/// many well-formed multi-byte characters as malformed sequences. (Text in a legacy encoding
/// has letters like `é` as single high bytes, which are malformed UTF-8, and next to none that
/// happen to be well-formed.) Such a file is read as UTF-8, its bad cells judged
/// `invalid_encoding`, rather than every accented letter turned into mojibake.
fn mostly_utf8(head: &[u8]) -> bool {
    let leads = |b: &[u8]| b.iter().filter(|&&c| c >= 0xC0).count();
    let (mut good, mut bad) = (0usize, 0usize);
    let mut rest = head;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                good += leads(s.as_bytes());
                break;
            }
            Err(e) => {
                good += leads(&rest[..e.valid_up_to()]);
                match e.error_len() {
                    Some(n) => {
                        bad += 1;
                        rest = &rest[e.valid_up_to() + n..];
                    }
                    None => break,
                }
            }
        }
    }
    good > 0 && good >= bad
}

/// UTF-16 without a byte-order mark, told by its NUL bytes: text in Latin script saved as
/// UTF-16 has a NUL in every other byte. `Some` when, in the first 1,024 bytes, at least 40 %
/// of the odd (LE) or even (BE) bytes are NUL and none (or almost none) of the others.
pub(super) fn utf16_without_bom(head: &[u8]) -> Option<&'static Encoding> {
    let h = &head[..head.len().min(1024) & !1];
    if h.len() < 4 {
        return None;
    }
    let pairs = h.len() / 2;
    let (mut even, mut odd) = (0usize, 0usize);
    for p in h.chunks_exact(2) {
        even += usize::from(p[0] == 0);
        odd += usize::from(p[1] == 0);
    }
    if odd * 10 >= pairs * 4 && even * 20 <= pairs {
        Some(UTF_16LE)
    } else if even * 10 >= pairs * 4 && odd * 20 <= pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::WINDOWS_1252;

    #[test]
    fn boms_first() {
        let d = detect(b"\xef\xbb\xbfemail\n", true, None);
        assert_eq!(
            (d.encoding, d.source, d.bom_len),
            (UTF_8, EncodingSource::Bom, 3)
        );
        let d = detect(b"\xff\xfee\x00", true, None);
        assert_eq!((d.encoding, d.bom_len), (UTF_16LE, 2));
        let d = detect(b"\xfe\xff\x00e", true, None);
        assert_eq!((d.encoding, d.bom_len), (UTF_16BE, 2));
    }

    #[test]
    fn utf8_then_legacy() {
        assert_eq!(
            detect(b"email\nann@example.com\n", true, None).encoding,
            UTF_8
        );
        assert_eq!(
            detect("jos\u{e9}@example.com\n".as_bytes(), true, None).encoding,
            UTF_8
        );
        // a character cut at the end of the head is still UTF-8 when more follows
        let cut = &"caf\u{e9}".as_bytes()[..4];
        assert_eq!(detect(cut, false, None).encoding, UTF_8);
        let latin =
            b"name,email\nJos\xe9 Garc\xeda,jos\xe9@example.com\nFran\xe7ois,f@example.fr\n";
        assert_eq!(detect(latin, true, None).encoding, WINDOWS_1252);
        assert_eq!(detect(latin, true, None).source, EncodingSource::Detected);
        // UTF-8 with a stray bad byte stays UTF-8
        let mostly =
            "Jos\u{e9},jos\u{e9}@example.com\nZo\u{eb},z@x.de\nx\u{ff}\n".replace('\u{ff}', "");
        let mut mostly = mostly.into_bytes();
        mostly.extend_from_slice(b"caf\xe9@example.com\n");
        assert_eq!(detect(&mostly, true, None).encoding, UTF_8);
    }

    #[test]
    fn utf16_by_its_nuls() {
        let le: Vec<u8> = "email\tname\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "email\tname\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(detect(&le, true, None).encoding, UTF_16LE);
        assert_eq!(detect(&be, true, None).encoding, UTF_16BE);
    }

    #[test]
    fn forced_wins_and_skips_its_own_bom() {
        let d = detect(b"\xef\xbb\xbfa", true, Some(WINDOWS_1252));
        assert_eq!(
            (d.encoding, d.source, d.bom_len),
            (WINDOWS_1252, EncodingSource::Forced, 0)
        );
        let d = detect(b"\xef\xbb\xbfa", true, Some(UTF_8));
        assert_eq!(d.bom_len, 3);
    }

    #[test]
    fn labels() {
        assert_eq!(encoding_for_label("cp1252").unwrap(), WINDOWS_1252);
        assert_eq!(encoding_for_label("Latin1").unwrap(), WINDOWS_1252);
        assert_eq!(encoding_for_label("UTF-16").unwrap(), UTF_16LE);
        assert_eq!(encoding_for_label(" utf8 ").unwrap(), UTF_8);
        assert!(
            encoding_for_label("klingon")
                .unwrap_err()
                .contains("unknown encoding")
        );
    }
}
