//! The probe session as a sans-IO state machine: it reads replies and says what to send next.
//! Banner, EHLO (HELO fallback), STARTTLS when offered and wanted, `MAIL FROM`, one `RCPT TO` per
//! recipient, `QUIT`. It never sends `DATA`, and it refuses any path that could smuggle a
//! command into the session (CR, LF, NUL, other controls, angle brackets).

use super::reply::Reply;

/// The probe's identity and limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// Our HELO/EHLO name.
    pub helo: String,
    /// Our `MAIL FROM` address (may be empty for the null reverse-path `<>`).
    pub mail_from: String,
    /// Upgrade with STARTTLS when the server offers it.
    pub starttls: bool,
}

/// Why a path cannot be used in an SMTP command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError(pub String);

/// Check that `s` is safe inside `<...>` of an SMTP command: no control characters (CR, LF,
/// NUL, ...), no `<`, `>`, spaces, at most 256 octets.
pub(crate) fn validate_path(s: &str) -> Result<(), PathError> {
    if s.len() > 256 {
        return Err(PathError("path longer than 256 octets".into()));
    }
    if let Some(c) = s
        .chars()
        .find(|&c| c.is_control() || matches!(c, '<' | '>' | ' ' | '\u{2028}' | '\u{2029}'))
    {
        return Err(PathError(format!(
            "character U+{:04X} is not allowed in an SMTP path",
            c as u32
        )));
    }
    Ok(())
}

/// A HELO name must be a plain host name or address literal.
pub(crate) fn validate_helo(s: &str) -> Result<(), PathError> {
    if s.is_empty()
        || s.len() > 255
        || !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'))
    {
        return Err(PathError(format!("{s:?} is not a valid HELO name")));
    }
    Ok(())
}

/// `452 4.5.3` (or a 452 that says so): too many recipients in this transaction.
fn too_many_recipients(r: &Reply) -> bool {
    r.code == 452
        && (r
            .enhanced
            .is_some_and(|e| (e.class, e.subject, e.detail) == (4, 5, 3))
            || super::verdict::TextClasses::of(&r.text).has(super::verdict::TextClass::TooMany))
}

/// What the driver should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send these bytes (one command, CRLF-terminated).
    Send(Vec<u8>),
    /// Start TLS on the connection now, then call [`Session::tls_started`].
    StartTls,
    /// Close the connection; the session is over.
    Close,
}

/// How one recipient ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RcptResult {
    /// The server answered our `RCPT TO`.
    Answered(Reply),
    /// The session failed before `RCPT TO` (banner, EHLO/HELO, STARTTLS or `MAIL FROM` reply).
    SessionRefused(Reply),
    /// The recipient's path could not be sent.
    BadPath(PathError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Banner,
    Ehlo,
    Helo,
    StartTls,
    MailFrom,
    Rcpt,
    Rset,
    Quit,
    Closed,
}

/// One probe session over one connection.
#[derive(Debug)]
pub struct Session {
    cfg: SessionConfig,
    state: State,
    recipients: Vec<String>,
    next: usize,
    results: Vec<Option<RcptResult>>,
    /// The server offered STARTTLS.
    pub offered_starttls: bool,
    /// TLS was started.
    pub tls: bool,
    /// The server offered SMTPUTF8 (RFC 6531).
    pub offered_smtputf8: bool,
    /// Recipients accepted or refused in the current mail transaction.
    in_txn: usize,
    /// Commands sent, for tests and logs.
    pub sent: Vec<String>,
}

fn cmd(s: String) -> Action {
    Action::Send(format!("{s}\r\n").into_bytes())
}

impl Session {
    /// A session that will ask about `recipients`. Paths are checked here; a bad one gets
    /// [`RcptResult::BadPath`] and is never sent. Fails when our own identity is unsafe.
    pub fn new(cfg: SessionConfig, recipients: Vec<String>) -> Result<Session, PathError> {
        validate_helo(&cfg.helo)?;
        validate_path(&cfg.mail_from)?;
        let results = recipients
            .iter()
            .map(|r| {
                validate_path(r)
                    .and_then(|_| {
                        if r.is_empty() {
                            Err(PathError("empty recipient".into()))
                        } else {
                            Ok(())
                        }
                    })
                    .err()
                    .map(RcptResult::BadPath)
            })
            .collect();
        Ok(Session {
            cfg,
            state: State::Banner,
            recipients,
            next: 0,
            results,
            offered_starttls: false,
            tls: false,
            offered_smtputf8: false,
            in_txn: 0,
            sent: Vec::new(),
        })
    }

