//! SMTP replies (RFC 5321 §4.2) with RFC 3463 enhanced status codes (RFC 2034), parsed
//! incrementally from bytes as they arrive. Sans-IO: no sockets here.

use serde::Serialize;

use crate::status::{EnhancedStatus, reply_code};

/// Longest reply we keep (all lines, bytes); the rest of an oversized reply is discarded.
pub const MAX_REPLY_BYTES: usize = 8 * 1024;
/// Longest single line we accept before calling the reply malformed.
pub(crate) const MAX_LINE_BYTES: usize = 4 * 1024;

/// A complete reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    /// The three-digit reply code.
    pub code: u16,
    /// The enhanced status code of the first line, if present.
    pub enhanced: Option<EnhancedStatus>,
    /// The text of every line (code and enhanced code removed), joined by a space, with
    /// control characters replaced; capped at [`MAX_REPLY_BYTES`].
    pub text: String,
    /// Lines received.
    pub lines: usize,
}

impl Reply {
    /// 2xx.
    pub fn is_positive(&self) -> bool {
        reply_code::is_positive(self.code)
    }
    /// 4xx.
    pub fn is_transient(&self) -> bool {
        reply_code::is_transient(self.code)
    }
    /// 5xx.
    pub fn is_permanent(&self) -> bool {
        reply_code::is_permanent(self.code)
    }
}

/// Why bytes from the server are not an SMTP reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// A line does not start with a three-digit code and a separator.
    Malformed(String),
    /// The lines of one reply carry different codes.
    MixedCodes,
    /// A line is longer than [`MAX_LINE_BYTES`].
    LineTooLong,
}

/// Incremental reply parser: feed bytes, take complete replies.
#[derive(Debug, Default)]
pub struct ReplyParser {
    buf: Vec<u8>,
    code: Option<u16>,
    enhanced: Option<EnhancedStatus>,
    text: String,
    lines: usize,
}

fn clean_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

impl ReplyParser {
    /// A fresh parser.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add bytes received from the server.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete reply, `Ok(None)` if more bytes are needed.
    pub fn next_reply(&mut self) -> Result<Option<Reply>, ReplyError> {
        loop {
            let Some(nl) = self.buf.iter().position(|&b| b == b'\n') else {
                if self.buf.len() > MAX_LINE_BYTES {
                    return Err(ReplyError::LineTooLong);
                }
                return Ok(None);
            };
            if nl > MAX_LINE_BYTES {
                return Err(ReplyError::LineTooLong);
            }
            let raw: Vec<u8> = self.buf.drain(..=nl).collect();
            let line = String::from_utf8_lossy(&raw);
            let line = line.trim_end_matches(['\r', '\n']);
            let b = line.as_bytes();
            if b.len() < 3 || !b[..3].iter().all(u8::is_ascii_digit) || !matches!(b[0], b'2'..=b'5')
            {
                return Err(ReplyError::Malformed(clean_text(line)));
            }
            let code: u16 = line[..3]
                .parse()
                .map_err(|_| ReplyError::Malformed(clean_text(line)))?;
            let last = match b.get(3) {
                None | Some(b' ') => true,
                Some(b'-') => false,
                Some(_) => return Err(ReplyError::Malformed(clean_text(line))),
            };
            if let Some(c) = self.code
                && c != code
            {
                return Err(ReplyError::MixedCodes);
            }
            self.code = Some(code);
            let mut rest = line.get(4..).unwrap_or("").trim_start();
            if let Some(e) = EnhancedStatus::parse_prefix(rest) {
                if self.lines == 0 {
                    self.enhanced = Some(e);
                }
                rest = rest[rest.find(char::is_whitespace).unwrap_or(rest.len())..].trim_start();
            }
            if self.text.len() < MAX_REPLY_BYTES {
                if !self.text.is_empty() {
                    self.text.push(' ');
                }
                let room = MAX_REPLY_BYTES - self.text.len();
                let t = clean_text(rest);
                let mut cut = t.len().min(room);
                while !t.is_char_boundary(cut) {
                    cut -= 1;
                }
                self.text.push_str(&t[..cut]);
            }
            self.lines += 1;
            if last {
                let reply = Reply {
                    code,
                    enhanced: self.enhanced.take(),
                    text: std::mem::take(&mut self.text),
                    lines: self.lines,
                };
                self.code = None;
                self.lines = 0;
                return Ok(Some(reply));
            }
        }
    }
}

/// Parse one complete reply from text (test helper).
#[cfg(test)]
pub(crate) fn parse_one(s: &str) -> Reply {
    let mut p = ReplyParser::new();
    p.feed(s.as_bytes());
    p.next_reply()
        .expect("a well-formed reply")
        .expect("a complete reply")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> Vec<Result<Option<Reply>, ReplyError>> {
        let mut p = ReplyParser::new();
        p.feed(input);
        let mut out = vec![];
        loop {
            let r = p.next_reply();
            let stop = !matches!(r, Ok(Some(_)));
            out.push(r);
            if stop {
                break;
            }
        }
        out
    }

    #[test]
    fn single_and_multiline() {
        let r = parse_all(b"250 2.1.5 Ok\r\n");
        let Ok(Some(r0)) = &r[0] else { panic!("{r:?}") };
        assert_eq!(r0.code, 250);
        assert_eq!(r0.enhanced.unwrap().to_string(), "2.1.5");
        assert_eq!(r0.text, "Ok");
        let r = parse_all(b"250-mx.example Hello\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
        let Ok(Some(r0)) = &r[0] else { panic!("{r:?}") };
        assert_eq!(r0.lines, 3);
        assert_eq!(r0.text, "mx.example Hello PIPELINING STARTTLS");
    }

    #[test]
    fn split_across_reads() {
        let mut p = ReplyParser::new();
        p.feed(b"550 5.1");
        assert_eq!(p.next_reply(), Ok(None));
        p.feed(b".1 <x@y>: Recipient address rejected\r\n");
        let r = p.next_reply().unwrap().unwrap();
        assert!(r.is_permanent());
        assert_eq!(r.enhanced.unwrap().to_string(), "5.1.1");
    }

    #[test]
    fn malformed_and_hostile() {
        assert!(matches!(
            parse_all(b"hello\r\n")[0],
            Err(ReplyError::Malformed(_))
        ));
        assert!(matches!(
            parse_all(b"250-a\r\n550 b\r\n")[0],
            Err(ReplyError::MixedCodes)
        ));
        let long = vec![b'a'; MAX_LINE_BYTES + 10];
        assert!(matches!(parse_all(&long)[0], Err(ReplyError::LineTooLong)));
        // control characters never reach the text
        let r = parse_all(b"421 4.3.2 \x1b[31mbusy\x07\r\n");
        let Ok(Some(r0)) = &r[0] else { panic!() };
        assert!(!r0.text.chars().any(char::is_control));
        assert!(r0.is_transient());
    }
}
