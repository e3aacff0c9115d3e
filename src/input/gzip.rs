//! Transparent gunzip: the one place that tells gzip input by its magic bytes and puts the
//! decoder in front of it.

use std::io::{self, BufRead};

use flate2::bufread::MultiGzDecoder;

/// Whether `head` starts with the gzip magic bytes (`1f 8b`).
#[inline]
pub fn is_gzip(head: &[u8]) -> bool {
    head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b
}

/// A buffered input as it is, or gunzipped (every member of a multi-member file).
pub enum MaybeGzip<R> {
    /// Not gzip: the input itself, nothing consumed.
    Plain(R),
    /// Gzip: the decompressed stream (boxed: the decoder's state is large).
    Gzip(Box<MultiGzDecoder<R>>),
}

/// Look at the first buffered bytes of `r` (without consuming them) and put a gzip decoder in
/// front of it when they are the gzip magic bytes.
pub fn gunzip<R: BufRead>(mut r: R) -> io::Result<MaybeGzip<R>> {
    let gz = is_gzip(r.fill_buf()?);
    Ok(if gz {
        MaybeGzip::Gzip(Box::new(MultiGzDecoder::new(r)))
    } else {
        MaybeGzip::Plain(r)
    })
}
