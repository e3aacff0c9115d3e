//! DMARC and TLS report generator, deterministic: aggregate reports (RFC 7489, RFC 9990, the
//! draft schema) for the benchmark set, and the committed samples under `tests/data/dmarc/`
//! (good reports in every container, copies of one report, and bad inputs: truncated gzip,
//! zip and gzip bombs, XML with entities, wrong schema, empty files).
//!
//! ```text
//! cargo run --example gen_dmarc -- samples tests/data/dmarc
//! cargo run --release --example gen_dmarc -- bench 10000 /tmp/dmarc-bench
//! ```

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const ORGS: [(&str, &str); 6] = [
    ("google.com", "noreply-dmarc-support@google.com"),
    ("Yahoo", "dmarchelp@yahooinc.com"),
    ("Enterprise Outlook", "dmarcreport@microsoft.com"),
    ("Mail.Ru", "dmarc_support@corp.mail.ru"),
    ("Fastmail Pty Ltd", "reports@fastmaildmarc.example"),
    ("comcast.net", "dmarc_reports@comcast.example"),
];

const SCHEMAS: [&str; 3] = ["rfc7489", "rfc9990", "draft"];

/// The schema of generated report `i`.
pub fn schema_of(i: u64) -> &'static str {
    SCHEMAS[(i % 7 % 3) as usize]
}

/// Generated aggregate report `i` (XML), for policy domain `domain`, with 1 to 8 records, in
/// the schema [`schema_of`] gives.
pub fn aggregate_xml(i: u64, domain: &str) -> String {
    aggregate_xml_in(i, domain, schema_of(i))
}

/// Generated aggregate report `i` in `schema` (`rfc7489`, `rfc9990`, `draft`).
pub fn aggregate_xml_in(i: u64, domain: &str, schema: &str) -> String {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15 ^ (i.wrapping_mul(0x1000_0000_01B3) | 1));
    let (org, email) = ORGS[r.below(ORGS.len() as u64) as usize];
    let begin = 1_700_000_000 + (i / 6) as i64 * 86_400;
    let mut s = String::with_capacity(2048);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    match schema {
        "rfc9990" => s.push_str(
            "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">\n  <version>1.0</version>\n",
        ),
        "rfc7489" => s.push_str("<feedback>\n  <version>1.0</version>\n"),
        _ => s.push_str("<feedback>\n"),
    }
    let _ = write!(
        s,
        "  <report_metadata>\n    <org_name>{org}</org_name>\n    <email>{email}</email>\n    \
         <report_id>{i}.{}</report_id>\n    <date_range>\n      <begin>{begin}</begin>\n      \
         <end>{}</end>\n    </date_range>\n  </report_metadata>\n",
        r.next() % 1_000_000_007,
        begin + 86_399
    );
    let _ = write!(
        s,
        "  <policy_published>\n    <domain>{domain}</domain>\n    <adkim>r</adkim>\n    \
         <aspf>r</aspf>\n    <p>{}</p>\n    <sp>none</sp>\n",
        ["none", "quarantine", "reject"][r.below(3) as usize]
    );
    if schema == "rfc9990" {
        s.push_str("    <np>reject</np>\n    <testing>n</testing>\n    <discovery_method>treewalk</discovery_method>\n");
    } else {
        s.push_str("    <pct>100</pct>\n");
    }
    s.push_str("  </policy_published>\n");
    let n = 1 + r.below(8);
    for _ in 0..n {
        record(&mut s, &mut r, domain);
    }
    s.push_str("</feedback>\n");
    s
}

