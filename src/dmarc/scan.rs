//! The fast path for ordinary report XML: a hand-written scanner into a flat element tree
//! (one allocation per document, names and text borrowed from it). It reads only the plain
//! subset reporters write (elements, attributes, text, a leading `<?xml ...?>`) and gives up,
//! returning `None`, on anything else: comments, CDATA, entity or character references, a
//! DOCTYPE, mixed content, odd tag syntax, over-deep nesting, any error. The caller then reads
//! the document with the element tree of `xml`, which gives the same result for every
//! document this scanner accepts and the reasons for every one it refuses.

use super::xml::Node;

/// Deepest element nesting read here (as in `xml`).
const MAX_DEPTH: usize = 64;
/// Most elements read here (as in `xml`).
const MAX_ELEMENTS: usize = 5_000_000;
/// No node.
const NONE: u32 = u32::MAX;

/// A document's elements in document order.
#[derive(Debug)]
pub(crate) struct Flat<'a> {
    nodes: Vec<Raw<'a>>,
    attrs: Vec<(&'a str, &'a str)>,
}

#[derive(Debug, Clone, Copy)]
struct Raw<'a> {
    /// Local name.
    name: &'a str,
    /// Text, trimmed.
    text: &'a str,
    /// Whether `text` is not empty (more text would have to be joined to it).
    solid: bool,
    /// Range in `Flat::attrs`.
    attrs: (u32, u32),
    first_child: u32,
    next_sibling: u32,
}

/// One element of a [`Flat`] tree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FlatNode<'t, 'a> {
    tree: &'t Flat<'a>,
    i: u32,
}

impl<'a> Flat<'a> {
    /// The root element.
    pub(crate) fn root(&self) -> FlatNode<'_, 'a> {
        FlatNode { tree: self, i: 0 }
    }
}

impl<'t, 'a: 't> FlatNode<'t, 'a> {
    fn raw(&self) -> &'t Raw<'a> {
        &self.tree.nodes[self.i as usize]
    }
}

impl<'t, 'a: 't> Node<'t> for FlatNode<'t, 'a> {
    fn name(self) -> &'t str {
        self.raw().name
    }

    fn text(self) -> &'t str {
        self.raw().text
    }

    fn attr(self, name: &str) -> Option<&'t str> {
        let (a, b) = self.raw().attrs;
        self.tree.attrs[a as usize..b as usize]
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
    }

    fn children(self) -> impl Iterator<Item = Self> {
        let tree = self.tree;
        let mut next = self.raw().first_child;
        std::iter::from_fn(move || {
            if next == NONE {
                return None;
            }
            let n = FlatNode { tree, i: next };
            next = tree.nodes[next as usize].next_sibling;
            Some(n)
        })
    }
}

/// Byte classes: XML white space, name characters (letters, digits, `_-.`), the colon.
const WS: u8 = 1;
const NAME: u8 = 2;
const COLON: u8 = 4;
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
            WS
        } else if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.') {
            NAME
        } else if b == b':' {
            NAME | COLON
        } else {
            0
        };
        c += 1;
    }
    t
};

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    loop {
        // runs of spaces (indentation) eight bytes at a time
        if let Some(chunk) = b.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let spaces = (u64::from_le_bytes(word) ^ 0x2020_2020_2020_2020).trailing_zeros() / 8;
            if spaces > 0 {
                i += spaces as usize;
                continue;
            }
        }
        if i < b.len() && CLASS[b[i] as usize] == WS {
            i += 1;
        } else {
            return i;
        }
    }
}

/// The end of a name starting at `i` (a letter or `_` first) and where its local part starts
/// (after the last colon), or `None`.
fn name_end(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let first = *b.get(i)?;
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return None;
    }
    let (mut j, mut local) = (i + 1, i);
    while j < b.len() {
        let c = CLASS[b[j] as usize];
        if c & NAME == 0 {
            break;
        }
        if c & COLON != 0 {
            local = j + 1;
        }
        j += 1;
    }
    Some((j, local))
}

/// An open element: its node, its last child so far, its qualified name.
struct Open<'a> {
    node: u32,
    last_child: u32,
    qname: &'a str,
}

