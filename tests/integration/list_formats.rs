//! Lists as people have them: one list saved as UTF-8 CSV, UTF-16 TSV with a byte-order mark,
//! Windows-1252 CSV, .xlsx, .ods, .xls and .csv.gz gives the same rows clean and rejected from
//! each;
//! binary files of other types are one clear error line.

use std::path::{Path, PathBuf};

use super::support::{TempDir, bin};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/list-formats")
        .join(name)
}

struct Run {
    status: i32,
    stderr: String,
    clean: Vec<u8>,
    rejects: Vec<u8>,
    summary: serde_json::Value,
}

fn clean_file(input: &Path, extra: &[&str]) -> Run {
    let d = TempDir::new("list-formats");
    let (out, rej, sum) = (d.path("out.csv"), d.path("rej.csv"), d.path("sum.json"));
    let o = std::process::Command::new(bin())
        .args(["clean", "--offline", "-q"])
        .arg(input)
        .arg("-o")
        .arg(&out)
        .arg("--rejects")
        .arg(&rej)
        .arg("--summary")
        .arg(&sum)
        .args(extra)
        .output()
        .expect("run mailsift");
    Run {
        status: o.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        clean: std::fs::read(&out).unwrap_or_default(),
        rejects: std::fs::read(&rej).unwrap_or_default(),
        summary: std::fs::read(&sum)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default(),
    }
}

/// The records of an output, as text.
type Rows = Vec<Vec<String>>;

