//! What an input holds, told by its bytes: gzip, zip, XML (aggregate), JSON (TLS), a mail
//! message (its report attachments, or a failure report), an mbox of messages. Containers are
//! opened within [`Limits`] and read recursively; every member ends as a report or a problem.

use std::io::{Cursor, Read};

use mail_parser::{MessageParser, MimeHeaders, PartType};

use crate::input::{is_from_line, is_gzip, split_messages};

use super::bounded::{self, Limits, Stop};
use super::report::{Item, ProblemKind, problem};
use super::{aggregate, failure, tlsrpt};

fn is_zip(data: &[u8]) -> bool {
    data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06")
}

fn stop(file: &str, what: &str, s: Stop) -> Item {
    match s {
        Stop::TooLarge(d) => problem(file, ProblemKind::TooLarge, format!("{what}: {d}")),
        Stop::Corrupt(d) => problem(file, ProblemKind::Corrupt, format!("{what}: {d}")),
    }
}

/// Whether the bytes start like a mail message: a header field line.
fn looks_like_message(data: &[u8]) -> bool {
    let line_end = memchr::memchr(b'\n', data).unwrap_or(data.len()).min(1000);
    let line = &data[..line_end];
    match memchr::memchr(b':', line) {
        Some(i) if i > 0 => line[..i].iter().all(|&b| b.is_ascii_graphic() && b != b':'),
        _ => false,
    }
}

/// Read one input's bytes into reports and problems, appended to `out`.
pub(crate) fn read(file: &str, data: &[u8], limits: &Limits, out: &mut Vec<Item>) {
    dispatch(file, data, 0, limits, out);
}

fn dispatch(file: &str, data: &[u8], depth: usize, limits: &Limits, out: &mut Vec<Item>) {
    if depth > limits.max_depth {
        out.push(problem(
            file,
            ProblemKind::TooLarge,
            format!("containers nested deeper than {} levels", limits.max_depth),
        ));
        return;
    }
    if data.iter().all(u8::is_ascii_whitespace) {
        out.push(problem(file, ProblemKind::NotAReport, "empty"));
        return;
    }
    if is_gzip(data) {
        match bounded::gunzip(data, limits) {
            Ok(inner) => dispatch(file, &inner, depth + 1, limits, out),
            Err(s) => out.push(stop(file, "gzip", s)),
        }
    } else if is_zip(data) {
        unzip(file, data, depth, limits, out);
    } else if aggregate::looks_like_xml(data) {
        out.push(aggregate::parse(file, data));
    } else if tlsrpt::looks_like_json(data) {
        out.push(tlsrpt::parse(file, data));
    } else if is_from_line(&data[..memchr::memchr(b'\n', data).unwrap_or(data.len())]) {
        mbox(file, data, depth, limits, out);
    } else if looks_like_message(data) {
        message(file, data, depth, limits, out);
    } else {
        out.push(problem(
            file,
            ProblemKind::NotAReport,
            "neither XML, JSON, gzip, zip, a mail message nor an mbox",
        ));
    }
}

fn unzip(file: &str, data: &[u8], depth: usize, limits: &Limits, out: &mut Vec<Item>) {
    let mut zip = match zip::ZipArchive::new(Cursor::new(data)) {
        Ok(z) => z,
        Err(e) => {
            out.push(problem(file, ProblemKind::Corrupt, format!("zip: {e}")));
            return;
        }
    };
    if zip.is_empty() {
        out.push(problem(file, ProblemKind::NotAReport, "empty zip archive"));
        return;
    }
    if zip.len() > limits.max_members {
        out.push(problem(
            file,
            ProblemKind::TooLarge,
            format!(
                "zip with {} members (limit {})",
                zip.len(),
                limits.max_members
            ),
        ));
        return;
    }
    for i in 0..zip.len() {
        let mut entry = match zip.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                out.push(problem(
                    &format!("{file}:#{}", i + 1),
                    ProblemKind::Corrupt,
                    format!("zip member: {e}"),
                ));
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let member = match entry.name() {
            Ok(n) => n.into_owned(),
            Err(_) => format!("#{}", i + 1),
        };
        let name = format!("{file}:{member}");
        if entry.size() > limits.max_bytes {
            out.push(problem(
                &name,
                ProblemKind::TooLarge,
                format!(
                    "zip member declares {} bytes (limit {})",
                    entry.size(),
                    limits.max_bytes
                ),
            ));
            continue;
        }
        let compressed = entry.compressed_size();
        // never more than the limit plus one byte, whatever the header says
        let capped = (&mut entry).take(limits.max_bytes + 1);
        match bounded::read_all(capped, compressed, limits) {
            Ok(inner) => dispatch(&name, &inner, depth + 1, limits, out),
            Err(s) => out.push(stop(&name, "zip member", s)),
        }
    }
}

fn mbox(file: &str, data: &[u8], depth: usize, limits: &Limits, out: &mut Vec<Item>) {
    let mut n = 0usize;
    let res = split_messages(data, |i, msg| {
        n = i;
        if i > limits.max_members {
            out.push(problem(
                file,
                ProblemKind::TooLarge,
                format!(
                    "mbox with more than {} messages (limit)",
                    limits.max_members
                ),
            ));
            return false;
        }
        message(&format!("{file}:{i}"), &msg, depth + 1, limits, out);
        true
    });
    if let Err(e) = res {
        out.push(problem(file, ProblemKind::Corrupt, format!("mbox: {e}")));
    } else if n == 0 {
        out.push(problem(file, ProblemKind::NotAReport, "empty mbox"));
    }
}

