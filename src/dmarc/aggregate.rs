//! DMARC aggregate reports: RFC 7489 appendix C (version 1.0), RFC 9990 (the `dmarc-2.0`
//! namespace) and the older draft schema (no version), read from the element tree into
//! normalised rows (results lower-cased, totals from the policy-evaluated results).

use super::report::{
    AggregateRow, DkimResult, Item, Kind, PolicyPublished, ProblemKind, Reason, Records, Report,
    SpfResult, Totals, problem,
};
use super::scan::{self, trim};
use super::xml::{self, Node, XmlError};

/// Whether the text looks like XML (after a BOM and white space).
pub(crate) fn looks_like_xml(data: &[u8]) -> bool {
    let d = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    d.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'<')
}

/// Read one aggregate report from XML bytes; `file` names it in the outcome.
pub(crate) fn parse(file: &str, data: &[u8]) -> Item {
    // the fast path: valid UTF-8 in the plain subset the scanner reads; anything else (and
    // every error) goes to the element tree, which says why
    if let Ok(text) = std::str::from_utf8(data) {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if let Some(flat) = scan::parse(text) {
            let item = from_tree(file, flat.root());
            debug_assert_eq!(item, parse_tree(file, data), "fast path differs");
            return item;
        }
    }
    parse_tree(file, data)
}

/// [`parse`] through the element tree.
fn parse_tree(file: &str, data: &[u8]) -> Item {
    let text = String::from_utf8_lossy(data);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let root = match xml::parse(text) {
        Ok(r) => r,
        // a report wrapped in a broken outer element (seen: an unclosed <xs:schema>): the
        // <feedback> element alone is read
        Err(XmlError::Malformed(_))
            if let Some(inner) = feedback_element(text)
                && inner.len() < text.len() =>
        {
            match xml::parse(inner) {
                Ok(r) => r,
                Err(e) => return xml_problem(file, e),
            }
        }
        Err(e) => return xml_problem(file, e),
    };
    from_tree(file, &root)
}

/// The text from `<feedback` to the last `</feedback>`.
fn feedback_element(text: &str) -> Option<&str> {
    let start = text.find("<feedback")?;
    let end = text.rfind("</feedback>")? + "</feedback>".len();
    (start < end).then(|| &text[start..end])
}

fn xml_problem(file: &str, e: XmlError) -> Item {
    match e {
        XmlError::Entities(d) => problem(file, ProblemKind::Corrupt, format!("XML: {d}")),
        XmlError::Malformed(d) => problem(
            file,
            ProblemKind::Corrupt,
            format!("XML not well-formed: {d}"),
        ),
        XmlError::TooBig(d) => problem(file, ProblemKind::TooLarge, format!("XML: {d}")),
    }
}

fn lower(s: &str) -> String {
    trim(s).to_ascii_lowercase()
}

/// The schema of a `<feedback>` root: `rfc9990`, `rfc7489`, `draft`, or why it is not known.
fn schema<'t>(root: impl Node<'t>) -> Result<&'static str, String> {
    let ns = trim(root.attr("xmlns").unwrap_or(""));
    let version = trim(root.text_of("version"));
    if ns.eq_ignore_ascii_case("urn:ietf:params:xml:ns:dmarc-2.0") {
        return Ok("rfc9990");
    }
    if let Some(v) = ns.strip_prefix("urn:ietf:params:xml:ns:dmarc-") {
        return Err(format!("namespace dmarc-{v}"));
    }
    // 0.x: drafts before RFC 7489 (some reporters still write 0.1)
    match version.split('.').next().unwrap_or("") {
        "" | "0" => Ok("draft"),
        "1" => Ok("rfc7489"),
        "2" => Ok("rfc9990"),
        _ => Err(format!("version {version:?}")),
    }
}

