//! `clean` on bad input: a clear message or a reasoned reject row, never a panic, never a lost row.

use super::support::{clean, records};

fn assert_conserved(r: &super::support::CleanRun) {
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let s = r.summary.as_ref().expect("summary");
    let rows_in = s["rows_in"].as_u64().unwrap();
    assert_eq!(
        rows_in,
        records(&r.clean).len() as u64 + records(&r.rejects).len() as u64
    );
    assert_eq!(rows_in, r.results.len() as u64);
}

#[test]
fn ragged_rows_are_rejected_with_reason_and_keep_their_fields() {
    let r = clean(
        b"email,a,b\nx@example.com,1\ny@example.com,1,2,3,4\nz@example.com,1,2\n",
        &[],
    );
    assert_conserved(&r);
    let rej = records(&r.rejects);
    assert_eq!(rej.len(), 2);
    assert_eq!(&rej[0][4], b"malformed_row");
    assert!(String::from_utf8_lossy(&rej[0][5]).contains("2 fields"));
    // extra fields are kept after the mailsift columns
    assert_eq!(&rej[1][6], b"3");
    assert_eq!(&rej[1][7], b"4");
}

#[test]
fn row_too_short_to_have_the_email_column() {
    let r = clean(b"id,name,email\n1\n2,b,b@example.com\n", &[]);
    assert_conserved(&r);
    assert_eq!(r.results[0]["reason"], "malformed_row");
}

#[test]
fn invalid_utf8_is_kept_with_reason_invalid_encoding() {
    // UTF-8 (its well-formed letters say so) with bad bytes: read as UTF-8, the bad cells kept
    let mut input = "email,name\n".as_bytes().to_vec();
    input.extend_from_slice(b"caf\xe9@example.com,Jos\xc3\xa9\n");
    input.extend_from_slice(b"ok@example.com,na\xefve Zo\xc3\xab\n");
    let r = clean(&input, &[]);
    assert_conserved(&r);
    assert_eq!(r.summary.as_ref().unwrap()["input"]["encoding"], "UTF-8");
    assert_eq!(r.results[0]["reason"], "invalid_encoding");
    assert_eq!(r.results[0]["verdict"], "undeliverable");
    let rej = records(&r.rejects);
    assert_eq!(rej.len(), 1);
    // the original bytes are preserved
    assert_eq!(&rej[0][0], b"caf\xe9@example.com");
    // a bad byte outside the email cell does not condemn the address
    assert_eq!(r.results[1]["valid"], true);
    assert!(r.clean.windows(5).any(|w| w == b"na\xefve"));
}

#[test]
fn nul_bytes_do_not_panic() {
    let r = clean(b"email\na\0b@example.com\n\0\nok@example.com\n", &[]);
    assert_conserved(&r);
    assert_eq!(r.results[0]["valid"], false);
    assert_eq!(r.results[2]["valid"], true);
}

#[test]
fn ten_megabyte_field() {
    let big = "x".repeat(10 * 1024 * 1024);
    let input = format!(
        "email,notes\na@example.com,{big}\n{big}@example.com,short\n\"{big}\n{big}\",q\nb@example.com,z\n"
    );
    let r = clean(input.as_bytes(), &[]);
    assert_conserved(&r);
    // a quoted cell of 20 MiB is past the 128 KiB a cell may have: its quote is taken as
    // left open, and its two lines are two rows
    assert_eq!(r.results.len(), 5);
    assert_eq!(r.results[0]["valid"], true);
    assert_eq!(r.results[1]["valid"], false);
    assert_eq!(r.results[2]["valid"], false);
    assert_eq!(r.results[3]["valid"], false);
    assert_eq!(r.results[4]["valid"], true);
    let q = &r.summary.as_ref().unwrap()["input"]["open_quotes"];
    assert_eq!(
        (q[0]["line"].as_u64(), q[0]["reason"].as_str()),
        (Some(4), Some("too_long"))
    );
    // the big note survives intact in the clean output
    let c = records(&r.clean);
    assert_eq!(c[0][1].len(), big.len());
}

#[test]
fn empty_file_is_a_clear_error() {
    let r = clean(b"", &[]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("empty"), "{}", r.stderr);
}

#[test]
fn header_only_file() {
    let r = clean(b"email,name\n", &[]);
    assert_conserved(&r);
    assert_eq!(r.summary.as_ref().unwrap()["rows_in"], 0);
    // the input's line ending (LF) is kept
    assert_eq!(r.clean, b"email,name\n");
    let r = clean(b"email,name\r\n", &[]);
    assert_eq!(r.clean, b"email,name\r\n");
    let r = clean(b"email,name", &[]);
    assert_conserved(&r);
}

#[test]
fn mixed_line_endings() {
    let r = clean(b"email,n\r\na@example.com,1\nb@example.com,2\rc@example.com,3\r\n\"d@example.com\",\"multi\r\nline\"\ne@example.com,5", &[]);
    assert_conserved(&r);
    let inputs: Vec<&str> = r
        .results
        .iter()
        .map(|v| v["input"].as_str().unwrap())
        .collect();
    assert_eq!(
        inputs,
        [
            "a@example.com",
            "b@example.com",
            "c@example.com",
            "d@example.com",
            "e@example.com"
        ]
    );
    assert!(r.results.iter().all(|v| v["valid"] == true));
}

