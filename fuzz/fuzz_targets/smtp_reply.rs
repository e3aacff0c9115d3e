//! Fuzz the SMTP reply parser and the probe session: whatever a server sends, no panic, replies
//! stay capped and free of control characters, and the session never sends DATA or a command
//! with a line break inside.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailsift::__bench::smtp::{Action, MAX_REPLY_BYTES, ReplyParser, Session};
use mailsift::smtp::SessionConfig;

fuzz_target!(|data: &[u8]| {
    let split = data.first().map_or(1, |b| *b as usize % 7 + 1);
    let mut parser = ReplyParser::new();
    let cfg = SessionConfig {
        helo: "probe.example.net".into(),
        mail_from: "verify@example.net".into(),
        starttls: true,
    };
    let mut session =
        Session::new(cfg, vec!["a@example.org".into(), "b\r\nDATA@example.org".into()]).unwrap();
    for chunk in data.chunks(split) {
        parser.feed(chunk);
        loop {
            match parser.next_reply() {
                Ok(Some(r)) => {
                    assert!(r.text.len() <= MAX_REPLY_BYTES + 4);
                    assert!(!r.text.chars().any(char::is_control));
                    match session.on_reply(&r) {
                        Action::Send(bytes) => {
                            let body = &bytes[..bytes.len() - 2];
                            assert!(!body.contains(&b'\r') && !body.contains(&b'\n'));
                            assert!(!body.eq_ignore_ascii_case(b"DATA"));
                        }
                        Action::StartTls => {
                            let _ = session.tls_started();
                        }
                        Action::Close => return,
                    }
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
});
