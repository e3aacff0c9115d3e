//! A table of small per-domain facts shared by all worker threads without locks: insert-only
//! open addressing over pairs of atomic words, of fixed size. When it is 3/4 full, later
//! domains are simply not shared (each thread then keeps its own, as before).
//!
//! A slot is two words: the first is the key's first half (never zero), claimed with a
//! compare-and-swap; the second holds the key's second half in its upper 48 bits and the
//! 16-bit value below, written once after the claim. A reader that finds a claimed slot whose
//! second word is not written yet treats the key as absent (and computes the facts itself).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Low bits of the second word that hold the value.
const VALUE_BITS: u32 = 16;
const VALUE_MASK: u64 = (1 << VALUE_BITS) - 1;

/// A fixed-size, insert-only map from 128-bit hashes to 15-bit values, safe to share between
/// threads. Keys keep 111 of their 128 bits (63 + 48), so two domains among a million collide
/// with a chance of about 10^-21.
pub(super) struct SharedTable {
    slots: Box<[(AtomicU64, AtomicU64)]>,
    len: AtomicUsize,
}

impl SharedTable {
    /// A table of `slots` slots (a power of two).
    pub(super) fn new(slots: usize) -> SharedTable {
        assert!(slots.is_power_of_two());
        SharedTable {
            slots: std::iter::repeat_with(|| (AtomicU64::new(0), AtomicU64::new(0)))
                .take(slots)
                .collect(),
            len: AtomicUsize::new(0),
        }
    }

    /// The two words a key is stored as (the value bits of the second are zero).
    fn words(key: (u64, u64)) -> (u64, u64) {
        (key.0 | 1, key.1 & !VALUE_MASK)
    }

    /// The value stored for `key`, if any (and fully written).
    pub(super) fn get(&self, key: (u64, u64)) -> Option<u16> {
        let (k0, k1) = Self::words(key);
        let mask = self.slots.len() - 1;
        let mut i = (key.0 >> 32) as usize & mask;
        loop {
            let (w0, w1) = &self.slots[i];
            match w0.load(Ordering::Acquire) {
                0 => return None,
                w if w == k0 => {
                    let v = w1.load(Ordering::Acquire);
                    if v == 0 {
                        return None;
                    }
                    if v & !VALUE_MASK == k1 {
                        return Some((v & VALUE_MASK) as u16 & 0x7fff);
                    }
                }
                _ => {}
            }
            i = (i + 1) & mask;
        }
    }

    /// Store `value` (15 bits) for `key`, unless the key is already there or the table is
    /// 3/4 full. The first value stored for a key stays.
    pub(super) fn put(&self, key: (u64, u64), value: u16) {
        if self.len.load(Ordering::Relaxed) * 4 >= self.slots.len() * 3 {
            return;
        }
        let (k0, k1) = Self::words(key);
        // The top value bit marks the second word as written (it is never zero then).
        let word1 = k1 | u64::from(value & 0x7fff) | 0x8000;
        let mask = self.slots.len() - 1;
        let mut i = (key.0 >> 32) as usize & mask;
        loop {
            let (w0, w1) = &self.slots[i];
            let mut cur = w0.load(Ordering::Acquire);
            if cur == 0 {
                match w0.compare_exchange(0, k0, Ordering::AcqRel, Ordering::Acquire) {
                    Ok(_) => {
                        w1.store(word1, Ordering::Release);
                        self.len.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    Err(now) => cur = now,
                }
            }
            if cur == k0 {
                let v = w1.load(Ordering::Acquire);
                // Being written (most likely the same key by another thread), or this key.
                if v == 0 || v & !VALUE_MASK == k1 {
                    return;
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// How many keys are stored.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_keys_apart_and_stops_at_three_quarters() {
        let t = SharedTable::new(1 << 10);
        let key = |i: u64| {
            let h = crate::key_hash::hash128(&i.to_le_bytes());
            (h.0, h.1)
        };
        for i in 0..2000u64 {
            t.put(key(i), (i % 0x7fff) as u16);
        }
        assert_eq!(t.len(), 768);
        for i in 0..768u64 {
            assert_eq!(t.get(key(i)), Some((i % 0x7fff) as u16), "{i}");
        }
        for i in 768..2000u64 {
            assert_eq!(t.get(key(i)), None, "{i}");
        }
        // The first value stays; keys equal in the first word only are told apart.
        t.put(key(5), 77);
        assert_eq!(t.get(key(5)), Some(5));
        let (a, b) = key(1);
        assert_eq!(t.get((a, b ^ (1 << 40))), None);
    }

    #[test]
    fn threads_agree() {
        let t = SharedTable::new(1 << 12);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    for i in 0..3000u64 {
                        let h = crate::key_hash::hash128(&i.to_le_bytes());
                        t.put(h, (i & 0x7fff) as u16);
                        if let Some(v) = t.get(h) {
                            assert_eq!(v, (i & 0x7fff) as u16);
                        }
                    }
                });
            }
        });
        assert_eq!(t.len(), 3000);
        for i in 0..3000u64 {
            let h = crate::key_hash::hash128(&i.to_le_bytes());
            assert_eq!(t.get(h), Some((i & 0x7fff) as u16));
        }
    }
}
