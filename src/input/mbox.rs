//! Mbox splitting: messages cut at `From ` separator lines, `>From ` lines unescaped.

use std::io::{self, BufRead};

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
}