    fn send(&mut self, s: String) -> Action {
        self.sent.push(s.clone());
        cmd(s)
    }

    fn fail_all(&mut self, reply: &Reply) -> Action {
        for r in self.results.iter_mut().filter(|r| r.is_none()) {
            *r = Some(RcptResult::SessionRefused(reply.clone()));
        }
        self.quit()
    }

    fn quit(&mut self) -> Action {
        self.state = State::Quit;
        self.send("QUIT".into())
    }

    fn mail_from(&mut self) -> Action {
        self.state = State::MailFrom;
        self.in_txn = 0;
        let from = self.cfg.mail_from.clone();
        // Internationalised recipients (RFC 6531) need SMTPUTF8: ask for it when the server
        // offers it, else they cannot be asked about at all.
        let mut utf8 = false;
        for (r, res) in self.recipients.iter().zip(self.results.iter_mut()) {
            if res.is_none() && !r.is_ascii() {
                if self.offered_smtputf8 {
                    utf8 = true;
                } else {
                    *res = Some(RcptResult::BadPath(PathError(
                        "the server does not offer SMTPUTF8 (RFC 6531) for this internationalised \
                         address"
                            .into(),
                    )));
                }
            }
        }
        if utf8 {
            self.send(format!("MAIL FROM:<{from}> SMTPUTF8"))
        } else {
            self.send(format!("MAIL FROM:<{from}>"))
        }
    }

    fn next_rcpt(&mut self) -> Action {
        while self.next < self.recipients.len() && self.results[self.next].is_some() {
            self.next += 1;
        }
        if self.next >= self.recipients.len() {
            return self.quit();
        }
        self.state = State::Rcpt;
        let to = self.recipients[self.next].clone();
        self.send(format!("RCPT TO:<{to}>"))
    }

    /// Feed the server's next reply; get the next action.
    pub fn on_reply(&mut self, reply: &Reply) -> Action {
        match self.state {
            State::Banner => {
                if reply.code == 220 {
                    self.state = State::Ehlo;
                    let h = self.cfg.helo.clone();
                    self.send(format!("EHLO {h}"))
                } else {
                    self.fail_all(reply)
                }
            }
            State::Ehlo => {
                if reply.is_positive() {
                    let has = |kw: &str| {
                        reply
                            .text
                            .split_ascii_whitespace()
                            .any(|w| w.eq_ignore_ascii_case(kw))
                    };
                    self.offered_starttls = has("STARTTLS");
                    self.offered_smtputf8 = has("SMTPUTF8");
                    if self.cfg.starttls && self.offered_starttls && !self.tls {
                        self.state = State::StartTls;
                        return self.send("STARTTLS".into());
                    }
                    self.mail_from()
                } else if reply.is_permanent() && !self.tls {
                    // Old servers: fall back to HELO.
                    self.state = State::Helo;
                    let h = self.cfg.helo.clone();
                    self.send(format!("HELO {h}"))
                } else {
                    self.fail_all(reply)
                }
            }
            State::Helo => {
                if reply.is_positive() {
                    self.mail_from()
                } else {
                    self.fail_all(reply)
                }
            }
            State::StartTls => {
                if reply.code == 220 {
                    Action::StartTls
                } else {
                    // Refused STARTTLS: go on in clear text.
                    self.mail_from()
                }
            }
            State::MailFrom => {
                if reply.is_positive() {
                    self.next_rcpt()
                } else {
                    self.fail_all(reply)
                }
            }
            State::Rcpt => {
                if too_many_recipients(reply) && self.in_txn > 0 {
                    // RFC 5321 §4.5.3.1.10: start a new transaction and ask again.
                    self.state = State::Rset;
                    return self.send("RSET".into());
                }
                self.in_txn += 1;
                self.results[self.next] = Some(RcptResult::Answered(reply.clone()));
                self.next += 1;
                if reply.code == 421 {
                    // The server is closing: the rest stay unanswered.
                    return self.fail_all(reply);
                }
                self.next_rcpt()
            }
            State::Rset => {
                if reply.is_positive() {
                    self.mail_from()
                } else {
                    self.fail_all(reply)
                }
            }
            State::Quit | State::Closed => {
                self.state = State::Closed;
                Action::Close
            }
        }
    }