/// The records of a CSV output in UTF-8 with `delimiter` (byte-order mark removed), as text.
fn rows(bytes: &[u8], delimiter: u8) -> Rows {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .from_reader(bytes);
    r.records()
        .map(|x| {
            x.expect("UTF-8 CSV that parses")
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

#[test]
fn one_list_in_seven_formats_gives_the_same_rows() {
    // (file, format, encoding, compression, delimiter, line ending, byte-order mark)
    let cases = [
        ("list.csv", "csv", "UTF-8", None, ",", "lf", false),
        (
            "list-utf16.tsv",
            "csv",
            "UTF-16LE",
            None,
            "\t",
            "crlf",
            true,
        ),
        (
            "list-1252.csv",
            "csv",
            "windows-1252",
            None,
            ",",
            "crlf",
            false,
        ),
        ("list.xlsx", "xlsx", "UTF-8", None, ",", "lf", false),
        ("list.ods", "ods", "UTF-8", None, ",", "lf", false),
        ("list.xls", "xls", "UTF-8", None, ",", "lf", false),
        (
            "list.csv.gz",
            "csv",
            "UTF-8",
            Some("gzip"),
            ",",
            "lf",
            false,
        ),
    ];
    let mut first: Option<(Rows, Rows)> = None;
    for (file, format, encoding, compression, delim, eol, bom) in cases {
        let r = clean_file(&fixture(file), &[]);
        assert_eq!(r.status, 0, "{file}: {}", r.stderr);
        let s = &r.summary;
        let inp = &s["input"];
        assert_eq!(inp["format"], format, "{file}");
        assert_eq!(inp["encoding"], encoding, "{file}");
        assert_eq!(inp["compression"].as_str(), compression, "{file}");
        assert_eq!(inp["delimiter"], delim, "{file}");
        assert_eq!(inp["line_ending"], eol, "{file}");
        assert_eq!(inp["bom"], bom, "{file}");
        assert_eq!(s["rows_in"], 12, "{file}");
        assert_eq!(
            s["rows_in"].as_u64(),
            Some(s["rows_clean"].as_u64().unwrap() + s["rows_rejected"].as_u64().unwrap())
        );
        // outputs: UTF-8, the input's delimiter, line ending and byte-order mark
        assert_eq!(r.clean.starts_with(b"\xef\xbb\xbf"), bom, "{file}");
        assert_eq!(r.rejects.starts_with(b"\xef\xbb\xbf"), bom, "{file}");
        assert_eq!(
            r.clean.windows(2).any(|w| w == b"\r\n"),
            eol == "crlf",
            "{file}"
        );
        let d = delim.as_bytes()[0];
        let clean = rows(&r.clean, d);
        let rejects = rows(&r.rejects, d);
        assert_eq!(clean.len() + rejects.len(), 12, "{file}");
        match &first {
            None => {
                assert!(clean.iter().any(|c| c[2] == "jos\u{e9}@example.com"));
                assert!(clean.iter().any(|c| c[1] == "J\u{fc}rgen Gro\u{df}"));
                assert!(
                    clean.iter().all(|c| c[0].parse::<u32>().is_ok()),
                    "{clean:?}"
                );
                first = Some((clean, rejects));
            }
            Some((c0, r0)) => {
                assert_eq!(&clean, c0, "{file}: clean rows differ from list.csv's");
                assert_eq!(&rejects, r0, "{file}: rejected rows differ from list.csv's");
            }
        }
    }
}

#[test]
fn sheet_by_name_and_a_missing_sheet() {
    let r = clean_file(&fixture("list.xlsx"), &["--sheet", "Notes"]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    // the sheet has no email column: the error names its headers, safely
    assert!(r.stderr.contains("\"nothing\""), "{}", r.stderr);
    let r = clean_file(&fixture("list.xlsx"), &["--sheet", "subscribers"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.summary["input"]["sheet"], "Subscribers");
    let r = clean_file(&fixture("list.csv"), &["--sheet", "Subscribers"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("--sheet ignored: the input is no workbook"),
        "{}",
        r.stderr
    );
    let r = clean_file(&fixture("list.ods"), &["--sheet", "Nope"]);
    assert_eq!(r.status, 1);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("no sheet \"Nope\"; its sheets are: \"Subscribers\""),
        "{}",
        r.stderr
    );
}

#[test]
fn output_encoding_and_forced_input_encoding() {
    let r = clean_file(&fixture("list.csv"), &["--output-encoding", "utf-16le"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(
        r.clean.starts_with(b"\xff\xfei\x00d\x00"),
        "{:?}",
        &r.clean[..8]
    );
    assert_eq!(r.summary["input"]["output_encoding"], "UTF-16LE");
    // read back: the same rows
    let back = clean_file(
        &fixture("list-utf16.tsv"),
        &["--output-encoding", "windows-1252"],
    );
    assert_eq!(back.status, 0, "{}", back.stderr);
    assert!(back.clean.windows(4).any(|w| w == b"Jos\xe9"));
    assert!(!back.clean.starts_with(b"\xef\xbb\xbf"));
    let bad = clean_file(&fixture("list.csv"), &["--encoding", "klingon"]);
    assert_eq!(bad.status, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("unknown encoding"), "{}", bad.stderr);
}

#[test]
fn binary_files_are_one_clear_line() {
    let d = TempDir::new("list-binary");
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "a.zip",
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00\x8f\x9a\x01\x02junkjunk",
            "a ZIP archive",
        ),
        (
            "a.pdf",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n",
            "a PDF document",
        ),
        (
            "a.png",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
            "a PNG image",
        ),
        (
            "list.csv",
            b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01",
            "a JPEG image",
        ),
        (
            "b.bin",
            b"\x00\x01\x02\x03\x04\x05\x06\x07\x1b[31m",
            "binary data",
        ),
    ];
    for (name, bytes, what) in cases {
        let p = d.path(name);
        std::fs::write(&p, bytes).unwrap();
        let r = clean_file(&p, &[]);
        assert_eq!(r.status, 1, "{name}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{name}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("the input is {what}")),
            "{name}: {}",
            r.stderr
        );
        assert!(
            !r.stderr.contains("junk") && !r.stderr.contains('\x1b'),
            "{}",
            r.stderr
        );
    }
    // the ELF executable under test itself
    let r = clean_file(&bin(), &[]);
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.contains("the input is an ELF executable"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.len() < 200, "{}", r.stderr);
}

#[test]
fn suppression_lists_are_read_as_lists_too() {
    let d = TempDir::new("list-suppress");
    // a plain address list saved as Excel's "Unicode text", and one as a PDF by mistake
    let utf16: Vec<u8> = "\u{feff}email\r\nann@posteo.de\r\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let sup = d.path("unsub.txt");
    std::fs::write(&sup, utf16).unwrap();
    let r = clean_file(&fixture("list.csv"), &["--suppress", sup.to_str().unwrap()]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    // ann@posteo.de and its duplicate ANN@posteo.de
    assert_eq!(r.summary["rejected_by"]["suppressed"], 2, "{}", r.summary);
    let pdf = d.path("unsub.pdf");
    std::fs::write(&pdf, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n").unwrap();
    let r = clean_file(&fixture("list.csv"), &["--suppress", pdf.to_str().unwrap()]);
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.contains("unsub.pdf: the input is a PDF document"),
        "{}",
        r.stderr
    );
}
