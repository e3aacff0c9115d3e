//! The diagnostic session, sans-IO: greeting → EHLO (HELO fallback) → STARTTLS → EHLO again →
//! optional AUTH → VRFY / EXPN → `MAIL FROM` → optional relay `RCPT TO` → `postmaster@`
//! `RCPT TO` → `RSET` → `QUIT`. It emits commands and consumes replies. It never sends `DATA`,
//! and after a refused `MAIL FROM` it sends nothing but `RSET` and `QUIT`.

use serde::Serialize;

use crate::smtp::reply::Reply;

use super::auth::{self, Credentials, Mechanism};

/// A local part that surely does not exist: VRFY for it tells a server that answers 252 to
/// everything from one that leaks which addresses exist.
pub const VRFY_NOBODY: &str = "mailsift-no-such-user-q7x3";

/// The outside sender of the relay test (RFC 2606 domain: nobody's mail server).
pub const RELAY_FROM: &str = "relay-test@example.com";
/// The outside recipient of the relay test.
pub const RELAY_TO: &str = "relay-test@example.net";

/// What the session should try.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The EHLO/HELO name.
    pub helo: String,
    /// Upgrade with STARTTLS when offered (false on implicit TLS: already encrypted).
    pub starttls: bool,
    /// The connection is already TLS (port 465).
    pub implicit_tls: bool,
    /// AUTH with these credentials, when offered.
    pub auth: Option<Credentials>,
    /// AUTH also without TLS.
    pub allow_plaintext_auth: bool,
    /// Try relaying (`MAIL FROM` an outside sender, `RCPT TO` an outside domain).
    pub relay_test: bool,
    /// The postmaster address to ask for (`postmaster@domain`, or `postmaster`).
    pub postmaster: String,
}

/// What the session asks the driver to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Send this line (CRLF added by the driver).
    Send(String),
    /// Start the TLS handshake, then call [`Session::tls_started`] or [`Session::tls_failed`].
    StartTls,
    /// Close the connection.
    Close,
}

/// One reply as recorded: code, text (control characters already replaced).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Said {
    /// The reply code.
    pub code: u16,
    /// The reply text.
    pub text: String,
}

impl From<&Reply> for Said {
    fn from(r: &Reply) -> Said {
        Said {
            code: r.code,
            text: r.text.clone(),
        }
    }
}

/// How AUTH went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthResult {
    /// The mechanism used (`PLAIN`, ...), empty when not tried.
    pub mechanism: String,
    /// `ok`, `refused`, `skipped_no_tls`, `not_offered`, `no_common_mechanism`.
    pub result: String,
    /// The final reply, when there was one.
    pub reply: Option<Said>,
}

/// Everything the session learned.
#[derive(Debug, Clone, Default)]
pub(crate) struct Transcript {
    /// The greeting.
    pub greeting: Option<Said>,
    /// The name in the first line of the EHLO (or HELO) reply.
    pub ehlo_name: Option<String>,
    /// EHLO was refused and HELO used.
    pub used_helo: bool,
    /// Extension lines before TLS (keyword and parameters, as sent).
    pub extensions: Vec<String>,
    /// Extension lines after STARTTLS (or on the implicit TLS connection: `extensions`).
    pub extensions_tls: Option<Vec<String>>,
    /// The reply to STARTTLS.
    pub starttls: Option<Said>,
    /// TLS is up (STARTTLS completed or implicit).
    pub tls: bool,
    /// The TLS handshake failed.
    pub tls_failed: bool,
    /// AUTH, when asked for.
    pub auth: Option<AuthResult>,
    /// VRFY's reply.
    pub vrfy: Option<Said>,
    /// VRFY's reply for [`VRFY_NOBODY`] (asked when VRFY postmaster got 2yz).
    pub vrfy_nobody: Option<Said>,
    /// EXPN's reply.
    pub expn: Option<Said>,
    /// The `MAIL FROM` sent and its reply.
    pub mail: Option<(String, Said)>,
    /// The relay `RCPT TO`'s reply.
    pub relay_rcpt: Option<Said>,
    /// The postmaster `RCPT TO`'s reply.
    pub postmaster_rcpt: Option<Said>,
    /// Every line sent (AUTH responses redacted).
    pub sent: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Greeting,
    Ehlo,
    Helo,
    StartTls,
    Handshake,
    EhloTls,
    Auth { mech: Mechanism, step: usize },
    Vrfy,
    VrfyNobody,
    Expn,
    Mail { relay: bool },
    RelayRcpt,
    PostmasterRcpt,
    Rset,
    Quit,
    Done,
}