/// Scan `text` into a flat tree, or `None` when it is not in the plain subset (see the module
/// comment).
pub(crate) fn parse(text: &str) -> Option<Flat<'_>> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    // prolog: processing instructions (the XML declaration) and white space
    while b[i..].starts_with(b"<?") {
        name_end(b, i + 2)?;
        i = memchr::memmem::find(&b[i + 2..], b"?>")? + i + 4;
        i = skip_ws(b, i);
    }
    let mut flat = Flat {
        nodes: Vec::with_capacity(b.len() / 40 + 4),
        attrs: Vec::new(),
    };
    let mut stack: Vec<Open> = Vec::with_capacity(16);
    loop {
        // at a '<'
        if b.get(i) != Some(&b'<') {
            return None;
        }
        if b.get(i + 1) == Some(&b'/') {
            let top = stack.pop()?;
            let q = top.qname.as_bytes();
            let after = i + 2 + q.len();
            if !(b[i + 2..].starts_with(q) && b.get(after) == Some(&b'>')) {
                return None;
            }
            i = after + 1;
        } else {
            let (n_end, l_start) = name_end(b, i + 1)?;
            let qname = &text[i + 1..n_end];
            let a_start = flat.attrs.len() as u32;
            let mut j = n_end;
            let empty = loop {
                let k = skip_ws(b, j);
                match b.get(k)? {
                    b'>' => {
                        j = k + 1;
                        break false;
                    }
                    b'/' if b.get(k + 1) == Some(&b'>') => {
                        j = k + 2;
                        break true;
                    }
                    _ if k > j => {
                        let (key_end, _) = name_end(b, k)?;
                        let e = skip_ws(b, key_end);
                        if b.get(e) != Some(&b'=') {
                            return None;
                        }
                        let q = skip_ws(b, e + 1);
                        let quote = *b.get(q)?;
                        if quote != b'"' && quote != b'\'' {
                            return None;
                        }
                        let len = memchr::memchr(quote, &b[q + 1..])?;
                        let value = &b[q + 1..q + 1 + len];
                        if memchr::memchr3(b'<', b'>', b'&', value).is_some() {
                            return None;
                        }
                        flat.attrs
                            .push((&text[k..key_end], &text[q + 1..q + 1 + len]));
                        j = q + 2 + len;
                    }
                    _ => return None,
                }
            };
            if stack.len() >= MAX_DEPTH || flat.nodes.len() >= MAX_ELEMENTS {
                return None;
            }
            let node = flat.nodes.len() as u32;
            flat.nodes.push(Raw {
                name: &text[l_start..n_end],
                text: "",
                solid: false,
                attrs: (a_start, flat.attrs.len() as u32),
                first_child: NONE,
                next_sibling: NONE,
            });
            match stack.last_mut() {
                Some(parent) => {
                    if parent.last_child == NONE {
                        flat.nodes[parent.node as usize].first_child = node;
                    } else {
                        flat.nodes[parent.last_child as usize].next_sibling = node;
                    }
                    parent.last_child = node;
                }
                // a second root is refused by the element tree, with its reason
                None if node != 0 => return None,
                None => {}
            }
            if !empty {
                stack.push(Open {
                    node,
                    last_child: NONE,
                    qname,
                });
            }
            i = j;
        }
        let Some(top) = stack.last() else {
            // the root is closed: only white space may follow
            return skip_ws(b, i).eq(&b.len()).then_some(flat);
        };
        // text up to the next tag: white space (most often, indentation), else found by memchr
        let mut k = skip_ws(b, i);
        let solid = b.get(k) != Some(&b'<');
        if solid {
            k = i + memchr::memchr2(b'<', b'&', &b[i..])?;
            if b[k] == b'&' {
                return None;
            }
        }
        if k > i {
            let piece = &text[i..k];
            let node = &mut flat.nodes[top.node as usize];
            // as the element tree joins text: white space so far is replaced, anything else
            // would be joined (mixed content: left to the element tree)
            if node.solid {
                return None;
            }
            // kept trimmed (as the element tree trims at the end tag); white space as ""
            node.text = if solid { trim(piece) } else { "" };
            node.solid = !node.text.is_empty();
            i = k;
        }
    }
}

/// `s.trim()`, quicker when the ends are ASCII (checked byte by byte; `str::trim` only when
/// a non-ASCII character is at an end).
pub(crate) fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let ws = |c: u8| matches!(c, b'\t'..=b'\r' | b' ');
    let mut i = 0;
    while i < b.len() && ws(b[i]) {
        i += 1;
    }
    let mut j = b.len();
    while j > i && ws(b[j - 1]) {
        j -= 1;
    }
    if (i < j) && (b[i] >= 0x80 || b[j - 1] >= 0x80) {
        return s.trim();
    }
    &s[i..j]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dmarc::xml;

    /// The flat tree equals the element tree, node for node.
    fn same<'t, A: Node<'t>, B: Node<'t>>(a: A, b: B) {
        assert_eq!(a.name(), b.name());
        assert_eq!(a.text(), b.text());
        for k in ["xmlns", "x", "y"] {
            assert_eq!(a.attr(k), b.attr(k));
        }
        let (ca, cb): (Vec<A>, Vec<B>) = (a.children().collect(), b.children().collect());
        assert_eq!(ca.len(), cb.len());
        for (x, y) in ca.into_iter().zip(cb) {
            same(x, y);
        }
    }

    #[test]
    fn accepted_as_the_element_tree_reads_them() {
        for doc in [
            "<?xml version=\"1.0\"?>\n<a xmlns=\"u\" x='1'><b> t </b><c/><b>2</b>\n</a>\n",
            "<p:a xmlns:p=\"u\"><p:b y = \"v\" >x&gt;</p:b></p:a>",
            "<a>\n <x/> one <x/>\n</a>",
            "<a><b><c><d>deep</d></c></b>  <e  /></a>",
            "<a>é ü</a>",
        ] {
            let tree = xml::parse(doc).unwrap();
            match parse(doc) {
                Some(flat) => same(flat.root(), &tree),
                None => assert!(doc.contains('&') || doc.contains("one")),
            }
        }
    }

    #[test]
    fn trim_as_str_trim() {
        for t in [
            "",
            " ",
            "a",
            " a ",
            "\t\n\x0b\x0c\r x y \r\n",
            "\u{a0}x\u{a0}",
            " \u{2003} ",
            "é",
            " é\u{85}",
            "x\u{3000}",
        ] {
            assert_eq!(trim(t), t.trim(), "{t:?}");
        }
    }

    #[test]
    fn refused_to_the_element_tree() {
        for doc in [
            "",
            "text",
            "<a>",
            "<a></b>",
            "<a></a><b/>",
            "<a></a>x",
            "<a><!-- c --></a>",
            "<a><![CDATA[x]]></a>",
            "<!DOCTYPE a><a/>",
            "<a>&amp;</a>",
            "<a x=\"&amp;\"/>",
            "<a x=1/>",
            "<a x=\"1\"y=\"2\"/>",
            "<a>x<b/>y</a>",
            "<a></a >",
            "<1a/>",
            "<a><?pi?></a>",
        ] {
            assert!(parse(doc).is_none(), "{doc}");
        }
        assert!(parse(&"<a>".repeat(70)).is_none());
    }
}