/// Read the report from its element tree.
pub(crate) fn from_tree<'t>(file: &str, root: impl Node<'t>) -> Item {
    if !root.name().eq_ignore_ascii_case("feedback") {
        return problem(
            file,
            ProblemKind::NotAReport,
            format!("XML whose root is <{}>, not <feedback>", root.name()),
        );
    }
    let schema = match schema(root) {
        Ok(s) => s,
        Err(d) => {
            return problem(
                file,
                ProblemKind::UnsupportedSchema,
                format!("aggregate report in an unknown schema: {d}"),
            );
        }
    };
    let (Some(meta), Some(pp)) = (
        root.child("report_metadata"),
        root.child("policy_published"),
    ) else {
        return problem(
            file,
            ProblemKind::UnsupportedSchema,
            "<feedback> without <report_metadata> and <policy_published>",
        );
    };
    let range = meta.child("date_range");
    let num = |name: &str| -> Option<i64> {
        let t = trim(range.map_or("", |r| r.text_of(name)));
        t.parse::<i64>().ok().or_else(|| {
            t.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(|f| f as i64)
        })
    };
    let (Some(begin), Some(end)) = (num("begin"), num("end")) else {
        return problem(
            file,
            ProblemKind::UnsupportedSchema,
            "report without a numeric <date_range> <begin> and <end>",
        );
    };
    let policy = PolicyPublished {
        domain: trim(pp.text_of("domain")).to_string(),
        adkim: lower(pp.text_of("adkim")),
        aspf: lower(pp.text_of("aspf")),
        p: lower(pp.text_of("p")),
        sp: lower(pp.text_of("sp")),
        np: lower(pp.text_of("np")),
        pct: trim(pp.text_of("pct")).to_string(),
        fo: trim(pp.text_of("fo")).to_string(),
        testing: lower(pp.text_of("testing")),
        discovery_method: lower(pp.text_of("discovery_method")),
    };
    let mut rows = Vec::new();
    let mut totals = Totals {
        messages: Some(0),
        dmarc_pass: Some(0),
        spf_aligned: Some(0),
        dkim_aligned: Some(0),
        ..Totals::default()
    };
    for rec in root.all("record") {
        let row = read_row(rec);
        let add = |t: &mut Option<u64>, yes: bool| {
            if yes {
                *t = Some(t.unwrap_or(0).saturating_add(row.count));
            }
        };
        add(&mut totals.messages, true);
        add(&mut totals.dmarc_pass, row.dmarc_pass);
        add(&mut totals.spf_aligned, row.spf == "pass");
        add(&mut totals.dkim_aligned, row.dkim == "pass");
        rows.push(row);
    }
    Item::Report(Report {
        kind: Kind::Aggregate,
        file: file.to_string(),
        org_name: org_name(meta),
        report_id: trim(meta.text_of("report_id")).to_string(),
        policy_domain: policy.domain.clone(),
        begin,
        end,
        records: Records::Aggregate(rows),
        totals,
        schema,
        email: trim(meta.text_of("email")).to_string(),
        policy: Some(policy),
        errors: meta
            .all("error")
            .map(|e| e.text().to_string())
            .filter(|e| !e.is_empty())
            .collect(),
    })
}

/// The reporting organisation; when the report leaves it empty, the domain of its contact
/// address.
fn org_name<'t>(meta: impl Node<'t>) -> String {
    let org = trim(meta.text_of("org_name"));
    if !org.is_empty() {
        return org.to_string();
    }
    meta.text_of("email")
        .trim()
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').to_ascii_lowercase())
        .unwrap_or_default()
}

/// The text of the first child `name` of `node`, or "".
fn text_in<'t, N: Node<'t>>(node: Option<N>, name: &str) -> &'t str {
    node.map_or("", |n| n.text_of(name))
}

