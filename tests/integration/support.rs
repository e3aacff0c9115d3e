//! Helpers: run the binary, in-memory sinks.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

/// Path of the built binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mailsift"))
}

/// The probe settings the SMTP tests share: a test DNS server, a scripted SMTP server's port,
/// no pacing, our test HELO and sender.
pub fn smtp_args<'a>(dns: &'a str, port: &'a str, timeout: &'a str) -> Vec<&'a str> {
    vec![
        "--dns",
        dns,
        "--smtp",
        "--smtp-port",
        port,
        "--smtp-timeout",
        timeout,
        "--smtp-rate",
        "0",
        "--helo",
        "probe.mailsift.test",
        "--mail-from",
        "verify@mailsift.test",
    ]
}

/// `check` with [`smtp_args`], then `extra` (flags, addresses).
pub fn check_smtp(dns: &str, port: &str, timeout: &str, extra: &[&str]) -> Output {
    let mut args = vec!["check"];
    args.extend(smtp_args(dns, port, timeout));
    args.extend_from_slice(extra);
    run(&args, b"")
}

/// Run mailsift with `args`, feeding `stdin`.
pub fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mailsift");
    let mut si = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let t = std::thread::spawn(move || {
        let _ = si.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    t.join().expect("stdin writer");
    out
}

/// [`run`] with no input, asserting exit 0 (stderr shown otherwise).
pub fn run_ok(args: &[&str]) -> Output {
    let o = run(args, b"");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The JSON in the file at `path`.
pub fn read_json(path: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read JSON file")).expect("JSON")
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p =
            std::env::temp_dir().join(format!("mailsift-test-{}-{tag}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("mkdir");
        TempDir(p)
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    pub fn s(&self, name: &str) -> String {
        self.path(name).to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Outputs of one `clean` run through the binary.
pub struct CleanRun {
    pub status: i32,
    pub stderr: String,
    pub clean: Vec<u8>,
    pub rejects: Vec<u8>,
    pub results: Vec<serde_json::Value>,
    pub summary: Option<serde_json::Value>,
}

/// Run `clean` on `input` (written to a file) with extra args.
pub fn clean(input: &[u8], extra: &[&str]) -> CleanRun {
    clean_run(input, extra, true)
}

/// [`clean`] without `--results` (the path where rows get no full record; `results` is empty).
pub fn clean_without_results(input: &[u8], extra: &[&str]) -> CleanRun {
    clean_run(input, extra, false)
}

fn clean_run(input: &[u8], extra: &[&str], with_results: bool) -> CleanRun {
    let d = TempDir::new("clean");
    std::fs::write(d.path("in.csv"), input).expect("write input");
    let (inp, out, rej, res, sum) = (
        d.s("in.csv"),
        d.s("out.csv"),
        d.s("rej.csv"),
        d.s("res.jsonl"),
        d.s("sum.json"),
    );
    let mut args = vec![
        "clean",
        &inp,
        "--offline",
        "-q",
        "-o",
        &out,
        "--rejects",
        &rej,
        "--summary",
        &sum,
    ];
    if with_results {
        args.extend(["--results", res.as_str()]);
    }
    args.extend_from_slice(extra);
    let o = run(&args, b"");
    let results = std::fs::read_to_string(&res)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("results line is JSON"))
        .collect();
    CleanRun {
        status: o.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        clean: std::fs::read(&out).unwrap_or_default(),
        rejects: std::fs::read(&rej).unwrap_or_default(),
        results,
        summary: std::fs::read_to_string(&sum)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok()),
    }
}

/// Parse CSV bytes into records (flexible), skipping the header.
pub fn records(bytes: &[u8]) -> Vec<csv::ByteRecord> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    r.byte_records()
        .map(|x| x.expect("output CSV parses"))
        .collect()
}

/// An in-memory, shareable sink.
#[derive(Clone, Default)]
pub struct SharedBuf(pub Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl SharedBuf {
    pub fn bytes(&self) -> Vec<u8> {
        self.0.lock().expect("lock").clone()
    }
}

/// A minimal XML well-formedness check: balanced tags, quoted attributes, `&` only in
/// entities, no raw `<` in text. Returns the elements (name, attributes) in document order.
pub fn xml_elements(doc: &str) -> Vec<(String, String)> {
    let b = doc.as_bytes();
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'<' => {
                let end = doc[i..].find('>').map(|e| i + e).expect("unclosed tag");
                let tag = &doc[i + 1..end];
                if tag.starts_with("!DOCTYPE") || tag.starts_with("!--") {
                } else if let Some(name) = tag.strip_prefix('/') {
                    assert_eq!(
                        stack.pop().as_deref(),
                        Some(name.trim()),
                        "bad nesting at {i}"
                    );
                } else {
                    assert!(!tag.contains('<'), "'<' inside a tag at {i}");
                    let self_closing = tag.ends_with('/');
                    let name: String = tag
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric())
                        .collect();
                    assert!(!name.is_empty(), "empty tag name at {i}");
                    // attributes: name="value" pairs
                    let attrs = tag[name.len()..].trim_end_matches('/');
                    assert_eq!(
                        attrs.matches('"').count() % 2,
                        0,
                        "unbalanced quotes in <{tag}>"
                    );
                    names.push((name.clone(), attrs.to_string()));
                    if !self_closing {
                        stack.push(name);
                    }
                }
                i = end + 1;
            }
            b'&' => {
                let end = doc[i..]
                    .find(';')
                    .map(|e| i + e)
                    .expect("unterminated entity");
                let ent = &doc[i + 1..end];
                assert!(
                    matches!(ent, "amp" | "lt" | "gt" | "quot" | "#39")
                        || ent.starts_with('#') && ent[1..].bytes().all(|c| c.is_ascii_digit()),
                    "unknown entity &{ent};"
                );
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    names
}