/// The diagnostic session.
#[derive(Debug)]
pub(crate) struct Session {
    plan: Plan,
    state: State,
    /// A `MAIL FROM` was refused: from now on only RSET and QUIT.
    mail_refused: bool,
    authenticated: bool,
    /// What was learned.
    pub t: Transcript,
}

/// EHLO extension keywords (upper case) in `lines` (the reply's lines after the first).
pub(crate) fn keywords(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| l.split_ascii_whitespace().next())
        .map(str::to_ascii_uppercase)
        .collect()
}

/// The AUTH mechanisms offered in extension `lines` (`AUTH PLAIN LOGIN`, or `AUTH=...`).
pub(crate) fn auth_mechanisms(lines: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in lines {
        let mut words = l.split_ascii_whitespace();
        let Some(first) = words.next() else { continue };
        let up = first.to_ascii_uppercase();
        let mechs: Vec<&str> = if up == "AUTH" {
            words.collect()
        } else if let Some(rest) = up.strip_prefix("AUTH=") {
            let mut v: Vec<&str> = words.collect();
            if !rest.is_empty() {
                v.insert(0, &first[5..]);
            }
            v
        } else {
            continue;
        };
        for m in mechs {
            let m = m.to_ascii_uppercase();
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    out
}

impl Session {
    /// A session that waits for the greeting.
    pub(crate) fn new(plan: Plan) -> Session {
        let tls = plan.implicit_tls;
        Session {
            plan,
            state: State::Greeting,
            mail_refused: false,
            authenticated: false,
            t: Transcript {
                tls,
                ..Transcript::default()
            },
        }
    }

    /// The session has ended (the driver may close).
    pub(crate) fn is_done(&self) -> bool {
        self.state == State::Done
    }

    fn send(&mut self, line: String, logged: Option<String>) -> Action {
        // The safety rule, kept here whatever the caller does.
        if self.mail_refused && line != "RSET" && line != "QUIT" {
            return self.quit();
        }
        debug_assert!(!line.eq_ignore_ascii_case("DATA"));
        self.t.sent.push(logged.unwrap_or_else(|| line.clone()));
        Action::Send(line)
    }

    fn quit(&mut self) -> Action {
        self.state = State::Quit;
        self.t.sent.push("QUIT".into());
        Action::Send("QUIT".into())
    }

    fn current_extensions(&self) -> &[String] {
        self.t
            .extensions_tls
            .as_deref()
            .unwrap_or(&self.t.extensions)
    }

    /// Consume a reply (`lines`: the text of each of its lines after the code).
    pub(crate) fn on_reply(&mut self, reply: &Reply, lines: &[String]) -> Action {
        let said = Said::from(reply);
        if reply.code == 421 && self.state != State::Greeting {
            // The server is closing the channel (RFC 5321 3.8).
            self.state = State::Done;
            return Action::Close;
        }
        match self.state {
            State::Greeting => {
                self.t.greeting = Some(said);
                if reply.is_positive() {
                    self.state = State::Ehlo;
                    let h = format!("EHLO {}", self.plan.helo);
                    self.send(h, None)
                } else if reply.code == 421 {
                    self.state = State::Done;
                    Action::Close
                } else {
                    self.quit()
                }
            }
            State::Ehlo | State::EhloTls => {
                let tls_round = self.state == State::EhloTls;
                if reply.is_positive() {
                    self.t.ehlo_name = lines
                        .first()
                        .and_then(|l| l.split_ascii_whitespace().next())
                        .map(str::to_owned);
                    let ext: Vec<String> = lines.iter().skip(1).cloned().collect();
                    if tls_round || self.plan.implicit_tls {
                        self.t.extensions_tls = Some(ext.clone());
                    }
                    if !tls_round {
                        self.t.extensions = ext;
                    }
                    if !tls_round
                        && self.plan.starttls
                        && !self.t.tls
                        && keywords(&self.t.extensions).iter().any(|k| k == "STARTTLS")
                    {
                        self.state = State::StartTls;
                        return self.send("STARTTLS".into(), None);
                    }
                    self.after_hello()
                } else if reply.is_permanent() && !tls_round {
                    self.state = State::Helo;
                    self.t.used_helo = true;
                    let h = format!("HELO {}", self.plan.helo);
                    self.send(h, None)
                } else {
                    self.quit()
                }
            }
            State::Helo => {
                if reply.is_positive() {
                    self.t.ehlo_name = reply
                        .text
                        .split_ascii_whitespace()
                        .next()
                        .map(str::to_owned);
                    self.after_hello()
                } else {
                    self.quit()
                }
            }
            State::StartTls => {
                let ok = reply.code == 220;
                self.t.starttls = Some(said);
                if ok {
                    self.state = State::Handshake;
                    Action::StartTls
                } else {
                    self.after_hello()
                }
            }
            State::Handshake => self.quit(),
            State::Auth { mech, step } => {
                if reply.code == 334 {
                    let challenge = lines.first().map(String::as_str).unwrap_or("");
                    let creds = self.plan.auth.clone();
                    let next = creds
                        .as_ref()
                        .and_then(|c| auth::answer(mech, step, challenge, c));
                    self.state = State::Auth {
                        mech,
                        step: step + 1,
                    };
                    match next {
                        Some(line) => {
                            let logged = auth::redacted_command(mech, false);
                            self.send(line, Some(logged))
                        }
                        None => self.send("*".into(), None),
                    }
                } else {
                    let ok = reply.code == 235;
                    self.authenticated = ok;
                    self.t.auth = Some(AuthResult {
                        mechanism: mech.name().into(),
                        result: if ok { "ok" } else { "refused" }.into(),
                        reply: Some(said),
                    });
                    self.vrfy()
                }
            }
            State::Vrfy => {
                self.t.vrfy = Some(said);
                if reply.is_positive() {
                    self.state = State::VrfyNobody;
                    return self.send(format!("VRFY {VRFY_NOBODY}"), None);
                }
                self.state = State::Expn;
                self.send("EXPN postmaster".into(), None)
            }
            State::VrfyNobody => {
                self.t.vrfy_nobody = Some(said);
                self.state = State::Expn;
                self.send("EXPN postmaster".into(), None)
            }
            State::Expn => {
                self.t.expn = Some(said);
                self.mail()
            }
            State::Mail { relay } => {
                let sent = self.t.sent.last().cloned().unwrap_or_default();
                self.t.mail = Some((sent, said));
                if !reply.is_positive() {
                    self.mail_refused = true;
                    self.state = State::Rset;
                    return self.send("RSET".into(), None);
                }
                if relay {
                    self.state = State::RelayRcpt;
                    self.send(format!("RCPT TO:<{RELAY_TO}>"), None)
                } else {
                    self.postmaster()
                }
            }
            State::RelayRcpt => {
                self.t.relay_rcpt = Some(said);
                self.postmaster()
            }
            State::PostmasterRcpt => {
                self.t.postmaster_rcpt = Some(said);
                self.state = State::Rset;
                self.send("RSET".into(), None)
            }
            State::Rset => self.quit(),
            State::Quit | State::Done => {
                self.state = State::Done;
                Action::Close
            }
        }
    }

    fn after_hello(&mut self) -> Action {
        let Some(creds) = self.plan.auth.clone() else {
            return self.vrfy();
        };
        let offered = auth_mechanisms(self.current_extensions());
        let result = |r: &str| AuthResult {
            mechanism: String::new(),
            result: r.into(),
            reply: None,
        };
        if offered.is_empty() {
            self.t.auth = Some(result("not_offered"));
            return self.vrfy();
        }
        if !self.t.tls && !self.plan.allow_plaintext_auth {
            self.t.auth = Some(result("skipped_no_tls"));
            return self.vrfy();
        }
        let Some(mech) = Mechanism::choose(&offered, self.t.tls) else {
            self.t.auth = Some(result("no_common_mechanism"));
            return self.vrfy();
        };
        self.state = State::Auth { mech, step: 0 };
        let line = auth::first_line(mech, &creds);
        let logged = auth::redacted_command(mech, true);
        self.send(line, Some(logged))
    }

    fn vrfy(&mut self) -> Action {
        self.state = State::Vrfy;
        self.send("VRFY postmaster".into(), None)
    }

    fn mail(&mut self) -> Action {
        let relay = self.plan.relay_test && !self.authenticated;
        self.state = State::Mail { relay };
        let from = if relay { RELAY_FROM } else { "" };
        self.send(format!("MAIL FROM:<{from}>"), None)
    }

    fn postmaster(&mut self) -> Action {
        self.state = State::PostmasterRcpt;
        let to = format!("RCPT TO:<{}>", self.plan.postmaster);
        self.send(to, None)
    }

    /// The TLS handshake completed: EHLO again (RFC 3207 4.2), or on implicit TLS nothing yet.
    pub(crate) fn tls_started(&mut self) -> Action {
        self.t.tls = true;
        self.state = State::EhloTls;
        let h = format!("EHLO {}", self.plan.helo);
        self.send(h, None)
    }

    /// The TLS handshake failed: the connection is unusable.
    pub(crate) fn tls_failed(&mut self) {
        self.t.tls_failed = true;
        self.state = State::Done;
    }
}

/// The text of each line of an SMTP reply (after `250-` / `250 `), from the raw bytes as they
/// arrive; replies come out in the same order as from the reply parser.
#[derive(Debug, Default)]
pub(crate) struct ReplyLines {
    buf: Vec<u8>,
    current: Vec<String>,
    done: std::collections::VecDeque<Vec<String>>,
}

impl ReplyLines {
    /// Add bytes.
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        while let Some(nl) = self.buf.iter().position(|&b| b == b'\n') {
            let raw: Vec<u8> = self.buf.drain(..=nl).collect();
            let line = String::from_utf8_lossy(&raw);
            let line = line.trim_end_matches(['\r', '\n']);
            let text: String = line
                .get(4..)
                .unwrap_or("")
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            self.current.push(text.trim().to_owned());
            if line.as_bytes().get(3) != Some(&b'-') {
                self.done.push_back(std::mem::take(&mut self.current));
            }
        }
    }

    /// The lines of the next complete reply.
    pub(crate) fn next(&mut self) -> Vec<String> {
        self.done.pop_front().unwrap_or_default()
    }

    /// Forget everything (after STARTTLS).
    pub(crate) fn reset(&mut self) {
        *self = ReplyLines::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::reply::parse_one;

    fn plan() -> Plan {
        Plan {
            helo: "client.test".into(),
            starttls: true,
            implicit_tls: false,
            auth: None,
            allow_plaintext_auth: false,
            relay_test: false,
            postmaster: "postmaster@d.test".into(),
        }
    }

    /// Feed `text` (a whole reply, lines separated by \n) and return the action.
    fn feed(s: &mut Session, text: &str) -> Action {
        let wire: String = text.split('\n').map(|l| format!("{l}\r\n")).collect();
        let mut lines = ReplyLines::default();
        lines.feed(wire.as_bytes());
        s.on_reply(&parse_one(&wire), &lines.next())
    }

    fn send(s: &str) -> Action {
        Action::Send(s.into())
    }

    #[test]
    fn the_full_walk_with_starttls() {
        let mut s = Session::new(plan());
        assert_eq!(
            feed(&mut s, "220 mx.d.test ESMTP"),
            send("EHLO client.test")
        );
        assert_eq!(
            feed(
                &mut s,
                "250-mx.d.test\n250-PIPELINING\n250-AUTH PLAIN\n250 STARTTLS"
            ),
            send("STARTTLS")
        );
        assert_eq!(feed(&mut s, "220 2.0.0 go"), Action::StartTls);
        assert_eq!(s.tls_started(), send("EHLO client.test"));
        assert_eq!(
            feed(&mut s, "250-mx.d.test\n250 AUTH PLAIN LOGIN"),
            send("VRFY postmaster")
        );
        assert_eq!(feed(&mut s, "502 5.5.1 no"), send("EXPN postmaster"));
        assert_eq!(feed(&mut s, "502 5.5.1 no"), send("MAIL FROM:<>"));
        assert_eq!(
            feed(&mut s, "250 2.1.0 Ok"),
            send("RCPT TO:<postmaster@d.test>")
        );
        assert_eq!(feed(&mut s, "250 2.1.5 Ok"), send("RSET"));
        assert_eq!(feed(&mut s, "250 Ok"), send("QUIT"));
        assert_eq!(feed(&mut s, "221 Bye"), Action::Close);
        assert!(s.is_done());
        assert_eq!(s.t.extensions, vec!["PIPELINING", "AUTH PLAIN", "STARTTLS"]);
        assert_eq!(
            auth_mechanisms(s.t.extensions_tls.as_ref().unwrap()),
            ["PLAIN", "LOGIN"]
        );
        assert!(!s.t.sent.iter().any(|c| c == "DATA"));
    }

    #[test]
    fn helo_fallback_and_a_refused_mail_from_ends_in_rset_quit() {
        let mut p = plan();
        p.relay_test = true;
        let mut s = Session::new(p);
        feed(&mut s, "220 old.test");
        assert_eq!(feed(&mut s, "502 no EHLO"), send("HELO client.test"));
        assert_eq!(feed(&mut s, "250 old.test"), send("VRFY postmaster"));
        assert!(s.t.used_helo);
        assert_eq!(feed(&mut s, "502 no"), send("EXPN postmaster"));
        assert_eq!(
            feed(&mut s, "250 fine"),
            send(&format!("MAIL FROM:<{RELAY_FROM}>"))
        );
        assert_eq!(feed(&mut s, "550 5.7.1 go away"), send("RSET"));
        assert_eq!(feed(&mut s, "250 ok"), send("QUIT"));
        let after: Vec<&String> =
            s.t.sent
                .iter()
                .skip_while(|c| !c.starts_with("MAIL"))
                .skip(1)
                .collect();
        assert_eq!(after, ["RSET", "QUIT"]);
    }

    #[test]
    fn relay_test_then_postmaster() {
        let mut p = plan();
        p.relay_test = true;
        p.starttls = false;
        let mut s = Session::new(p);
        feed(&mut s, "220 x");
        feed(&mut s, "250-x\n250 STARTTLS");
        feed(&mut s, "502 no");
        feed(&mut s, "502 no");
        assert_eq!(
            feed(&mut s, "250 ok"),
            send(&format!("RCPT TO:<{RELAY_TO}>"))
        );
        assert_eq!(
            feed(&mut s, "250 2.1.5 ok"),
            send("RCPT TO:<postmaster@d.test>")
        );
        assert_eq!(s.t.relay_rcpt.as_ref().unwrap().code, 250);
    }

    #[test]
    fn auth_login_is_redacted_and_skipped_without_tls() {
        let creds = Credentials {
            user: "u".into(),
            password: auth::Secret::new("hunter2"),
        };
        let mut p = plan();
        p.starttls = false;
        p.auth = Some(creds.clone());
        let mut s = Session::new(p.clone());
        feed(&mut s, "220 x");
        assert_eq!(
            feed(&mut s, "250-x\n250 AUTH LOGIN"),
            send("VRFY postmaster")
        );
        assert_eq!(s.t.auth.as_ref().unwrap().result, "skipped_no_tls");

        p.allow_plaintext_auth = true;
        let mut s = Session::new(p);
        feed(&mut s, "220 x");
        assert_eq!(feed(&mut s, "250-x\n250 AUTH LOGIN"), send("AUTH LOGIN"));
        assert_eq!(feed(&mut s, "334 VXNlcm5hbWU6"), send("dQ=="));
        assert!(matches!(feed(&mut s, "334 UGFzc3dvcmQ6"), Action::Send(_)));
        assert_eq!(feed(&mut s, "235 2.7.0 ok"), send("VRFY postmaster"));
        assert!(s.authenticated);
        let log = s.t.sent.join("\n");
        assert!(
            !log.contains("aHVudGVyMg") && !log.contains("hunter2"),
            "{log}"
        );
    }

    #[test]
    fn a_positive_vrfy_is_followed_by_vrfy_of_nobody() {
        let mut s = Session::new(plan());
        feed(&mut s, "220 x");
        assert_eq!(feed(&mut s, "250 x"), send("VRFY postmaster"));
        assert_eq!(
            feed(&mut s, "252 2.0.0 postmaster"),
            send(&format!("VRFY {VRFY_NOBODY}"))
        );
        assert_eq!(feed(&mut s, "550 5.1.1 unknown"), send("EXPN postmaster"));
        assert_eq!(s.t.vrfy_nobody.as_ref().unwrap().code, 550);
    }

    #[test]
    fn greeting_421_closes_and_554_quits() {
        let mut s = Session::new(plan());
        assert_eq!(feed(&mut s, "421 4.3.2 busy"), Action::Close);
        let mut s = Session::new(plan());
        assert_eq!(feed(&mut s, "554 5.7.1 no"), send("QUIT"));
    }
}
