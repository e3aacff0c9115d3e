//! The bounce record: one failed recipient (or one "no bounce" marker) of one message, and the
//! outcome of decoding a message.

use serde::Serialize;

use crate::status::{BounceReason, BounceType};

/// One bounced recipient (or one "no bounce" marker) of one message.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BounceRecord {
    /// The input file, as found under the given directory.
    pub file: String,
    /// 1-based message position in the file (mbox files hold several).
    pub msgindex: usize,
    /// The failed recipient.
    pub recipient: String,
    /// Why it failed.
    pub reason: BounceReason,
    /// `hard`, `soft` or `none`.
    pub bounce_type: BounceType,
    /// `bounce_type == hard`.
    pub hard: bool,
    /// A permanent failure (5.x.x / 5xx), kept apart from hard/soft.
    pub permanent: bool,
    /// Enhanced status code (`5.1.1`) or empty.
    pub deliverystatus: String,
    /// SMTP reply code (`550`) or empty.
    pub replycode: String,
    /// DSN action (`failed`, `delayed`, `delivered`, ...) or empty.
    pub action: String,
    /// The diagnostic text (white space squeezed, at most 1000 bytes).
    pub diagnosticcode: String,
    /// The SMTP command the failure answered (`RCPT`, `DATA`, ...) or empty.
    pub smtpcommand: String,
    /// The remote MTA.
    pub rhost: String,
    /// The reporting (local) MTA.
    pub lhost: String,
    /// The sender of the original message.
    pub addresser: String,
    /// Unix time of the bounce (or last attempt), if known.
    pub timestamp: Option<i64>,
    /// Which decoder produced the record (`rfc3464`, `text`, `arf`, `rfc3834`, ...).
    pub detector: &'static str,
    /// ARF feedback type (`abuse`, `opt-out`, ...) or empty.
    pub feedbacktype: String,
    /// Message-ID of the original message.
    pub message_id: String,
    /// List-Id of the original message.
    pub list_id: String,
    /// The message was given up after temporary failures (a `failed` action with a 4.x.x
    /// status, Exim "retry timeout exceeded", Sendmail "Cannot send message for N days", ...).
    pub expired: bool,
    /// For an expired record, the cause of the last temporary failure (the reason of the last
    /// status and reply seen, in `deliverystatus` and `replycode`).
    pub underlying_reason: Option<BounceReason>,
    /// `Original-Envelope-Id` of the DSN (the sender's envelope id, RFC 3461), or empty.
    pub envelope_id: String,
    /// `X-Postfix-Queue-ID` of the DSN (the queue id in the sender's Postfix logs), or empty.
    pub queue_id: String,
    /// `Reporting-MTA` of the DSN (the host that wrote the notice), or empty.
    pub reporting_mta: String,
    /// The notice did not say clearly which address failed: the recipient is the best reading
    /// of an ambiguous notice (fewer recipients are reported rather than guesses).
    pub ambiguous: bool,
}

impl BounceRecord {
    /// An empty record with a reason.
    pub fn new(reason: BounceReason, permanent: bool) -> BounceRecord {
        let bt = reason.bounce_type(permanent);
        BounceRecord {
            file: String::new(),
            msgindex: 0,
            recipient: String::new(),
            reason,
            bounce_type: bt,
            hard: bt == BounceType::Hard,
            permanent,
            deliverystatus: String::new(),
            replycode: String::new(),
            action: String::new(),
            diagnosticcode: String::new(),
            smtpcommand: String::new(),
            rhost: String::new(),
            lhost: String::new(),
            addresser: String::new(),
            timestamp: None,
            detector: "",
            feedbacktype: String::new(),
            message_id: String::new(),
            list_id: String::new(),
            expired: false,
            underlying_reason: None,
            envelope_id: String::new(),
            queue_id: String::new(),
            reporting_mta: String::new(),
            ambiguous: false,
        }
    }

    /// Set the reason and the derived hard/soft fields.
    pub fn set_reason(&mut self, reason: BounceReason, permanent: bool) {
        self.reason = reason;
        self.permanent = permanent;
        self.bounce_type = reason.bounce_type(permanent);
        self.hard = self.bounce_type == BounceType::Hard;
    }

    /// Make a hard record soft (its evidence is temporary), keeping its reason.
    pub(crate) fn make_soft(&mut self) {
        if self.bounce_type == BounceType::Hard {
            self.bounce_type = BounceType::Soft;
            self.hard = false;
        }
    }

    /// Whether the recipient belongs on a suppression list (hard bounce or complaint).
    /// An ambiguous record (the notice did not say which address failed) is never suppressed.
    pub fn suppress(&self) -> bool {
        !self.ambiguous && (self.hard || self.reason == BounceReason::Feedback)
    }
}

/// The outcome for one message.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageOutcome {
    /// One record per failed recipient.
    Records(Vec<BounceRecord>),
    /// The message holds no bounce.
    NoRecord {
        /// The input file.
        file: String,
        /// 1-based message position.
        msgindex: usize,
    },
}