#[test]
fn blank_email_column() {
    let r = clean(b"email,name\n,a\n   ,b\n\"\",c\n", &[]);
    assert_conserved(&r);
    assert_eq!(r.results.len(), 3);
    for v in &r.results {
        assert_eq!(v["reason"], "invalid_syntax");
        assert_eq!(v["detail"], "the address is empty");
    }
    assert_eq!(records(&r.rejects).len(), 3);
}

#[test]
fn invalid_utf8_forced_stays_invalid_encoding() {
    // the same bytes alone would be detected as Windows-1252; --encoding utf-8 says otherwise
    let input = b"email,name\ncaf\xe9@example.com,x\nok@example.com,y\n";
    let r = clean(input, &["--encoding", "utf-8"]);
    assert_conserved(&r);
    assert_eq!(r.results[0]["reason"], "invalid_encoding");
    assert_eq!(
        r.summary.as_ref().unwrap()["input"]["encoding_source"],
        "forced"
    );
    let r = clean(input, &[]);
    assert_conserved(&r);
    assert_eq!(r.results[0]["valid"], true);
    assert_eq!(r.results[0]["input"], "caf\u{e9}@example.com");
    assert_eq!(
        r.summary.as_ref().unwrap()["input"]["encoding"],
        "windows-1252"
    );
}

#[test]
fn unterminated_quote_is_reported_and_the_rows_after_it_read() {
    // a quote opened in the last column, never closed: the lines after it are rows again
    let r = clean(
        b"email,n\na@example.com,\"open\nb@example.com,2\nc@example.com,3\n",
        &[],
    );
    assert_conserved(&r);
    assert_eq!(r.results.len(), 3);
    assert!(
        r.results.iter().all(|v| v["valid"] == true),
        "{:?}",
        r.results
    );
    assert!(
        r.stderr
            .contains("in.csv:2: a quote opened on this line is left open"),
        "{}",
        r.stderr
    );
    let q = &r.summary.as_ref().unwrap()["input"]["open_quotes"];
    assert_eq!(q[0]["line"], 2);
    assert_eq!(q[0]["reason"], "end_of_input");
    // the row keeps its quote as a character, in CSV that parses
    let c = records(&r.clean);
    assert_eq!(&c[0][1], b"\"open");
}

#[test]
fn unterminated_quote_in_the_email_column_rejects_that_row_only() {
    let r = clean(
        b"name,email\nAnn,\"ann@example.com\nBob,bob@example.com\nCy,\"Smith, Cy\"\n",
        &[],
    );
    assert_conserved(&r);
    assert_eq!(r.results.len(), 3);
    assert_eq!(r.results[0]["valid"], false);
    assert_eq!(r.results[1]["valid"], true);
    let rej = records(&r.rejects);
    assert_eq!(rej.len(), 2);
    assert_eq!(&rej[0][1], b"\"ann@example.com");
    // every rejects row has the header's columns: the file parses as CSV
    assert!(rej.iter().all(|x| x.len() == 5), "{rej:?}");
}

#[test]
fn stray_quote_before_a_quoted_cell_does_not_swallow_the_rows_between() {
    let mut input = b"email,name\na@example.com,\"Ann\n".to_vec();
    for i in 0..50 {
        input.extend_from_slice(format!("u{i}@example.com,U{i}\n").as_bytes());
    }
    input.extend_from_slice(b"z@example.com,\"Zed, Z\"\nlast@example.com,L\n");
    let r = clean(&input, &["-j", "2"]);
    assert_conserved(&r);
    assert_eq!(r.results.len(), 53);
    assert_eq!(records(&r.clean).len(), 53);
    let q = &r.summary.as_ref().unwrap()["input"]["open_quotes"];
    assert_eq!(q[0]["line"], 2);
    assert_eq!(q[0]["reason"], "text_after_close");
}

#[test]
fn a_quoted_cell_past_128_kib_is_a_quote_left_open() {
    let mut input = b"email,name\na@example.com,\"Ann\n".to_vec();
    let mut n = 1;
    while input.len() < 200 << 10 {
        input.extend_from_slice(format!("user{n}@example.com,User\n").as_bytes());
        n += 1;
    }
    input.extend_from_slice(b"z@example.com,\"Zed\"\n");
    let r = clean(&input, &[]);
    assert_conserved(&r);
    assert_eq!(r.results.len(), n + 1);
    let q = &r.summary.as_ref().unwrap()["input"]["open_quotes"];
    assert_eq!(q[0]["reason"], "too_long");
    assert!(r.stderr.contains("in.csv:2:"), "{}", r.stderr);
}

#[test]
fn control_characters_in_errors_are_not_echoed_raw() {
    let r = clean(b"id,x\x1b[31m\n1,2\n", &[]);
    assert_eq!(r.status, 1);
    assert!(!r.stderr.contains('\x1b'), "{:?}", r.stderr);
}

#[test]
fn blank_lines_are_not_rows_and_do_not_leak_into_outputs() {
    let r = clean(
        b"email,n\n\na@example.com,1\n\n\nb@example.com,2\r\n\r\na@example.com,3\n",
        &[],
    );
    assert_conserved(&r);
    assert_eq!(r.results.len(), 3);
    assert_eq!(r.clean, b"email,n\na@example.com,1\nb@example.com,2\r\n");
    assert_eq!(r.rejects, b"email,n,mailsift_row,mailsift_reason,mailsift_detail\na@example.com,3,3,duplicate,duplicate of row 1\n");
}
