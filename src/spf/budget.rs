//! The processing limits of RFC 7208 section 4.6.4: at most 10 mechanisms and modifiers that
//! cause DNS lookups (`include`, `a`, `mx`, `ptr`, `exists`, `redirect`) per check, at most 2
//! void lookups (NXDOMAIN or an empty answer), at most 10 MX hosts per `mx` and 10 PTR names
//! per `ptr` or `%{p}`.

/// Terms that cause DNS lookups, per check.
pub const MAX_LOOKUPS: u32 = 10;
/// Void lookups, per check.
pub const MAX_VOID: u32 = 2;
/// MX hosts resolved per `mx` mechanism (more is a permerror).
pub const MAX_MX: usize = 10;
/// PTR names considered per `ptr` mechanism or `%{p}` macro (the rest are ignored).
pub const MAX_PTR: usize = 10;

/// What has been spent so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Budget {
    /// Terms that caused DNS lookups.
    pub lookups: u32,
    /// Void lookups.
    pub voids: u32,
}

impl Budget {
    /// Count one lookup term; `Err` with the new count when over the limit.
    pub fn spend_lookup(&mut self) -> Result<u32, u32> {
        self.lookups += 1;
        if self.lookups > MAX_LOOKUPS {
            Err(self.lookups)
        } else {
            Ok(self.lookups)
        }
    }

    /// Count one void lookup; `Err` with the new count when over the limit.
    pub fn spend_void(&mut self) -> Result<u32, u32> {
        self.voids += 1;
        if self.voids > MAX_VOID {
            Err(self.voids)
        } else {
            Ok(self.voids)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_lookup_and_third_void_are_over() {
        let mut b = Budget::default();
        for i in 1..=10 {
            assert_eq!(b.spend_lookup(), Ok(i));
        }
        assert_eq!(b.spend_lookup(), Err(11));
        assert_eq!(b.spend_void(), Ok(1));
        assert_eq!(b.spend_void(), Ok(2));
        assert_eq!(b.spend_void(), Err(3));
    }
}