/// The kinds of parts that may carry a report.
fn is_report_attachment(ctype: &str, subtype: &str, name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let by_name = [".xml", ".gz", ".zip", ".json", ".gzip"]
        .iter()
        .any(|e| name.ends_with(e));
    let by_type = matches!(
        (ctype, subtype),
        ("application", "zip")
            | ("application", "x-zip")
            | ("application", "x-zip-compressed")
            | ("application", "gzip")
            | ("application", "x-gzip")
            | ("application", "xml")
            | ("text", "xml")
            | ("application", "tlsrpt+json")
            | ("application", "tlsrpt+gzip")
            | ("application", "json")
    );
    by_name || by_type
}

/// A mail message: its failure report, or its report attachments.
fn message(file: &str, data: &[u8], depth: usize, limits: &Limits, out: &mut Vec<Item>) {
    let Some(msg) = MessageParser::default().parse(data) else {
        out.push(problem(
            file,
            ProblemKind::NotAReport,
            "unreadable mail message",
        ));
        return;
    };
    let before = out.len();
    let mut feedback_seen = false;
    for (i, part) in msg.parts.iter().enumerate() {
        if matches!(part.body, PartType::Multipart(_)) {
            continue;
        }
        let (ctype, subtype) = part
            .content_type()
            .map_or((String::new(), String::new()), |c| {
                (
                    c.ctype().to_ascii_lowercase(),
                    c.subtype().unwrap_or("").to_ascii_lowercase(),
                )
            });
        if ctype == "message" && subtype == "feedback-report" {
            if !feedback_seen {
                feedback_seen = true;
                let text = String::from_utf8_lossy(part.contents());
                out.push(failure::from_message(file, &msg, &text));
            }
            continue;
        }
        if i == 0 && msg.parts.len() > 1 {
            continue;
        }
        let name = part.attachment_name().unwrap_or("");
        let body = part.contents();
        let sniffed = ctype == "application"
            && subtype == "octet-stream"
            && (is_gzip(body) || is_zip(body) || aggregate::looks_like_xml(body));
        if is_report_attachment(&ctype, &subtype, name) || sniffed {
            let label = if name.is_empty() {
                format!("{file}:part{i}")
            } else {
                format!("{file}:{name}")
            };
            dispatch(&label, body, depth + 1, limits, out);
        }
    }
    if out.len() == before {
        let subject = msg.subject().unwrap_or("").to_ascii_lowercase();
        let detail = if subject.contains("dmarc") {
            "a DMARC notice in plain text, without an RFC 6591 feedback-report part or a \
             report attachment"
        } else {
            "mail message without a report (no feedback-report part, no report attachment)"
        };
        out.push(problem(file, ProblemKind::NotAReport, detail));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dmarc::report::Report;
    use std::io::Write;

    const XML: &str = "<feedback><version>1.0</version><report_metadata><org_name>o</org_name><report_id>1</report_id><date_range><begin>1</begin><end>2</end></date_range></report_metadata><policy_published><domain>d.example</domain></policy_published></feedback>";

    fn reports(items: &[Item]) -> Vec<&Report> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Report(r) => Some(r),
                Item::Problem(_) => None,
            })
            .collect()
    }

    fn run(name: &str, data: &[u8]) -> Vec<Item> {
        let mut out = Vec::new();
        read(name, data, &Limits::default(), &mut out);
        out
    }

    #[test]
    fn zip_gz_and_message() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(XML.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(reports(&run("a.xml.gz", &gz)).len(), 1);
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        z.start_file("r.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(XML.as_bytes()).unwrap();
        let z = z.finish().unwrap().into_inner();
        let items = run("a.zip", &z);
        assert_eq!(reports(&items)[0].file, "a.zip:r.xml");
        let b64 = {
            use std::fmt::Write as _;
            let mut s = String::new();
            for chunk in gz.chunks(57) {
                let _ = writeln!(s, "{}", base64(chunk));
            }
            s
        };
        let eml = format!(
            "From: r@rep.example\r\nMessage-ID: <x@y>\r\nSubject: Report\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: application/gzip; name=\"r.xml.gz\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}--b--\r\n"
        );
        let items = run("m.eml", eml.as_bytes());
        assert_eq!(reports(&items).len(), 1, "{items:?}");
        assert_eq!(reports(&items)[0].file, "m.eml:r.xml.gz");
        let mbox = format!(
            "From r@rep.example Thu Jul  2 12:05:05 2020\n{eml}From q Thu Jul  2 12:05:06 2020\nSubject: x\n\nno report\n"
        );
        let items = run("box", mbox.as_bytes());
        assert_eq!(reports(&items).len(), 1);
        assert!(
            matches!(&items[1], Item::Problem(p) if p.problem == ProblemKind::NotAReport && p.file == "box:2")
        );
    }

    fn base64(b: &[u8]) -> String {
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for c in b.chunks(3) {
            let n = (c[0] as u32) << 16
                | (*c.get(1).unwrap_or(&0) as u32) << 8
                | *c.get(2).unwrap_or(&0) as u32;
            for k in 0..4 {
                if k <= c.len() {
                    s.push(T[(n >> (18 - 6 * k) & 63) as usize] as char);
                } else {
                    s.push('=');
                }
            }
        }
        s
    }

    #[test]
    fn bad_inputs() {
        for (data, kind) in [
            (&b""[..], ProblemKind::NotAReport),
            (b"   \n", ProblemKind::NotAReport),
            (b"\x00\x01binary", ProblemKind::NotAReport),
            (b"PK\x03\x04garbage", ProblemKind::Corrupt),
            (b"\x1f\x8b\x08\x00", ProblemKind::Corrupt),
        ] {
            let items = run("x", data);
            assert!(
                matches!(&items[..], [Item::Problem(p)] if p.problem == kind),
                "{data:?}: {items:?}"
            );
        }
    }
}
