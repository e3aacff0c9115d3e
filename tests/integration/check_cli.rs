//! `check`: JSON Lines per address, from arguments or stdin.

use super::support::run;

fn lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

#[test]
fn check_arguments() {
    let o = run(
        &[
            "check",
            "--offline",
            "John@Example.COM",
            "bad@",
            "x@mailinator.com",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0));
    let v = lines(&o.stdout);
    assert_eq!(v.len(), 3);
    assert_eq!(v[0]["normalized"], "John@example.com");
    assert_eq!(v[0]["verdict"], "unknown");
    assert_eq!(v[0]["reason"], "not_checked");
    assert_eq!(v[1]["verdict"], "undeliverable");
    assert_eq!(v[1]["reason"], "invalid_syntax");
    assert_eq!(v[2]["verdict"], "risky");
    assert_eq!(v[2]["reason"], "disposable");
    for key in [
        "row",
        "input",
        "normalized",
        "verdict",
        "reason",
        "flags",
        "suggestion",
    ] {
        assert!(v[0].get(key).is_some(), "missing {key}");
    }
}

#[test]
fn check_stdin() {
    let o = run(
        &["check", "--offline", "-"],
        b"a@example.com\r\nb@gmial.com\n\nc@example.com",
    );
    assert_eq!(o.status.code(), Some(0));
    let v = lines(&o.stdout);
    assert_eq!(v.len(), 4);
    assert_eq!(v[1]["suggestion"], "b@gmail.com");
    assert_eq!(v[2]["valid"], false);
    assert_eq!(v[3]["row"], 4);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["check"], b"").status.code(), Some(2));
    assert_eq!(run(&["frobnicate"], b"").status.code(), Some(2));
    assert_eq!(run(&["clean"], b"").status.code(), Some(2));
}
