//! The OpenSPF RFC 7208 test suite (`tests/data/spf/rfc7208-tests.yml`) through the library
//! evaluator, with an in-memory DNS built from each scenario's zone data the way the suite's
//! reference driver (pyspf's testspf.py) builds it: `SPF` entries also give TXT records unless
//! the name has TXT ones, `TIMEOUT` entries time out, names under `error.` and labels over 63
//! characters time out.

use std::collections::HashMap;
use std::net::IpAddr;

use mailsift::dns::records::{Lookup, RType, Rr};
use mailsift::spf::{SpfDns, SpfQuery, check_host};
use yaml_rust2::{Yaml, YamlLoader};

#[derive(Debug, Clone)]
enum Entry {
    Rr(Rr),
    /// A TIMEOUT entry: for one type, or for every type not answered before it.
    Timeout(Option<RType>),
}

struct SuiteDns {
    names: HashMap<String, Vec<Entry>>,
}

impl SuiteDns {
    fn one(&self, name: &str, rtype: RType) -> Result<(Vec<Rr>, Option<String>), Lookup> {
        if name.split('.').any(|l| l.len() > 63) {
            return Err(Lookup::Timeout);
        }
        let Some(entries) = self.names.get(name) else {
            return Err(if name.starts_with("error.") {
                Lookup::Timeout
            } else {
                Lookup::NxDomain
            });
        };
        let mut out = Vec::new();
        let mut cname = None;
        for e in entries {
            match e {
                Entry::Timeout(None) => {
                    if out.is_empty() {
                        return Err(Lookup::Timeout);
                    }
                    break;
                }
                Entry::Timeout(Some(t)) if *t == rtype => return Err(Lookup::Timeout),
                Entry::Timeout(Some(_)) => {}
                Entry::Rr(Rr::Cname(t)) if rtype != RType::Cname => cname = Some(t.clone()),
                Entry::Rr(rr) if rr.rtype() == rtype => out.push(rr.clone()),
                Entry::Rr(_) => {}
            }
        }
        Ok((out, cname))
    }
}

impl SpfDns for SuiteDns {
    fn lookup(&mut self, name: &str, rtype: RType) -> Lookup {
        let mut name = name.to_ascii_lowercase();
        for _ in 0..8 {
            match self.one(&name, rtype) {
                Err(l) => return l,
                Ok((rrs, _)) if !rrs.is_empty() => return Lookup::Answer(rrs),
                Ok((_, Some(target))) => name = target.to_ascii_lowercase(),
                Ok((_, None)) => return Lookup::NoData,
            }
        }
        Lookup::ServFail
    }
}

fn text(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Real(r) => Some(r.clone()),
        _ => None,
    }
}

fn strings(y: &Yaml) -> Vec<String> {
    match y {
        Yaml::Array(a) => a.iter().filter_map(text).collect(),
        other => text(other).into_iter().collect(),
    }
}

fn zone(data: &Yaml) -> SuiteDns {
    let mut names = HashMap::new();
    if let Yaml::Hash(h) = data {
        for (k, v) in h {
            let name = text(k).unwrap_or_default().to_ascii_lowercase();
            let mut entries = Vec::new();
            let mut generated = Vec::new();
            let mut has_txt = false;
            for item in v.as_vec().map(Vec::as_slice).unwrap_or(&[]) {
                let Yaml::Hash(m) = item else {
                    entries.push(Entry::Timeout(None));
                    continue;
                };
                for (t, val) in m {
                    let t = text(t).unwrap_or_default();
                    let vals = strings(val);
                    if vals.first().map(String::as_str) == Some("TIMEOUT") {
                        entries.push(Entry::Timeout(RType::parse(&t)));
                        continue;
                    }
                    if t == "TXT" {
                        has_txt = true;
                    }
                    if vals.first().map(String::as_str) == Some("NONE") {
                        continue;
                    }
                    let rr = match t.as_str() {
                        "SPF" => {
                            generated.push(Entry::Rr(Rr::Txt(vals)));
                            continue;
                        }
                        "TXT" => Rr::Txt(vals),
                        "A" => Rr::A(vals[0].parse().expect("A")),
                        "AAAA" => Rr::Aaaa(vals[0].parse().expect("AAAA")),
                        "MX" => Rr::Mx(vals[0].parse().expect("pref"), vals[1].clone()),
                        "PTR" => Rr::Ptr(vals[0].clone()),
                        "CNAME" => Rr::Cname(vals[0].clone()),
                        other => panic!("zone type {other}"),
                    };
                    entries.push(Entry::Rr(rr));
                }
            }
            if !has_txt {
                entries.extend(generated);
            }
            names.insert(name, entries);
        }
    }
    SuiteDns { names }
}