    /// TLS is up: greet again (RFC 3207 §4.2).
    pub fn tls_started(&mut self) -> Action {
        self.tls = true;
        self.state = State::Ehlo;
        let h = self.cfg.helo.clone();
        self.send(format!("EHLO {h}"))
    }

    /// The connection ended (closed, timed out): the session is over.
    pub fn closed(&mut self) {
        self.state = State::Closed;
    }

    /// Results so far, one per recipient (`None`: not answered yet, e.g. the connection dropped).
    pub fn results(&self) -> &[Option<RcptResult>] {
        &self.results
    }
}

#[cfg(test)]
mod tests {
    use super::super::reply::parse_one;
    use super::*;

    fn reply(s: &str) -> Reply {
        parse_one(s)
    }

    fn cfg() -> SessionConfig {
        SessionConfig {
            helo: "probe.example.net".into(),
            mail_from: "bounce@example.net".into(),
            starttls: true,
        }
    }

    #[test]
    fn full_session_never_sends_data() {
        let mut s = Session::new(cfg(), vec!["a@ok.test".into(), "b@ok.test".into()]).unwrap();
        assert_eq!(
            s.on_reply(&reply("220 mx ESMTP\r\n")),
            cmd("EHLO probe.example.net".into())
        );
        assert_eq!(
            s.on_reply(&reply("250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n")),
            cmd("STARTTLS".into())
        );
        assert_eq!(
            s.on_reply(&reply("220 2.0.0 go ahead\r\n")),
            Action::StartTls
        );
        assert_eq!(s.tls_started(), cmd("EHLO probe.example.net".into()));
        assert_eq!(
            s.on_reply(&reply("250 mx\r\n")),
            cmd("MAIL FROM:<bounce@example.net>".into())
        );
        assert_eq!(
            s.on_reply(&reply("250 2.1.0 Ok\r\n")),
            cmd("RCPT TO:<a@ok.test>".into())
        );
        assert_eq!(
            s.on_reply(&reply("250 2.1.5 Ok\r\n")),
            cmd("RCPT TO:<b@ok.test>".into())
        );
        assert_eq!(
            s.on_reply(&reply("550 5.1.1 unknown\r\n")),
            cmd("QUIT".into())
        );
        assert_eq!(s.on_reply(&reply("221 bye\r\n")), Action::Close);
        assert!(s.tls);
        assert!(!s.sent.iter().any(|c| c.eq_ignore_ascii_case("DATA")));
        let r = s.results();
        assert!(matches!(&r[0], Some(RcptResult::Answered(x)) if x.code == 250));
        assert!(matches!(&r[1], Some(RcptResult::Answered(x)) if x.code == 550));
    }

    #[test]
    fn too_many_recipients_starts_a_new_transaction() {
        let mut s = Session::new(cfg(), vec!["a@ok.test".into(), "b@ok.test".into()]).unwrap();
        s.on_reply(&reply("220 mx\r\n"));
        s.on_reply(&reply("250-mx\r\n250 SMTPUTF8\r\n"));
        assert!(s.offered_smtputf8);
        s.on_reply(&reply("250 ok\r\n"));
        assert_eq!(
            s.on_reply(&reply("250 ok\r\n")),
            cmd("RCPT TO:<b@ok.test>".into())
        );
        assert_eq!(
            s.on_reply(&reply("452 4.5.3 Too many recipients\r\n")),
            cmd("RSET".into())
        );
        assert_eq!(
            s.on_reply(&reply("250 2.0.0 Ok\r\n")),
            cmd("MAIL FROM:<bounce@example.net>".into())
        );
        assert_eq!(
            s.on_reply(&reply("250 ok\r\n")),
            cmd("RCPT TO:<b@ok.test>".into())
        );
        assert_eq!(s.on_reply(&reply("550 5.1.1 no\r\n")), cmd("QUIT".into()));
        assert!(matches!(&s.results()[1], Some(RcptResult::Answered(x)) if x.code == 550));
        // A first recipient refused as "too many" is an answer, not a loop.
        let mut s = Session::new(cfg(), vec!["a@ok.test".into()]).unwrap();
        s.on_reply(&reply("220 mx\r\n"));
        s.on_reply(&reply("250 mx\r\n"));
        s.on_reply(&reply("250 ok\r\n"));
        assert_eq!(
            s.on_reply(&reply("452 4.5.3 Too many recipients\r\n")),
            cmd("QUIT".into())
        );
    }

