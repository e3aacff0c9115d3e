//! Copies of one report (the same report sent twice, or kept as .xml, .xml.gz, .zip and inside
//! a message) reported once: the first in input order is kept, every later one becomes a
//! `duplicate` problem that names it. The key: kind, reporting organisation, report id, policy
//! domain, date range.

use rustc_hash::FxHashMap;

use super::report::{Item, Kind, Problem, ProblemKind};

type Key = (Kind, String, String, String, i64, i64);

/// The first file each report was read from, so that later copies can name it.
#[derive(Default)]
pub(crate) struct Dedupe {
    first: FxHashMap<Key, String>,
}

impl Dedupe {
    /// `item` itself, or a `duplicate` problem when it is a later copy of a report seen.
    pub(crate) fn check(&mut self, item: Item) -> Item {
        match item {
            Item::Report(r) => {
                let key = r.key();
                match self.first.get(&key) {
                    Some(f) => Item::Problem(Problem {
                        detail: format!(
                            "same report as {f} (org {:?}, report id {:?}, domain {:?}, {}..{})",
                            r.org_name, r.report_id, r.policy_domain, r.begin, r.end
                        ),
                        file: r.file,
                        problem: ProblemKind::Duplicate,
                    }),
                    None => {
                        self.first.insert(key, r.file.clone());
                        Item::Report(r)
                    }
                }
            }
            p => p,
        }
    }
}

/// Replace every later copy of a report by a `duplicate` problem.
#[cfg(test)]
pub(crate) fn dedupe(items: Vec<Item>) -> Vec<Item> {
    let mut d = Dedupe::default();
    items.into_iter().map(|i| d.check(i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dmarc::report::{Records, Report, Totals};

    fn rep(file: &str, org: &str, id: &str) -> Item {
        Item::Report(Report {
            kind: Kind::Aggregate,
            file: file.into(),
            org_name: org.into(),
            report_id: id.into(),
            policy_domain: "d.example".into(),
            begin: 1,
            end: 2,
            records: Records::Aggregate(Vec::new()),
            totals: Totals::default(),
            schema: "rfc7489",
            email: String::new(),
            policy: None,
            errors: Vec::new(),
        })
    }

    #[test]
    fn later_copies_are_duplicates() {
        let out = dedupe(vec![
            rep("a.xml", "Org", "1"),
            rep("b.zip:a.xml", "org", "1"),
            rep("c.xml", "org", "2"),
        ]);
        assert!(matches!(&out[0], Item::Report(_)));
        assert!(
            matches!(&out[1], Item::Problem(p) if p.problem == ProblemKind::Duplicate && p.detail.contains("a.xml") && p.file == "b.zip:a.xml")
        );
        assert!(matches!(&out[2], Item::Report(_)));
    }
}