/// Run every case; the failures as `scenario/case: reason`.
fn run_suite() -> (usize, Vec<String>) {
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/spf/rfc7208-tests.yml"
    ))
    .expect("suite file");
    let docs = YamlLoader::load_from_str(&source).expect("suite YAML");
    let mut total = 0;
    let mut failures = Vec::new();
    for doc in &docs {
        let scenario = doc["description"].as_str().unwrap_or("?").to_string();
        let mut dns = zone(&doc["zonedata"]);
        let Yaml::Hash(tests) = &doc["tests"] else {
            continue;
        };
        for (id, t) in tests {
            total += 1;
            let id = text(id).unwrap_or_default();
            let ip: IpAddr = t["host"].as_str().expect("host").parse().expect("ip");
            let query = SpfQuery {
                ip,
                sender: text(&t["mailfrom"]).unwrap_or_default(),
                helo: text(&t["helo"]).unwrap_or_default(),
                domain: None,
                receiver: "unknown".into(),
                timestamp: 0,
            };
            let out = check_host(&query, &mut dns);
            let expected = strings(&t["result"]);
            let got = out.result.name();
            if !expected.iter().any(|e| e == got) {
                failures.push(format!(
                    "{scenario}/{id}: got {got} ({}), expected {}",
                    out.reason,
                    expected.join(" or ")
                ));
                continue;
            }
            if let Some(exp) = text(&t["explanation"]) {
                let ok = match (&out.explanation, exp.as_str()) {
                    (None, "DEFAULT") => true,
                    (Some(e), want) => e == want,
                    (None, _) => false,
                };
                if !ok {
                    failures.push(format!(
                        "{scenario}/{id}: explanation {:?}, expected {exp:?}",
                        out.explanation
                    ));
                }
            }
        }
    }
    (total, failures)
}

/// Cases where this evaluator follows RFC 7208 and the suite expects otherwise, with why.
const KNOWN: &[(&str, &str)] = &[(
    "Macro expansion rules/v-macro-ip6",
    "the suite expects upper-case hex nibbles from %{ir} for CAFE:BABE::1; RFC 7208 7.4's own \
     example expands %{ir} of 2001:db8::cb01 to lower-case nibbles (1.0.b.c...), as we do; \
     only the explanation text differs (DNS names are case-insensitive)",
)];

#[test]
fn openspf_rfc7208_suite() {
    let (total, failures) = run_suite();
    eprintln!(
        "OpenSPF RFC 7208 suite: {} / {total} cases pass",
        total - failures.len()
    );
    for f in &failures {
        let why = KNOWN
            .iter()
            .find(|(id, _)| f.starts_with(&format!("{id}:")))
            .map_or("UNEXPECTED", |(_, why)| why);
        eprintln!("  FAIL {f}\n       ({why})");
    }
    assert_eq!(total, 203, "the suite's case count");
    let unexpected: Vec<&String> = failures
        .iter()
        .filter(|f| !KNOWN.iter().any(|(id, _)| f.starts_with(&format!("{id}:"))))
        .collect();
    assert!(
        unexpected.is_empty(),
        "unexpected failures: {unexpected:#?}"
    );
    // A known deviation that starts passing must be removed from the list.
    for (id, _) in KNOWN {
        assert!(
            failures.iter().any(|f| f.starts_with(&format!("{id}:"))),
            "{id} now passes: remove it from KNOWN"
        );
    }
}
