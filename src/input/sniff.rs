//! What a file is, by its first bytes: text, gzip, a spreadsheet workbook, or some other binary
//! type named for the one error line that says so (never a dump of its bytes).

/// What the first bytes of an input say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// Text (any encoding this crate decodes, UTF-16 included).
    Text,
    /// gzip-compressed (`1f 8b`).
    Gzip,
    /// A ZIP container that may be a workbook (`.xlsx`, `.ods`): the workbook reader decides.
    Zip,
    /// An OLE2 compound document (`d0 cf 11 e0`): `.xls` or another Office file.
    Ole2,
    /// Some other binary type, named for the error message.
    Binary(&'static str),
    /// No known type, but too many control characters for text (an encoding given with
    /// `--encoding` overrides this guess, not the magic numbers).
    NotText,
}

/// Magic bytes at offset 0 and what they are.
const MAGIC: &[(&[u8], &str)] = &[
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x7fELF", "an ELF executable"),
    (b"MZ", "a Windows executable"),
    (b"\xfe\xed\xfa\xce", "a Mach-O executable"),
    (b"\xfe\xed\xfa\xcf", "a Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "a Mach-O or Java class file"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x00asm", "a WebAssembly module"),
    (b"PAR1", "a Parquet file"),
    (b"ORC", "an ORC file"),
    (b"Obj\x01", "an Avro file"),
    (b"{\\rtf", "an RTF document"),
    (b"OggS", "an Ogg media file"),
    (b"fLaC", "a FLAC audio file"),
    (b"ID3", "an MP3 audio file"),
    (b"\x1a\x45\xdf\xa3", "a Matroska/WebM video"),
    (b"wOFF", "a WOFF font"),
    (b"wOF2", "a WOFF2 font"),
];

/// Tell what `head` (the first bytes of an input; 4 KiB is plenty) is. Byte-order marks say
/// text whatever follows; so does a head without NUL bytes and with few control characters.
pub fn sniff(head: &[u8]) -> Sniffed {
    if head.starts_with(b"\xef\xbb\xbf")
        || head.starts_with(b"\xff\xfe")
        || head.starts_with(b"\xfe\xff")
    {
        return Sniffed::Text;
    }
    if super::is_gzip(head) {
        return Sniffed::Gzip;
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Sniffed::Zip;
    }
    if head.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        return Sniffed::Ole2;
    }
    for (magic, what) in MAGIC {
        // "MZ" and "ID3" and the like are also how a line of text may start: a magic number
        // of three bytes or fewer counts only when binary bytes follow.
        if head.starts_with(magic) && (magic.len() > 3 || looks_binary(head)) {
            return Sniffed::Binary(what);
        }
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" {
        return Sniffed::Binary(match &head[8..12] {
            b"WEBP" => "a WebP image",
            b"WAVE" => "a WAV audio file",
            b"AVI " => "an AVI video",
            _ => "a RIFF media file",
        });
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return Sniffed::Binary("an MP4/QuickTime media file");
    }
    if head.len() > 262 && &head[257..262] == b"ustar" {
        return Sniffed::Binary("a tar archive");
    }
    if super::encoding::utf16_without_bom(head).is_some() {
        return Sniffed::Text;
    }
    if looks_binary(head) {
        return Sniffed::NotText;
    }
    Sniffed::Text
}

/// Whether `head` is binary rather than text: more than one byte in 10 a NUL or a control
/// character other than tab, LF, CR, form feed and ESC (a stray NUL in a list is not enough).
fn looks_binary(head: &[u8]) -> bool {
    let head = &head[..head.len().min(4096)];
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
        .count();
    controls * 10 > head.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(sniff(b"email\nann@example.com\n"), Sniffed::Text);
        assert_eq!(sniff(b""), Sniffed::Text);
        assert_eq!(sniff(b"\xff\xfee\x00m\x00"), Sniffed::Text);
        assert_eq!(sniff(b"e\x00m\x00a\x00i\x00l\x00\n\x00"), Sniffed::Text);
        assert_eq!(sniff(b"\x1f\x8b\x08\x00"), Sniffed::Gzip);
        assert_eq!(sniff(b"PK\x03\x04\x14\x00"), Sniffed::Zip);
        assert_eq!(
            sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"),
            Sniffed::Ole2
        );
        assert_eq!(
            sniff(b"%PDF-1.7\n%\xe2\xe3"),
            Sniffed::Binary("a PDF document")
        );
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
            Sniffed::Binary("a PNG image")
        );
        assert_eq!(
            sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF"),
            Sniffed::Binary("a JPEG image")
        );
        assert_eq!(sniff(b"GIF89a\x01\x00"), Sniffed::Binary("a GIF image"));
        assert_eq!(
            sniff(b"\x7fELF\x02\x01\x01\x00"),
            Sniffed::Binary("an ELF executable")
        );
        assert_eq!(sniff(b"\x00\x01\x02\x03binary"), Sniffed::NotText);
    }

    #[test]
    fn text_that_starts_like_a_short_magic_number_is_text() {
        assert_eq!(sniff(b"MZ Holdings,mz@example.com\n"), Sniffed::Text);
        assert_eq!(sniff(b"ID3,email\n1,a@b.c\n"), Sniffed::Text);
        assert_eq!(sniff(b"BZh,email\n"), Sniffed::Text);
        assert_eq!(
            sniff(b"email\na\0b@example.com\n\0\nok@example.com\n"),
            Sniffed::Text
        );
        assert_eq!(
            sniff(b"MZ\x90\x00\x03\x00\x00\x00"),
            Sniffed::Binary("a Windows executable")
        );
    }
}
