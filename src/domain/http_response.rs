//! A sans-IO HTTP/1.1 response parser for the MTA-STS policy fetch: feed it bytes as they
//! arrive; it reads the status line, the headers and a body delimited by `Content-Length`,
//! chunked transfer coding, or the end of the connection, within a size limit.

/// A complete response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Response {
    /// The status code.
    pub(crate) status: u16,
    /// Header names (lower case) and values, in order.
    pub(crate) headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (lower case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a response could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum HttpError {
    /// The head or body is not HTTP/1.x.
    #[error("malformed HTTP response: {0}")]
    Malformed(&'static str),
    /// More than the limit.
    #[error("response larger than {0} bytes")]
    TooLarge(usize),
    /// The connection ended before the response did.
    #[error("connection closed before the response was complete")]
    Truncated,
}

/// The parser: bytes in, a response out.
pub(crate) struct ResponseParser {
    buf: Vec<u8>,
    limit: usize,
}

impl ResponseParser {
    /// A parser that refuses responses longer than `limit` bytes (head and body).
    pub(crate) fn new(limit: usize) -> ResponseParser {
        ResponseParser {
            buf: Vec::new(),
            limit,
        }
    }

    /// Add bytes; `Ok(Some)` once the response is complete.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Result<Option<Response>, HttpError> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() > self.limit {
            return Err(HttpError::TooLarge(self.limit));
        }
        self.parse(false)
    }

    /// The connection closed: the response as far as it goes (a body without length ends here).
    pub(crate) fn finish(&mut self) -> Result<Response, HttpError> {
        self.parse(true)?.ok_or(HttpError::Truncated)
    }

    fn parse(&self, eof: bool) -> Result<Option<Response>, HttpError> {
        let Some(end) = find(&self.buf, b"\r\n\r\n") else {
            return if eof {
                Err(HttpError::Truncated)
            } else {
                Ok(None)
            };
        };
        let head = std::str::from_utf8(&self.buf[..end])
            .map_err(|_| HttpError::Malformed("head is not text"))?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or("");
        if !version.starts_with("HTTP/1.") {
            return Err(HttpError::Malformed("not an HTTP/1.x status line"));
        }
        let status = parts
            .next()
            .filter(|c| c.len() == 3)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or(HttpError::Malformed("bad status code"))?;
        let mut headers = Vec::new();
        for line in lines {
            let (n, v) = line
                .split_once(':')
                .ok_or(HttpError::Malformed("header line without ':'"))?;
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
        let mut r = Response {
            status,
            headers,
            body: Vec::new(),
        };
        let rest = &self.buf[end + 4..];
        let chunked = r
            .header("transfer-encoding")
            .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
        if chunked {
            return match dechunk(rest)? {
                Some(body) => {
                    r.body = body;
                    Ok(Some(r))
                }
                None if eof => Err(HttpError::Truncated),
                None => Ok(None),
            };
        }
        if let Some(len) = r.header("content-length") {
            let len: usize = len
                .parse()
                .map_err(|_| HttpError::Malformed("bad Content-Length"))?;
            if rest.len() >= len {
                r.body = rest[..len].to_vec();
                return Ok(Some(r));
            }
            return if eof {
                Err(HttpError::Truncated)
            } else {
                Ok(None)
            };
        }
        if status == 204 || status == 304 || (100..200).contains(&status) {
            return Ok(Some(r));
        }
        if eof {
            r.body = rest.to_vec();
            Ok(Some(r))
        } else {
            Ok(None)
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The de-chunked body, `None` when more bytes are needed.
fn dechunk(mut rest: &[u8]) -> Result<Option<Vec<u8>>, HttpError> {
    let mut body = Vec::new();
    loop {
        let Some(eol) = find(rest, b"\r\n") else {
            return Ok(None);
        };
        let size_text = std::str::from_utf8(&rest[..eol])
            .map_err(|_| HttpError::Malformed("bad chunk size"))?;
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| HttpError::Malformed("bad chunk size"))?;
        rest = &rest[eol + 2..];
        if size == 0 {
            return Ok(Some(body));
        }
        if rest.len() < size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_length_bodies_in_pieces() {
        let mut p = ResponseParser::new(1000);
        assert_eq!(
            p.feed(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConte"),
            Ok(None)
        );
        assert_eq!(p.feed(b"nt-Length: 5\r\n\r\nab"), Ok(None));
        let r = p.feed(b"cde").unwrap().unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"abcde"[..]));
        assert_eq!(r.header("content-type"), Some("text/plain"));
    }

    #[test]
    fn chunked_and_close_delimited_bodies() {
        let mut p = ResponseParser::new(1000);
        let r = p
            .feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(r.body, b"abcde");
        let mut p = ResponseParser::new(1000);
        assert_eq!(p.feed(b"HTTP/1.0 404 Not Found\r\n\r\nnope"), Ok(None));
        let r = p.finish().unwrap();
        assert_eq!((r.status, r.body.as_slice()), (404, &b"nope"[..]));
    }

    #[test]
    fn bad_truncated_and_oversized_responses() {
        assert!(matches!(
            ResponseParser::new(100).feed(b"SSH-2.0-OpenSSH\r\n\r\n"),
            Err(HttpError::Malformed(_))
        ));
        let mut p = ResponseParser::new(100);
        p.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort")
            .unwrap();
        assert_eq!(p.finish(), Err(HttpError::Truncated));
        assert_eq!(
            ResponseParser::new(10).feed(b"HTTP/1.1 200 OK\r\n\r\n"),
            Err(HttpError::TooLarge(10))
        );
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let mut p = ResponseParser::new(10_000);
            let _ = p.feed(&bytes);
            let _ = p.finish();
        }
    }
}
