//! Reading the messages of one input: small uncompressed files read whole, everything else
//! streamed through [`open`] and split into messages.

use std::fs::File;
use std::io::{self, Read};

use super::{InputFile, is_gzip, normalize_eol_in_place, open, split_messages};

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
            let gz = is_gzip(&data);
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

#[cfg(test)]
mod tests {
    use super::*;

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