/// One `<record>`: a legitimate sender (passes), an unauthorised source, a forwarder or a
/// signer whose selector fails.
fn record(s: &mut String, r: &mut Rng, domain: &str) {
    let kind = r.below(4);
    let ip = match kind {
        0 => format!("192.0.2.{}", 1 + r.below(20)),
        1 => format!("198.51.100.{}", 1 + r.below(200)),
        2 => format!("203.0.113.{}", 1 + r.below(50)),
        _ => format!("2001:db8::{:x}", 1 + r.below(4000)),
    };
    let count = 1 + r.below(if kind == 0 { 5000 } else { 40 });
    let (disp, dkim, spf) = match kind {
        0 => (
            "none",
            "pass",
            if r.below(3) == 0 { "fail" } else { "pass" },
        ),
        _ => (
            ["none", "quarantine", "reject"][r.below(3) as usize],
            "fail",
            "fail",
        ),
    };
    let _ = write!(
        s,
        "  <record>\n    <row>\n      <source_ip>{ip}</source_ip>\n      <count>{count}</count>\n      \
         <policy_evaluated>\n        <disposition>{disp}</disposition>\n        <dkim>{dkim}</dkim>\n        \
         <spf>{spf}</spf>\n"
    );
    if kind == 2 && r.below(2) == 0 {
        s.push_str("        <reason>\n          <type>forwarded</type>\n        </reason>\n");
    }
    let _ = write!(
        s,
        "      </policy_evaluated>\n    </row>\n    <identifiers>\n      <header_from>{domain}</header_from>\n    \
         </identifiers>\n    <auth_results>\n"
    );
    match kind {
        0 => {
            let _ = write!(
                s,
                "      <dkim>\n        <domain>{domain}</domain>\n        <selector>s2024</selector>\n        <result>pass</result>\n      </dkim>\n"
            );
            let _ = write!(
                s,
                "      <spf>\n        <domain>{domain}</domain>\n        <scope>mfrom</scope>\n        <result>{spf}</result>\n      </spf>\n"
            );
        }
        1 => {
            let _ = write!(
                s,
                "      <spf>\n        <domain>{domain}</domain>\n        <result>softfail</result>\n      </spf>\n"
            );
        }
        2 => {
            let _ = write!(
                s,
                "      <dkim>\n        <domain>{domain}</domain>\n        <selector>s2024</selector>\n        <result>fail</result>\n      </dkim>\n"
            );
            s.push_str("      <spf>\n        <domain>lists.example.org</domain>\n        <result>pass</result>\n      </spf>\n");
        }
        _ => {
            let _ = write!(
                s,
                "      <dkim>\n        <domain>{domain}</domain>\n        <selector>old2019</selector>\n        <result>fail</result>\n      </dkim>\n"
            );
            let _ = write!(
                s,
                "      <spf>\n        <domain>{domain}</domain>\n        <result>fail</result>\n      </spf>\n"
            );
        }
    }
    s.push_str("    </auth_results>\n  </record>\n");
}

/// Gzip (no file name, time 0: the same bytes every time).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// A zip archive of the given members (deflated, fixed time stamps).
pub fn zip_archive(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, data) in members {
        if z.start_file(*name, opts).is_ok() {
            let _ = z.write_all(data);
        }
    }
    z.finish().map(|c| c.into_inner()).unwrap_or_default()
}

