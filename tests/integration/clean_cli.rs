//! `clean` on well-formed inputs: columns, dialects, outputs, reject policy, formula escaping.

use super::support::{TempDir, clean, clean_without_results, records, run};

#[test]
fn sample_file_every_row_lands_once() {
    let input = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/samples/contacts.csv"
    ))
    .unwrap();
    let r = clean(&input, &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let s = r.summary.expect("summary");
    let rows_in = s["rows_in"].as_u64().unwrap();
    let clean_n = records(&r.clean).len() as u64;
    let rej_n = records(&r.rejects).len() as u64;
    assert_eq!(rows_in, 41);
    assert_eq!(clean_n, s["rows_clean"].as_u64().unwrap());
    assert_eq!(rej_n, s["rows_rejected"].as_u64().unwrap());
    assert_eq!(rows_in, clean_n + rej_n);
    assert_eq!(r.results.len() as u64, rows_in);
    // results are in input order
    for (i, v) in r.results.iter().enumerate() {
        assert_eq!(v["row"].as_u64().unwrap(), i as u64 + 1);
    }
    // Gmail dot/plus/googlemail variants are duplicates of row 1
    assert_eq!(r.results[1]["flags"]["duplicate_of"], 1);
    assert_eq!(r.results[2]["flags"]["duplicate_of"], 1);
    assert_eq!(r.results[2]["flags"]["trimmed"], true);
    // typo suggestion
    let carol = r
        .results
        .iter()
        .find(|v| v["input"] == "carol@gmial.com")
        .unwrap();
    assert_eq!(carol["suggestion"], "carol@gmail.com");
    // IDN normalised to U-labels; A-label input gives the same domain
    let max = r
        .results
        .iter()
        .find(|v| v["input"] == "max@xn--mller-bau-q9a.de")
        .unwrap();
    assert_eq!(max["normalized"], "max@müller-bau.de");
    assert_eq!(max["ascii"], "max@xn--mller-bau-q9a.de");
    // rejects carry row, reason and detail
    let rej = records(&r.rejects);
    let frank = rej.iter().find(|x| x[0].starts_with(b"frank@@")).unwrap();
    assert_eq!(&frank[7], b"15");
    assert_eq!(&frank[8], b"invalid_syntax");
    assert!(!frank[9].is_empty());
}

#[test]
fn clean_output_uses_normalized_form_unless_keep_original() {
    let input = b"name,email\nA,John.Doe@EXAMPLE.com\nB, x@Example.org \n";
    let r = clean(input, &[]);
    let c = records(&r.clean);
    assert_eq!(&c[0][1], b"John.Doe@example.com");
    assert_eq!(&c[1][1], b"x@example.org");
    let r = clean(input, &["--keep-original"]);
    let c = records(&r.clean);
    assert_eq!(&c[0][1], b"John.Doe@EXAMPLE.com");
    assert_eq!(&c[1][1], b" x@Example.org ");
}

#[test]
fn delimiters_bom_and_mailchimp_header() {
    let input = "\u{feff}Email Address;First Name\r\na@example.com;A\r\nb@example.com;B\r\n";
    let r = clean(input.as_bytes(), &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.results.len(), 2);
    // the byte-order mark is kept (and the delimiter and line ending)
    assert!(
        r.clean
            .starts_with("\u{feff}Email Address;First Name\r\n".as_bytes()),
        "{:?}",
        String::from_utf8_lossy(&r.clean)
    );
    let tab = clean(b"id\tE-Mail\n1\tc@example.com\n", &[]);
    assert_eq!(tab.results.len(), 1);
    assert_eq!(tab.results[0]["valid"], true);
}

#[test]
fn column_option_and_missing_column_error() {
    let input = b"id,contact\n1,a@example.com\n";
    let r = clean(input, &[]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("no email column"), "{}", r.stderr);
    assert!(
        r.stderr.contains("\"contact\""),
        "headers listed: {}",
        r.stderr
    );
    let r = clean(input, &["--column", "contact"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.results[0]["valid"], true);
    let r = clean(input, &["--column", "nope"]);
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.contains("no column named \"nope\""),
        "{}",
        r.stderr
    );
}

#[test]
fn headerless_single_column_list() {
    let r = clean(b"a@example.com\nb@example.com\nnot-an-address\n", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.results.len(), 3);
    assert_eq!(r.summary.unwrap()["rows_in"], 3);
}

#[test]
fn reject_policy() {
    let input = b"email\ninfo@example.com\nx@mailinator.com\ny@example.com\ny@example.com\n";
    let r = clean(input, &["--reject", "role"]);
    let rej = records(&r.rejects);
    assert_eq!(rej.len(), 1);
    assert_eq!(&rej[0][2], b"role");
    let r = clean(input, &["--reject", "none"]);
    assert_eq!(records(&r.rejects).len(), 0);
    assert_eq!(records(&r.clean).len(), 4);
    let r = clean(input, &[]);
    let rej = records(&r.rejects);
    let reasons: Vec<&[u8]> = rej.iter().map(|x| &x[2]).collect();
    assert_eq!(reasons, vec![&b"disposable"[..], &b"duplicate"[..]]);
    let r = clean(input, &["--reject", "bogus"]);
    assert_eq!(r.status, 2, "{}", r.stderr);
}

