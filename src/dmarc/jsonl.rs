//! JSON Lines: one object per report (`kind`, `file`, `org_name`, `report_id`,
//! `policy_domain`, `begin`, `end`, `records`, `totals`, then `schema`, `email`, `policy`,
//! `errors`) and one per unusable input (`file`, `problem`, `detail`), in input order.

use std::io::{self, Write};

use super::report::Item;

/// Write every item as one line.
pub fn write_jsonl(items: &[Item], mut w: impl Write) -> io::Result<()> {
    for item in items {
        write_jsonl_item(item, &mut w)?;
    }
    w.flush()
}

/// Write one item as one line (no flush).
pub fn write_jsonl_item(item: &Item, mut w: impl Write) -> io::Result<()> {
    match item {
        Item::Report(r) => serde_json::to_writer(&mut w, r)?,
        Item::Problem(p) => serde_json::to_writer(&mut w, p)?,
    }
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dmarc::report::{ProblemKind, problem};

    #[test]
    fn problem_shape() {
        let mut out = Vec::new();
        write_jsonl(
            &[problem("a.gz", ProblemKind::Corrupt, "gzip: truncated")],
            &mut out,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"file\":\"a.gz\",\"problem\":\"corrupt\",\"detail\":\"gzip: truncated\"}\n"
        );
    }
}
