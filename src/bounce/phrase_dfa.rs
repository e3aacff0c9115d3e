//! A multi-phrase automaton (Aho-Corasick as a DFA) for the heads of the pattern table, built
//! in one breadth-first pass: each missing transition is copied from the state's failure state,
//! which is already complete. The crate's DFA builder follows failure chains for every
//! transition and cost more to build (once per process) than the scans it serves.

/// The automaton: a dense transition table over byte classes, every state complete.
pub(crate) struct PhraseDfa {
    /// Byte to class (0: a byte in no phrase, unless every byte is in one).
    class: [u8; 256],
    /// `1 << stride2` slots per state; an entry is the next state's first slot, with bit 0 set
    /// when a phrase ends in it.
    trans: Vec<u32>,
    stride2: u32,
    /// For each state (by index): the phrases that end in it (ids in the order given).
    matches: Vec<Vec<u32>>,
}

impl PhraseDfa {
    /// Build over `phrases` (none empty; ids are positions).
    pub(crate) fn new(phrases: &[Vec<u8>]) -> PhraseDfa {
        let mut used = [false; 256];
        for p in phrases {
            for &b in p {
                used[usize::from(b)] = true;
            }
        }
        let mut class = [0u8; 256];
        let mut classes = 1usize;
        if used.iter().all(|&u| u) {
            // (no byte outside the phrases: a class of its own for every byte)
            classes = 0;
        }
        for (b, _) in used.iter().enumerate().filter(|(_, u)| **u) {
            class[b] = classes as u8;
            classes += 1;
        }
        let stride2 = classes.next_power_of_two().trailing_zeros().max(1);
        let stride = 1usize << stride2;
        const NONE: u32 = u32::MAX;
        // the trie
        let mut trans: Vec<u32> = vec![NONE; stride];
        let mut matches: Vec<Vec<u32>> = vec![Vec::new()];
        for (id, p) in phrases.iter().enumerate() {
            let mut s = 0usize;
            for &b in p {
                let slot = (s << stride2) + usize::from(class[usize::from(b)]);
                if trans[slot] == NONE {
                    let n = matches.len();
                    trans[slot] = (n << stride2) as u32;
                    trans.extend(std::iter::repeat_n(NONE, stride));
                    matches.push(Vec::new());
                }
                s = (trans[slot] >> stride2) as usize;
            }
            matches[s].push(id as u32);
        }
        // failure links, breadth first: a state's failure state is shallower, so complete
        let states = matches.len();
        let mut fail = vec![0usize; states];
        let mut queue = std::collections::VecDeque::new();
        for t in trans.iter_mut().take(classes) {
            if *t == NONE {
                *t = 0;
            } else {
                let child = (*t >> stride2) as usize;
                fail[child] = 0;
                queue.push_back(child);
            }
        }
        while let Some(s) = queue.pop_front() {
            let f = fail[s];
            for c in 0..classes {
                let slot = (s << stride2) + c;
                let via_fail = trans[(f << stride2) + c] >> stride2 << stride2;
                if trans[slot] == NONE {
                    trans[slot] = via_fail;
                } else {
                    let child = (trans[slot] >> stride2) as usize;
                    fail[child] = (via_fail >> stride2) as usize;
                    queue.push_back(child);
                }
            }
            // the phrases of the failure state end here too (after this state's own)
            if !matches[f].is_empty() {
                let inherited = matches[f].clone();
                matches[s].extend(inherited);
            }
        }
        // the match flag on every transition into a match state
        for t in trans.iter_mut() {
            if *t == NONE {
                // (the padding slots past the last class)
                *t = 0;
            } else if !matches[(*t >> stride2) as usize].is_empty() {
                *t |= 1;
            }
        }
        PhraseDfa {
            class,
            trans,
            stride2,
            matches,
        }
    }

    /// The start state.
    pub(crate) fn start(&self) -> u32 {
        0
    }

    /// The state after `b`; bit 0 set when a phrase ends with `b` (see
    /// [`PhraseDfa::matched`]).
    #[inline]
    pub(crate) fn step(&self, state: u32, b: u8) -> u32 {
        self.trans[(state & !1) as usize + usize::from(self.class[usize::from(b)])]
    }

    /// The ids of the phrases that end in `state`.
    pub(crate) fn matched(&self, state: u32) -> &[u32] {
        &self.matches[(state >> self.stride2) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The earliest end of each phrase, by the automaton and by a plain search.
    fn earliest_ends(phrases: &[Vec<u8>], hay: &[u8]) -> (Vec<Option<usize>>, Vec<Option<usize>>) {
        let dfa = PhraseDfa::new(phrases);
        let mut got = vec![None; phrases.len()];
        let mut s = dfa.start();
        for (at, &b) in hay.iter().enumerate() {
            s = dfa.step(s, b);
            if s & 1 == 1 {
                for &k in dfa.matched(s) {
                    got[k as usize].get_or_insert(at + 1);
                }
            } else {
                assert!(dfa.matched(s).is_empty());
            }
        }
        let want = phrases
            .iter()
            .map(|p| {
                hay.windows(p.len())
                    .position(|w| w == &p[..])
                    .map(|i| i + p.len())
            })
            .collect();
        (got, want)
    }

    #[test]
    fn finds_overlapping_and_nested_phrases() {
        let phrases: Vec<Vec<u8>> = ["he", "she", "his", "hers", "user unknown", "unknown", "é"]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        let (got, want) = earliest_ends(&phrases, "ushers: user unknown héé".as_bytes());
        assert_eq!(got, want);
        assert_eq!(got[1], Some(4));
        assert_eq!(got[2], None);
    }

    /// Phrases over every byte value: each byte a class of its own, none left for "other".
    #[test]
    fn phrases_over_every_byte() {
        let mut phrases: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b, b]).collect();
        phrases.push(b"ab\xffz".to_vec());
        let hay: Vec<u8> = (0..=255u8).chain([7, 7]).chain(*b"xab\xffz").collect();
        let (got, want) = earliest_ends(&phrases, &hay);
        assert_eq!(got, want);
        assert_eq!(got[256], Some(hay.len()));
    }

    proptest::proptest! {
        #[test]
        fn earliest_ends_agree_with_a_plain_search(
            phrases in proptest::collection::vec("[abc ]{1,6}", 1..12),
            hay in "[abcd ]{0,80}",
        ) {
            let phrases: Vec<Vec<u8>> = phrases.iter().map(|s| s.as_bytes().to_vec()).collect();
            let (got, want) = earliest_ends(&phrases, hay.as_bytes());
            proptest::prop_assert_eq!(got, want);
        }
    }
}
