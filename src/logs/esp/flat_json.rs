//! A fast reader for the common shape of an event record: one flat JSON object whose values
//! are strings without escapes, plain unsigned integers, `true` / `false` / `null`, or arrays
//! of those. Anything else (escapes, nested objects, fractions, exponents, signs, control
//! characters, trailing text) makes it give up, and the caller reads the record with serde as
//! before: so it accepts only what serde accepts, and reads it the same way.

/// One value of a flat record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Flat<'a> {
    /// A string (no escapes: the text as written).
    Str(&'a str),
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A plain unsigned integer that fits in a `u64`.
    UInt(u64),
    /// An array: its last string, if any.
    Array(Option<&'a str>),
}

/// Read a flat object, calling `f` for every key and value in order; `false` from `f` gives up.
/// `None`: the record is not of the simple shape (or `f` gave up).
pub(crate) fn read_flat<'a>(
    json: &'a str,
    mut f: impl FnMut(&'a str, Flat<'a>) -> bool,
) -> Option<()> {
    let mut r = Reader {
        s: json,
        b: json.as_bytes(),
        i: 0,
    };
    r.ws();
    r.eat(b'{')?;
    r.ws();
    if r.peek() == Some(b'}') {
        r.i += 1;
    } else {
        loop {
            let key = r.string()?;
            r.ws();
            r.eat(b':')?;
            r.ws();
            let v = match r.peek()? {
                b'[' => {
                    r.i += 1;
                    let mut last = None;
                    r.ws();
                    if r.peek() == Some(b']') {
                        r.i += 1;
                    } else {
                        loop {
                            if let Flat::Str(s) = r.scalar()? {
                                last = Some(s);
                            }
                            r.ws();
                            match r.next()? {
                                b',' => r.ws(),
                                b']' => break,
                                _ => return None,
                            }
                        }
                    }
                    Flat::Array(last)
                }
                _ => r.scalar()?,
            };
            if !f(key, v) {
                return None;
            }
            r.ws();
            match r.next()? {
                b',' => r.ws(),
                b'}' => break,
                _ => return None,
            }
        }
    }
    r.ws();
    (r.i == r.b.len()).then_some(())
}

struct Reader<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// A string without escapes or control characters.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        let b = self.b;
        let mut i = start;
        // eight bytes at a time: stop at a word holding `"`, `\\` or a control character
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
        while let Some(w) = b.get(i..i + 8) {
            let x = u64::from_le_bytes(w.try_into().ok()?);
            let hit = zero(x ^ (ONES * b'"' as u64))
                | zero(x ^ (ONES * b'\\' as u64))
                | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
            if hit != 0 {
                // the lowest flagged byte is a true hit (false flags only follow a true one)
                i += hit.trailing_zeros() as usize / 8;
                break;
            }
            i += 8;
        }
        loop {
            match *b.get(i)? {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                _ => i += 1,
            }
        }
        self.i = i + 1;
        // quotes are ASCII: both ends are character boundaries
        self.s.get(start..i)
    }

    fn scalar(&mut self) -> Option<Flat<'a>> {
        match self.peek()? {
            b'"' => self.string().map(Flat::Str),
            b'n' => self.word(b"null", Flat::Null),
            b't' => self.word(b"true", Flat::Bool(true)),
            b'f' => self.word(b"false", Flat::Bool(false)),
            b'0'..=b'9' => {
                let start = self.i;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
                let digits = &self.s[start..self.i];
                if digits.len() > 1 && digits.starts_with('0') {
                    return None;
                }
                // a fraction or exponent follows: not plain
                if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
                    return None;
                }
                digits.parse().ok().map(Flat::UInt)
            }
            _ => None,
        }
    }

    fn word(&mut self, w: &[u8], v: Flat<'a>) -> Option<Flat<'a>> {
        if self.b[self.i..].starts_with(w) {
            self.i += w.len();
            Some(v)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Option<Vec<(&str, Flat<'_>)>> {
        let mut v = Vec::new();
        read_flat(s, |k, x| {
            v.push((k, x));
            true
        })?;
        Some(v)
    }

    #[test]
    fn flat_records_and_what_falls_back() {
        assert_eq!(
            read(r#" {"a":"x", "b" : 12,"c":[1,"p","q",null],"d":null,"e":true,"f":[]} "#),
            Some(vec![
                ("a", Flat::Str("x")),
                ("b", Flat::UInt(12)),
                ("c", Flat::Array(Some("q"))),
                ("d", Flat::Null),
                ("e", Flat::Bool(true)),
                ("f", Flat::Array(None)),
            ])
        );
        assert_eq!(read("{}"), Some(vec![]));
        for s in [
            r#"{"a":"x\"y"}"#,
            r#"{"a\n":1}"#,
            "{\"a\":\"x\u{1}\"}",
            r#"{"a":1.5}"#,
            r#"{"a":1e3}"#,
            r#"{"a":-1}"#,
            r#"{"a":01}"#,
            r#"{"a":{"b":1}}"#,
            r#"{"a":[[1]]}"#,
            r#"{"a":1} x"#,
            r#"{"a":1,}"#,
            r#"{"a":nul}"#,
            r#"{"a":truex}"#,
            r#"{"a":99999999999999999999}"#,
            r#"{"a" 1}"#,
            r#"["a"]"#,
            r#"{"a":"x""#,
            "",
        ] {
            assert_eq!(read(s), None, "{s}");
        }
    }
}
