//! Test inputs: deterministic pseudo-random sequences for comparing a fast scan with a plain
//! reference.

/// Every length from 0 to `max_len - 1`, `per_len` sequences each, of mostly `filler` with
/// about one item in `one_in` drawn from `pick` (xorshift from `seed`, so runs repeat).
pub(crate) fn mostly<T: Copy>(
    seed: u64,
    max_len: usize,
    per_len: usize,
    one_in: u64,
    pick: &[T],
    filler: T,
) -> Vec<Vec<T>> {
    let mut x = seed.max(1);
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out = Vec::with_capacity(max_len * per_len);
    for len in 0..max_len {
        for _ in 0..per_len {
            out.push(
                (0..len)
                    .map(|_| {
                        let r = next();
                        if r.is_multiple_of(one_in) {
                            pick[(r >> 8) as usize % pick.len()]
                        } else {
                            filler
                        }
                    })
                    .collect(),
            );
        }
    }
    out
}
