//! The Amazon SES notification and event-publishing JSON (bounce, complaint, delivery, delay,
//! send, open, click, subscription), as serde types shared by `bounces` and `logs`. Strings
//! borrow from the input where they can; a field SES left out is `None` or an empty list.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;

/// An optional string field, borrowed from the JSON when it holds no escape.
pub(crate) type Str<'a> = Option<Cow<'a, str>>;

/// The text of an optional field (`""` when absent).
pub(crate) fn text<'a>(x: &'a Str<'_>) -> &'a str {
    x.as_deref().unwrap_or("")
}

/// What a record reports: `notificationType` (SNS notifications) or `eventType` (event
/// publishing), compared without regard to case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SesKind {
    /// `Send`: accepted by SES.
    Send,
    /// `Delivery`: the receiving server accepted the message.
    Delivery,
    /// `DeliveryDelay`: a temporary failure, SES keeps trying.
    DeliveryDelay,
    /// `Bounce`: a permanent or transient failure SES gave up on.
    Bounce,
    /// `Complaint`: a recipient marked the message as spam.
    Complaint,
    /// `Open`.
    Open,
    /// `Click`.
    Click,
    /// `Subscription`: a list-management or unsubscribe-header change.
    Subscription,
    /// Any other or no type (`Reject`, `Rendering Failure`, ...).
    Other,
}

/// The `mail` object: the message the record is about.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SesMail<'a> {
    /// SES's message id.
    #[serde(borrow)]
    pub(crate) message_id: Str<'a>,
    /// When SES accepted the message.
    #[serde(borrow)]
    pub(crate) timestamp: Str<'a>,
    /// The envelope sender.
    #[serde(borrow)]
    pub(crate) source: Str<'a>,
    /// Every recipient of the message.
    #[serde(borrow, default)]
    pub(crate) destination: Vec<Cow<'a, str>>,
    /// Message tags (event publishing).
    #[serde(borrow)]
    pub(crate) tags: Option<HashMap<Cow<'a, str>, Vec<Cow<'a, str>>>>,
}

/// One recipient of a bounce, complaint or delay.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SesRecipient<'a> {
    /// The address.
    #[serde(borrow)]
    pub(crate) email_address: Str<'a>,
    /// The enhanced status code (`5.1.1`).
    #[serde(borrow)]
    pub(crate) status: Str<'a>,
    /// The DSN action (`failed`).
    #[serde(borrow)]
    pub(crate) action: Str<'a>,
    /// The remote server's reply (`smtp; 550 5.1.1 ...`).
    #[serde(borrow)]
    pub(crate) diagnostic_code: Str<'a>,
}

/// The event object (`bounce`, `complaint`, `delivery`, ...): every field any of them has.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SesDetail<'a> {
    /// When it happened.
    #[serde(borrow)]
    pub(crate) timestamp: Str<'a>,
    /// `Permanent`, `Transient`, `Undetermined` (bounces).
    #[serde(borrow)]
    pub(crate) bounce_type: Str<'a>,
    /// `General`, `NoEmail`, `Suppressed`, `OnAccountSuppressionList`, ... (bounces).
    #[serde(borrow)]
    pub(crate) bounce_sub_type: Str<'a>,
    /// Bounced recipients.
    #[serde(borrow, default)]
    pub(crate) bounced_recipients: Vec<SesRecipient<'a>>,
    /// Complaining recipients.
    #[serde(borrow, default)]
    pub(crate) complained_recipients: Vec<SesRecipient<'a>>,
    /// The complaint's feedback type (`abuse`, ...), when the ISP sent a feedback report.
    #[serde(borrow)]
    pub(crate) complaint_feedback_type: Str<'a>,
    /// Delayed recipients.
    #[serde(borrow, default)]
    pub(crate) delayed_recipients: Vec<SesRecipient<'a>>,
    /// Delivered recipients.
    #[serde(borrow, default)]
    pub(crate) recipients: Vec<Cow<'a, str>>,
    /// The receiving server's reply (deliveries).
    #[serde(borrow)]
    pub(crate) smtp_response: Str<'a>,
    /// The user agent (opens, clicks, complaints).
    #[serde(borrow)]
    pub(crate) user_agent: Str<'a>,
    /// The client address (opens, clicks).
    #[serde(borrow)]
    pub(crate) ip_address: Str<'a>,
    /// Where a subscription change came from (`UnsubscribeHeader`, ...).
    #[serde(borrow)]
    pub(crate) source: Str<'a>,
}

