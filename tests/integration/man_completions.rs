//! `man` and `completions`: the roff man page and shell completion scripts on stdout.

use super::support::run;

#[test]
fn man_page_is_roff_and_lists_the_commands() {
    let o = run(&["man"], b"");
    assert_eq!(o.status.code(), Some(0));
    let page = String::from_utf8_lossy(&o.stdout);
    assert!(page.contains(".TH"), "no .TH line:\n{page}");
    assert!(page.contains("clean"), "no clean command:\n{page}");
    assert!(page.contains("bounces"), "no bounces command:\n{page}");

    let o = run(&["man", "clean"], b"");
    assert_eq!(o.status.code(), Some(0));
    let page = String::from_utf8_lossy(&o.stdout);
    assert!(page.contains(".TH mailsift-clean"), "{page}");
    assert!(page.contains("reject"), "{page}");

    let o = run(&["man", "no-such-command"], b"");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn completions_for_every_shell() {
    let o = run(&["completions", "bash"], b"");
    assert_eq!(o.status.code(), Some(0));
    let script = String::from_utf8_lossy(&o.stdout);
    assert!(script.contains("bounces"), "{script}");
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let o = run(&["completions", shell], b"");
        assert_eq!(o.status.code(), Some(0), "{shell}");
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("logs"),
            "{shell}"
        );
    }
    let o = run(&["completions", "tcsh"], b"");
    assert_eq!(o.status.code(), Some(2));
}