    #[test]
    fn internationalised_recipients_need_smtputf8() {
        let rcpts = vec!["jörg@example.de".to_string(), "a@ok.test".to_string()];
        let mut s = Session::new(cfg(), rcpts.clone()).unwrap();
        s.on_reply(&reply("220 mx\r\n"));
        assert_eq!(
            s.on_reply(&reply("250-mx\r\n250 SMTPUTF8\r\n")),
            cmd("MAIL FROM:<bounce@example.net> SMTPUTF8".into())
        );
        assert_eq!(
            s.on_reply(&reply("250 ok\r\n")),
            cmd("RCPT TO:<jörg@example.de>".into())
        );
        let mut s = Session::new(cfg(), rcpts).unwrap();
        s.on_reply(&reply("220 mx\r\n"));
        assert_eq!(
            s.on_reply(&reply("250 mx\r\n")),
            cmd("MAIL FROM:<bounce@example.net>".into())
        );
        assert_eq!(
            s.on_reply(&reply("250 ok\r\n")),
            cmd("RCPT TO:<a@ok.test>".into())
        );
        assert!(matches!(&s.results()[0], Some(RcptResult::BadPath(_))));
    }

    #[test]
    fn helo_fallback_and_refusals() {
        let mut s = Session::new(cfg(), vec!["a@ok.test".into()]).unwrap();
        s.on_reply(&reply("220 old\r\n"));
        assert_eq!(
            s.on_reply(&reply("502 what\r\n")),
            cmd("HELO probe.example.net".into())
        );
        s.on_reply(&reply("250 hi\r\n"));
        assert_eq!(
            s.on_reply(&reply("554 5.7.1 your IP is listed\r\n")),
            cmd("QUIT".into())
        );
        assert!(matches!(&s.results()[0], Some(RcptResult::SessionRefused(x)) if x.code == 554));
        let mut s = Session::new(cfg(), vec!["a@ok.test".into()]).unwrap();
        assert_eq!(s.on_reply(&reply("421 4.3.2 busy\r\n")), cmd("QUIT".into()));
        assert!(matches!(&s.results()[0], Some(RcptResult::SessionRefused(x)) if x.code == 421));
    }

    #[test]
    fn no_command_injection() {
        for bad in [
            "a@ok.test\r\nDATA",
            "a@ok.test\nRSET",
            "a@ok.test\0",
            "a>@ok.test",
            "a b@ok.test",
            "",
        ] {
            let mut s = Session::new(cfg(), vec![bad.into(), "good@ok.test".into()]).unwrap();
            s.on_reply(&reply("220 mx\r\n"));
            s.on_reply(&reply("250 mx\r\n"));
            // The bad path is skipped: the first RCPT is the good one.
            assert_eq!(
                s.on_reply(&reply("250 ok\r\n")),
                cmd("RCPT TO:<good@ok.test>".into())
            );
            assert!(
                matches!(&s.results()[0], Some(RcptResult::BadPath(_))),
                "{bad:?}"
            );
            assert!(s.sent.iter().all(|c| !c.contains(['\r', '\n', '\0'])));
        }
        let mut evil = cfg();
        evil.mail_from = "x@y\r\nDATA".into();
        assert!(Session::new(evil, vec![]).is_err());
        let mut evil = cfg();
        evil.helo = "a\r\nDATA".into();
        assert!(Session::new(evil, vec![]).is_err());
    }
}