fn base64(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for (k, c) in b.chunks(3).enumerate() {
        if k > 0 && k % 19 == 0 {
            s.push_str("\r\n");
        }
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for j in 0..4 {
            if j <= c.len() {
                s.push(T[((n >> (18 - 6 * j)) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s.push_str("\r\n");
    s
}

/// A report message (as reporters send them) with one attachment.
pub fn report_message(from: &str, subject: &str, ctype: &str, name: &str, data: &[u8]) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: dmarc@example.com\r\nSubject: {subject}\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n\
         Message-ID: <{name}@reports.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"=-b1\"\r\n\r\n--=-b1\r\nContent-Type: text/plain\r\n\r\n\
         This is a report.\r\n--=-b1\r\nContent-Type: {ctype}; name=\"{name}\"\r\n\
         Content-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--=-b1--\r\n",
        base64(data)
    )
    .into_bytes()
}

/// An RFC 8460 TLS report.
pub fn tls_json(id: &str, domain: &str, ok: u64, failed: u64) -> String {
    format!(
        "{{\"organization-name\":\"Receiver Inc.\",\"date-range\":{{\"start-datetime\":\"2023-11-14T00:00:00Z\",\
         \"end-datetime\":\"2023-11-14T23:59:59Z\"}},\"contact-info\":\"tlsrpt@receiver.example\",\
         \"report-id\":\"{id}\",\"policies\":[{{\"policy\":{{\"policy-type\":\"sts\",\"policy-string\":\
         [\"version: STSv1\",\"mode: enforce\",\"mx: mx.{domain}\",\"max_age: 86400\"],\"policy-domain\":\"{domain}\",\
         \"mx-host\":[\"mx.{domain}\"]}},\"summary\":{{\"total-successful-session-count\":{ok},\
         \"total-failure-session-count\":{failed}}},\"failure-details\":[{{\"result-type\":\"certificate-expired\",\
         \"sending-mta-ip\":\"198.51.100.25\",\"receiving-mx-hostname\":\"mx.{domain}\",\"failed-session-count\":{failed}}}]}}]}}\n"
    )
}

/// An RFC 6591 failure report message.
pub fn failure_eml() -> Vec<u8> {
    b"From: DMARC Reporter <dmarc-failure@receiver.example>\r\nTo: ruf@example.com\r\n\
Subject: DMARC failure report for example.com\r\nDate: Tue, 14 Nov 2023 10:00:00 +0000\r\n\
Message-ID: <ruf-0001@receiver.example>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=feedback-report; boundary=\"rb\"\r\n\r\n\
--rb\r\nContent-Type: text/plain\r\n\r\nA message from 198.51.100.77 failed DMARC.\r\n\
--rb\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: auth-failure\r\n\
User-Agent: Receiver-Reporter/1.0\r\nVersion: 1\r\nOriginal-Mail-From: <bounce@spoof.example>\r\n\
Original-Rcpt-To: <user@receiver.example>\r\nArrival-Date: Tue, 14 Nov 2023 09:59:00 +0000\r\n\
Source-IP: 198.51.100.77\r\nReported-Domain: example.com\r\nAuth-Failure: dmarc\r\n\
Delivery-Result: reject\r\nAuthentication-Results: receiver.example; dmarc=fail header.from=example.com\r\n\r\n\
--rb\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: \"CEO\" <ceo@example.com>\r\nTo: user@receiver.example\r\n\
Subject: Urgent wire transfer\r\nMessage-ID: <fake@spoof.example>\r\n\r\n--rb--\r\n"
        .to_vec()
}

/// The committed samples: `(relative path, bytes)`.
pub fn samples() -> Vec<(String, Vec<u8>)> {
    let a = aggregate_xml_in(1, "example.com", "rfc7489");
    let mut v: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |p: &str, d: Vec<u8>| v.push((p.to_string(), d));
    // one report, four copies
    add("good/report-a.xml", a.clone().into_bytes());
    add("good/report-a.xml.gz", gzip(a.as_bytes()));
    add(
        "good/report-a.zip",
        zip_archive(&[("report-a.xml", a.as_bytes())]),
    );
    add(
        "good/report-a.eml",
        report_message(
            "noreply-dmarc-support@google.com",
            "Report domain: example.com",
            "application/gzip",
            "report-a.xml.gz",
            &gzip(a.as_bytes()),
        ),
    );
    add(
        "good/report-b-rfc9990.xml",
        aggregate_xml_in(2, "example.com", "rfc9990").into_bytes(),
    );
    add(
        "good/report-c-draft.xml.gz",
        gzip(aggregate_xml_in(3, "example.net", "draft").as_bytes()),
    );
    let d = aggregate_xml_in(8, "example.org", "rfc7489");
    let mut mbox = b"From dmarc@receiver.example Tue Nov 14 22:13:20 2023\n".to_vec();
    mbox.extend(
        String::from_utf8_lossy(&report_message(
            "dmarc@receiver.example",
            "Report domain: example.org",
            "application/zip",
            "report-d.zip",
            &zip_archive(&[("report-d.xml", d.as_bytes())]),
        ))
        .replace("\r\n", "\n")
        .into_bytes(),
    );
    mbox.extend(b"From someone@example.net Tue Nov 14 22:14:00 2023\nFrom: someone@example.net\nSubject: hello\n\nNot a report.\n");
    add("good/reports.mbox", mbox);
    add(
        "good/Maildir/cur/1700000000.M1P1.host",
        report_message(
            "dmarc@receiver.example",
            "Report domain: example.com",
            "application/xml",
            "report-e.xml",
            aggregate_xml_in(9, "example.com", "rfc9990").as_bytes(),
        ),
    );
    add(
        "good/tls.json",
        tls_json("tls-1", "example.com", 1200, 3).into_bytes(),
    );
    add(
        "good/tls.eml",
        report_message(
            "tlsrpt@receiver.example",
            "Report Domain: example.com Submitter: receiver.example Report-ID: <tls-2>",
            "application/tlsrpt+gzip",
            "receiver.example!example.com!1699920000!1700006399!tls-2.json.gz",
            &gzip(tls_json("tls-2", "example.com", 800, 0).as_bytes()),
        ),
    );
    add("good/failure.eml", failure_eml());
    // bad inputs
    let gz = gzip(aggregate_xml_in(4, "example.com", "rfc7489").as_bytes());
    add("bad/truncated.xml.gz", gz[..gz.len() / 2].to_vec());
    let zeros = vec![0u8; 16 << 20];
    add("bad/bomb.zip", zip_archive(&[("bomb.xml", &zeros)]));
    add("bad/bomb.xml.gz", gzip(&zeros));
    add(
        "bad/entities.xml",
        b"<?xml version=\"1.0\"?>\n<!DOCTYPE feedback [\n <!ENTITY a \"aaaaaaaaaa\">\n <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n]>\n<feedback><report_metadata><org_name>&c;</org_name></report_metadata></feedback>\n".to_vec(),
    );
    add(
        "bad/external-entity.xml",
        b"<?xml version=\"1.0\"?>\n<!DOCTYPE feedback SYSTEM \"file:///etc/passwd\">\n<feedback/>\n".to_vec(),
    );
    add(
        "bad/wrong-schema.xml",
        aggregate_xml_in(5, "example.com", "rfc7489")
            .replacen("<version>1.0</version>", "<version>3.0</version>", 1)
            .into_bytes(),
    );
    add(
        "bad/not-feedback.xml",
        b"<?xml version=\"1.0\"?>\n<html><body>hello</body></html>\n".to_vec(),
    );
    add("bad/empty.xml", Vec::new());
    add(
        "bad/broken.json",
        b"{\"organization-name\": \"x\", \"policies\": [".to_vec(),
    );
    add(
        "bad/not-a-report.eml",
        b"From: a@example.com\r\nSubject: hello\r\n\r\nJust mail.\r\n".to_vec(),
    );
    v
}

/// Write the committed samples under `dir`.
pub fn write_samples(dir: &Path) -> io::Result<()> {
    for (rel, data) in samples() {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(p, data)?;
    }
    for sub in ["new", "tmp"] {
        let keep = dir.join("good/Maildir").join(sub).join(".keep");
        std::fs::create_dir_all(keep.parent().unwrap_or(dir))?;
        std::fs::write(keep, b"")?;
    }
    Ok(())
}

/// The benchmark set: `n` aggregate reports in `dir`, one file each; every tenth gzipped and
/// every tenth (offset 5) zipped, the rest plain XML.
pub fn write_bench_set(dir: &Path, n: u64) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for i in 0..n {
        let domain = format!("sender{}.example", i % 50);
        let xml = aggregate_xml(i, &domain);
        let base = format!("receiver!{domain}!{i:06}");
        match i % 10 {
            0 => std::fs::write(dir.join(format!("{base}.xml.gz")), gzip(xml.as_bytes()))?,
            5 => std::fs::write(
                dir.join(format!("{base}.zip")),
                zip_archive(&[(&format!("{base}.xml"), xml.as_bytes())]),
            )?,
            _ => std::fs::write(dir.join(format!("{base}.xml")), xml)?,
        }
    }
    Ok(())
}
