//! Searches shared by the decoders and the pre-pass: needles known at compile time
//! (searchers built once) and an ASCII case-insensitive find without a lowercase copy.

/// `memchr::memmem::find` with a needle known at compile time: the searcher is built once
/// (building one per call costs more than the search in the short header sections scanned).
macro_rules! find_lit {
    ($hay:expr, $needle:literal) => {{
        static F: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new($needle));
        F.find($hay)
    }};
}

/// Whether a needle known at compile time occurs exactly once in `$hay` (the needles used have
/// no overlapping occurrences: the same as `find_iter(..).count() == 1`).
macro_rules! once_lit {
    ($hay:expr, $needle:literal) => {{
        let h: &[u8] = $hay;
        find_lit!(h, $needle).is_some_and(|k| find_lit!(&h[k + 1..], $needle).is_none())
    }};
}

/// The rest of the line after the first occurrence of a field name known at compile time (in
/// a lowercased header section), or `None`.
macro_rules! field_line {
    ($head:expr, $name:literal) => {{
        let h: &[u8] = $head;
        find_lit!(h, $name).map(|k| {
            let v = &h[k + $name.len()..];
            &v[..memchr::memchr(b'\n', v).unwrap_or(v.len())]
        })
    }};
}

/// Where `needle` (lowercase ASCII) first occurs in `hay`, ignoring ASCII case (the same
/// position as a search in `hay.to_ascii_lowercase()`, without the copy).
pub(super) fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(k) = memchr::memchr2(first, first.to_ascii_uppercase(), &hay[from..]) {
        let i = from + k;
        let tail = hay.get(i + 1..i + needle.len())?;
        if tail.eq_ignore_ascii_case(rest) {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

#[cfg(test)]
mod tests {

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]
        #[test]
        fn once_lit_is_one_match(hay in "(content-type|content-transfer-encoding|content|-|type|x){0,12}") {
            let count = |n: &str| memchr::memmem::find_iter(hay.as_bytes(), n).count() == 1;
            proptest::prop_assert_eq!(once_lit!(hay.as_bytes(), b"content-type"), count("content-type"));
            proptest::prop_assert_eq!(
                once_lit!(hay.as_bytes(), b"content-transfer-encoding"),
                count("content-transfer-encoding")
            );
        }
    }
}