/// One SES record: a notification, an event-publishing record, or an SNS envelope around one
/// (see [`SesRecord::sns_message`]).
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SesRecord<'a> {
    /// Event publishing's type.
    #[serde(borrow)]
    pub(crate) event_type: Str<'a>,
    /// SNS notifications' type.
    #[serde(borrow)]
    pub(crate) notification_type: Str<'a>,
    /// The message.
    #[serde(borrow)]
    pub(crate) mail: Option<SesMail<'a>>,
    /// A bounce.
    #[serde(borrow)]
    pub(crate) bounce: Option<SesDetail<'a>>,
    /// A complaint.
    #[serde(borrow)]
    pub(crate) complaint: Option<SesDetail<'a>>,
    /// A delivery.
    #[serde(borrow)]
    pub(crate) delivery: Option<SesDetail<'a>>,
    /// A delivery delay.
    #[serde(borrow)]
    pub(crate) delivery_delay: Option<SesDetail<'a>>,
    /// An open.
    #[serde(borrow)]
    pub(crate) open: Option<SesDetail<'a>>,
    /// A click.
    #[serde(borrow)]
    pub(crate) click: Option<SesDetail<'a>>,
    /// A subscription change.
    #[serde(borrow)]
    pub(crate) subscription: Option<SesDetail<'a>>,
    /// The SNS envelope's `Message`: the record itself, as a JSON string.
    #[serde(borrow, rename = "Message")]
    pub(crate) sns_message: Str<'a>,
}

impl<'a> SesRecord<'a> {
    /// Parse one record (the JSON object alone).
    pub(crate) fn parse(json: &'a str) -> Result<SesRecord<'a>, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// What the record reports.
    pub(crate) fn kind(&self) -> SesKind {
        let ty = self
            .event_type
            .as_deref()
            .or(self.notification_type.as_deref())
            .unwrap_or("");
        const KINDS: [(&str, SesKind); 8] = [
            ("Send", SesKind::Send),
            ("Delivery", SesKind::Delivery),
            ("DeliveryDelay", SesKind::DeliveryDelay),
            ("Bounce", SesKind::Bounce),
            ("Complaint", SesKind::Complaint),
            ("Open", SesKind::Open),
            ("Click", SesKind::Click),
            ("Subscription", SesKind::Subscription),
        ];
        KINDS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(ty))
            .map_or(SesKind::Other, |&(_, k)| k)
    }

    /// The JSON text of the record inside an SNS envelope: `Message` when the object has no
    /// type of its own (`Type: Notification` wrappers). Parse it with [`SesRecord::parse`].
    pub(crate) fn sns_message(&self) -> Option<&str> {
        if self.event_type.is_some() || self.notification_type.is_some() {
            return None;
        }
        self.sns_message.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bounce_notification() {
        let j = r#"{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General","bouncedRecipients":[{"emailAddress":"User@Example.com","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 no such user"}],"timestamp":"2016-01-27T14:59:38.237Z"},"mail":{"messageId":"m1","timestamp":"2016-01-27T14:59:38.237Z","source":"sender@example.org","destination":["User@Example.com"]}}"#;
        let r = SesRecord::parse(j).unwrap();
        assert_eq!(r.kind(), SesKind::Bounce);
        assert!(r.sns_message().is_none());
        let b = r.bounce.as_ref().unwrap();
        assert_eq!(text(&b.bounce_type), "Permanent");
        let rc = &b.bounced_recipients[0];
        assert_eq!(text(&rc.email_address), "User@Example.com");
        assert_eq!(text(&rc.action), "failed");
        assert_eq!(text(&rc.status), "5.1.1");
        assert_eq!(text(&r.mail.as_ref().unwrap().source), "sender@example.org");
    }

    #[test]
    fn an_sns_envelope_and_missing_fields() {
        let j = r#"{"Type":"Notification","Message":"{\"eventType\":\"Complaint\",\"complaint\":{\"complainedRecipients\":[{\"emailAddress\":\"a@example.com\"}]}}"}"#;
        let outer = SesRecord::parse(j).unwrap();
        assert_eq!(outer.kind(), SesKind::Other);
        let inner = SesRecord::parse(outer.sns_message().unwrap()).unwrap();
        assert_eq!(inner.kind(), SesKind::Complaint);
        let c = inner.complaint.as_ref().unwrap();
        assert_eq!(c.complaint_feedback_type, None);
        assert_eq!(text(&c.complained_recipients[0].status), "");
        assert!(inner.mail.is_none());
        // the type is compared without regard to case; an unknown one is Other
        let r = SesRecord::parse(r#"{"eventType":"delivery"}"#).unwrap();
        assert_eq!(r.kind(), SesKind::Delivery);
        let r = SesRecord::parse(r#"{"eventType":"Rendering Failure"}"#).unwrap();
        assert_eq!(r.kind(), SesKind::Other);
        assert!(SesRecord::parse("{").is_err());
    }
}