fn read_row<'t, N: Node<'t>>(rec: N) -> AggregateRow {
    let row = rec.child("row");
    let pe = row.and_then(|r| r.child("policy_evaluated"));
    let ids = rec.child("identifiers");
    let auth = rec.child("auth_results");
    let dkim = lower(text_in(pe, "dkim"));
    let spf = lower(text_in(pe, "spf"));
    let count = trim(text_in(row, "count"));
    AggregateRow {
        source_ip: trim(text_in(row, "source_ip")).to_string(),
        count: count
            .parse::<u64>()
            .ok()
            .or_else(|| {
                count
                    .parse::<f64>()
                    .ok()
                    .filter(|f| *f >= 0.0)
                    .map(|f| f as u64)
            })
            .unwrap_or(0),
        disposition: lower(text_in(pe, "disposition")),
        dmarc_pass: dkim == "pass" || spf == "pass",
        dkim,
        spf,
        reasons: pe
            .into_iter()
            .flat_map(|p| p.all("reason"))
            .map(|r| Reason {
                kind: lower(r.text_of("type")),
                comment: trim(r.text_of("comment")).to_string(),
            })
            .filter(|r| !r.kind.is_empty() || !r.comment.is_empty())
            .collect(),
        header_from: trim(text_in(ids, "header_from")).to_string(),
        envelope_from: trim(text_in(ids, "envelope_from")).to_string(),
        envelope_to: trim(text_in(ids, "envelope_to")).to_string(),
        dkim_results: auth
            .into_iter()
            .flat_map(|a| a.all("dkim"))
            .map(|d| DkimResult {
                domain: trim(d.text_of("domain")).to_string(),
                selector: trim(d.text_of("selector")).to_string(),
                result: lower(d.text_of("result")),
                human_result: trim(d.text_of("human_result")).to_string(),
            })
            .collect(),
        spf_results: auth
            .into_iter()
            .flat_map(|a| a.all("spf"))
            .map(|s| SpfResult {
                domain: trim(s.text_of("domain")).to_string(),
                scope: lower(s.text_of("scope")),
                result: lower(s.text_of("result")),
                human_result: trim(s.text_of("human_result")).to_string(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R1: &str = r#"<?xml version="1.0"?>
<feedback><version>1.0</version>
<report_metadata><org_name>Receiver</org_name><email>r@x.example</email><report_id>42</report_id>
<date_range><begin>1700000000</begin><end>1700086399</end></date_range></report_metadata>
<policy_published><domain>Example.com</domain><adkim>r</adkim><p>none</p></policy_published>
<record><row><source_ip>192.0.2.1</source_ip><count>3</count>
<policy_evaluated><disposition>none</disposition><dkim>PASS</dkim><spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>example.com</header_from></identifiers>
<auth_results><dkim><domain>example.com</domain><selector>s1</selector><result>pass</result></dkim>
<spf><domain>bounce.example.net</domain><result>pass</result></spf></auth_results></record>
<record><row><source_ip>198.51.100.7</source_ip><count>2</count>
<policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf>
<reason><type>forwarded</type></reason></policy_evaluated></row>
<identifiers><header_from>example.com</header_from></identifiers><auth_results/></record>
</feedback>"#;

    #[test]
    fn rfc7489_totals() {
        let Item::Report(r) = parse("a.xml", R1.as_bytes()) else {
            panic!("not a report")
        };
        assert_eq!(r.schema, "rfc7489");
        assert_eq!((r.begin, r.end), (1_700_000_000, 1_700_086_399));
        assert_eq!(r.totals.messages, Some(5));
        assert_eq!(r.totals.dmarc_pass, Some(3));
        assert_eq!(r.totals.dkim_aligned, Some(3));
        assert_eq!(r.totals.spf_aligned, Some(0));
        let Records::Aggregate(rows) = &r.records else {
            panic!()
        };
        assert_eq!(rows[0].dkim, "pass");
        assert_eq!(rows[0].dkim_results[0].selector, "s1");
        assert_eq!(rows[1].reasons[0].kind, "forwarded");
    }

    #[test]
    fn schemas() {
        let v2 = R1.replace(
            "<feedback><version>1.0</version>",
            "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">",
        );
        let Item::Report(r) = parse("b.xml", v2.as_bytes()) else {
            panic!()
        };
        assert_eq!(r.schema, "rfc9990");
        let draft = R1.replace("<version>1.0</version>", "");
        let Item::Report(r) = parse("c.xml", draft.as_bytes()) else {
            panic!()
        };
        assert_eq!(r.schema, "draft");
        let wrapped = format!("<xs:schema xmlns:xs=\"x\">{}", &R1[22..]);
        assert!(matches!(
            parse("w.xml", wrapped.as_bytes()),
            Item::Report(_)
        ));
        let v9 = R1.replace("<version>1.0</version>", "<version>9.1</version>");
        let Item::Problem(p) = parse("d.xml", v9.as_bytes()) else {
            panic!()
        };
        assert_eq!(p.problem, ProblemKind::UnsupportedSchema);
        let Item::Problem(p) = parse("e.xml", b"<html><body/></html>") else {
            panic!()
        };
        assert_eq!(p.problem, ProblemKind::NotAReport);
        let Item::Problem(p) = parse("f.xml", b"<feedback><version>1.0</version></feedback>")
        else {
            panic!()
        };
        assert_eq!(p.problem, ProblemKind::UnsupportedSchema);
        let Item::Problem(p) = parse("g.xml", &R1.as_bytes()[..300]) else {
            panic!()
        };
        assert_eq!(p.problem, ProblemKind::Corrupt);
    }
}