#[test]
fn formula_cells_escaped_by_default() {
    let input = b"email,note\n=cmd@example.com,=1+2\nok@example.com,@SUM(A1)\n";
    let r = clean(input, &["--reject", "none"]);
    let c = records(&r.clean);
    assert_eq!(&c[0][1], b"'=1+2");
    assert_eq!(&c[1][1], b"'@SUM(A1)");
    assert_eq!(&c[0][0], b"'=cmd@example.com");
    let r = clean(input, &["--reject", "none", "--no-formula-escape"]);
    let c = records(&r.clean);
    assert_eq!(&c[0][1], b"=1+2");
}

#[test]
fn stdin_and_stdout() {
    let d = TempDir::new("stdio");
    let rej = d.s("rej.csv");
    let o = run(
        &["clean", "-", "--offline", "-q", "--rejects", &rej],
        b"email\na@example.com\nbad\n",
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "email\na@example.com\n");
    assert_eq!(records(&std::fs::read(&rej).unwrap()).len(), 1);
}

#[test]
fn two_stdout_outputs_is_a_usage_error() {
    let o = run(&["clean", "-", "--results", "-"], b"email\n");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn exit_code_one_for_unreadable_input() {
    let o = run(&["clean", "/nonexistent/dir/list.csv", "--offline"], b"");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot open"));
}

#[test]
fn threads_give_identical_output() {
    let mut input = String::from("email,n\n");
    for i in 0..30_000 {
        let k = i % 7000;
        input.push_str(&format!("user{k}@example{}.com,{i}\n", k % 13));
    }
    let a = clean(input.as_bytes(), &["--threads", "1"]);
    let b = clean(input.as_bytes(), &["--threads", "2"]);
    assert_eq!(a.clean, b.clean);
    assert_eq!(a.rejects, b.rejects);
    assert_eq!(a.results, b.results);
    assert_eq!(a.results.len(), 30_000);
    assert_eq!(records(&a.rejects).len(), 30_000 - 7000);
    // Without --results the rows take the lean path (no full records): the same outputs, with
    // one, two and three workers (duplicates span many 128 KiB chunks).
    for threads in ["1", "2", "3"] {
        let c = clean_without_results(input.as_bytes(), &["--threads", threads]);
        assert_eq!(c.status, 0, "threads {threads}");
        assert!(c.results.is_empty());
        assert_eq!(c.clean, a.clean, "threads {threads}");
        assert_eq!(c.rejects, a.rejects, "threads {threads}");
    }
}

/// A stage that marks valid addresses accepted and records the size of each call.
struct CountingStage {
    calls: std::sync::Mutex<Vec<usize>>,
    batch: usize,
}

impl mailsift::stage::Stage for CountingStage {
    fn process(&self, records: &mut [&mut mailsift::model::AddressRecord]) {
        self.calls.lock().unwrap().push(records.len());
        for r in records.iter_mut().filter(|r| r.valid) {
            r.reason = mailsift::model::Reason::Accepted;
            r.verdict = mailsift::model::Verdict::Deliverable;
        }
    }

    fn batch_rows(&self) -> usize {
        self.batch
    }
}

#[test]
fn a_stage_can_gather_rows_across_chunks_without_changing_the_output() {
    use super::support::SharedBuf;
    use mailsift::pipeline::clean::{self, CleanConfig, CleanSinks};
    // About 1.3 MB: several input chunks.
    let mut input = b"email,name\n".to_vec();
    for i in 0..60_000 {
        input.extend(format!("user{i}@example{}.com,Name {i}\n", i % 97).as_bytes());
        if i % 1000 == 0 {
            input.extend(b"not-an-address,x\n");
        }
    }
    let mut outputs = Vec::new();
    let mut per_chunk = 0;
    for threads in [1, 2] {
        for batch in [0, 25_000] {
            let stage = CountingStage {
                calls: Default::default(),
                batch,
            };
            let (c, j, r) = (
                SharedBuf::default(),
                SharedBuf::default(),
                SharedBuf::default(),
            );
            let cfg = CleanConfig {
                threads,
                progress: None,
                ..CleanConfig::default()
            };
            let sinks = CleanSinks {
                clean: Box::new(c.clone()),
                rejects: Box::new(j.clone()),
                results: Some(Box::new(r.clone())),
            };
            let s = clean::run(
                Box::new(std::io::Cursor::new(input.clone())),
                Some(input.len() as u64),
                &cfg,
                sinks,
                Some(&stage),
            )
            .unwrap();
            assert_eq!(s.rows_in, 60_060);
            let calls = stage.calls.lock().unwrap().clone();
            assert_eq!(calls.iter().sum::<usize>(), 60_060);
            if batch == 0 {
                assert!(calls.len() >= 4, "one call per chunk: {calls:?}");
                per_chunk = calls.len();
            } else {
                assert!(calls.len() < per_chunk, "{calls:?}");
                let (last, full) = calls.split_last().unwrap();
                assert!(full.iter().all(|&n| n >= 25_000), "{calls:?}");
                assert!(*last > 0);
            }
            outputs.push((c.bytes(), j.bytes(), r.bytes()));
        }
    }
    for o in &outputs[1..] {
        assert!(
            o == &outputs[0],
            "the same output whatever the batching and threads"
        );
    }
    let results = String::from_utf8(outputs[0].2.clone()).unwrap();
    let last: serde_json::Value = serde_json::from_str(results.lines().last().unwrap()).unwrap();
    assert_eq!(last["row"], 60_060);
    assert_eq!(last["reason"], "accepted");
}
