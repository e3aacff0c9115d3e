//! The duplicate-detection table of `clean`: which key hashes were seen, and on which row.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher as FxBuild;

/// A 128-bit key hash as two `u64`s.
pub(crate) type Key = (u64, u64);

/// Keys seen so far with the row of their first occurrence: an open-addressing table (linear
/// probing, at most 3/4 full) of 16-byte slots holding the first 96 bits of the key hash and a
/// 32-bit row number (among a million keys, two sharing 96 bits is about as likely as one in
/// 10^16). Half the memory of a general hash map of full keys and 64-bit rows, and one cache
/// miss per new key. Rows past `u32::MAX` go to a general map.
pub(crate) struct Seen {
    /// `(key.0, low 32 bits of key.1, row)`; row 0 marks an empty slot (rows count from 1).
    slots: Vec<(u64, u32, u32)>,
    len: usize,
    big: HashMap<Key, u64, FxBuild>,
}

impl Seen {
    /// A table sized for about `expect` distinct keys (it grows beyond). The number of slots
    /// need not be a power of two (slot = the key's high bits scaled to the table), so the
    /// table is no bigger than the 3/4 load needs: memory first touched costs time here.
    pub(crate) fn with_capacity(expect: usize) -> Seen {
        let slots = expect.max(1024) * 4 / 3 + 1;
        Seen {
            slots: vec![(0, 0, 0); slots],
            len: 0,
            big: HashMap::default(),
        }
    }

    /// Distinct keys seen.
    pub(crate) fn len(&self) -> usize {
        self.len + self.big.len()
    }

    /// Whether no key was seen.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Touch the slots of `keys` ahead of [`Seen::first_row`] (independent loads, so their
    /// cache misses overlap instead of being paid one after another).
    pub(crate) fn warm(&self, keys: impl Iterator<Item = Key>) {
        let mut sink = 0u32;
        for k in keys {
            sink ^= self.slots[self.home(k)].2;
        }
        std::hint::black_box(sink);
    }

    /// The first row with `key`, or `None` after recording `row` (1-based) as its first.
    pub(crate) fn first_row(&mut self, key: Key, row: u64) -> Option<u64> {
        if let Some(r) = self.find(key) {
            return Some(r);
        }
        match u32::try_from(row) {
            Ok(r) if r > 0 => {
                self.insert(key, r);
                None
            }
            _ => match self.big.entry(key) {
                std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(row);
                    None
                }
            },
        }
    }

    /// The first slot to probe for `key`.
    fn home(&self, key: Key) -> usize {
        ((u128::from(key.0) * self.slots.len() as u128) >> 64) as usize
    }

    fn find(&self, key: Key) -> Option<u64> {
        let mut i = self.home(key);
        loop {
            let (a, b, r) = self.slots[i];
            if r == 0 {
                return None;
            }
            if a == key.0 && b == key.1 as u32 {
                return Some(u64::from(r));
            }
            i += 1;
            if i == self.slots.len() {
                i = 0;
            }
        }
    }

    fn insert(&mut self, key: Key, row: u32) {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            let bigger = vec![(0, 0, 0); self.slots.len() * 2];
            let old = std::mem::replace(&mut self.slots, bigger);
            self.len = 0;
            for (a, b, r) in old {
                if r != 0 {
                    self.insert((a, u64::from(b)), r);
                }
            }
        }
        let mut i = self.home(key);
        while self.slots[i].2 != 0 {
            i += 1;
            if i == self.slots.len() {
                i = 0;
            }
        }
        self.slots[i] = (key.0, key.1 as u32, row);
        self.len += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_rows_across_growth_and_big_rows() {
        let mut s = Seen::with_capacity(10);
        let key = |i: u64| crate::key_hash::hash128(&i.to_le_bytes());
        for i in 1..=5000u64 {
            assert_eq!(s.first_row(key(i), i), None);
        }
        assert_eq!(s.len(), 5000);
        for i in 1..=5000u64 {
            assert_eq!(s.first_row(key(i), 10_000 + i), Some(i));
        }
        // Rows beyond 32 bits.
        let far = u64::from(u32::MAX) + 7;
        assert_eq!(s.first_row(key(9_999_999), far), None);
        assert_eq!(s.first_row(key(9_999_999), far + 1), Some(far));
        assert_eq!(s.first_row(key(3), far + 2), Some(3));
        assert_eq!(s.len(), 5001);
        // Keys that differ only beyond the first 96 bits count as one (documented).
        let mut t = Seen::with_capacity(1);
        assert_eq!(t.first_row((1, 2), 1), None);
        assert_eq!(t.first_row((1, 2 | (1 << 40)), 2), Some(1));
        assert!(!t.is_empty());
    }
}
