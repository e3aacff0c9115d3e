//! SMTP reply codes (RFC 5321), enhanced status codes (RFC 3463, RFC 5248, RFC 7372) and the
//! bounce reason vocabulary (docs/architecture.md, "Bounce reasons") shared by the bounce and log auditors and the SMTP
//! probe.
//!
//! Everything here is a pure function of its input and never panics.

mod bounce_reason;
mod code_reasons;
mod enhanced;
pub(crate) mod reply_code;

pub use bounce_reason::{BounceReason, BounceType};
pub use code_reasons::{fallback_from_status, reason_from_reply, reason_from_status};
pub use enhanced::EnhancedStatus;
pub use reply_code::find_reply_code;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_codes() {
        assert_eq!(
            EnhancedStatus::find("550 5.1.1 <a@b>... User Unknown").map(|s| s.to_string()),
            Some("5.1.1".into())
        );
        assert_eq!(
            EnhancedStatus::find("(#5.5.0)").map(|s| s.to_string()),
            Some("5.5.0".into())
        );
        assert_eq!(EnhancedStatus::find("192.0.2.1 said"), None);
        assert_eq!(EnhancedStatus::find("v1.5.1.4"), None);
        assert_eq!(find_reply_code("said: 550 Unknown user"), Some(550));
        assert_eq!(find_reply_code("192.0.2.32 said: 550-5.1.1"), Some(550));
        assert_eq!(find_reply_code("no code 2014 here"), None);
        assert_eq!(
            BounceReason::parse("user_unknown"),
            Some(BounceReason::UserUnknown)
        );
    }
}
