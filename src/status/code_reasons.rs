//! What codes alone say about a bounce reason: RFC 3463 / RFC 5248 / RFC 7372 enhanced status
//! codes and SMTP reply codes mapped to the [`BounceReason`] vocabulary.

use super::{BounceReason, EnhancedStatus};

/// What an enhanced status code alone says about the reason, when it is specific enough.
/// Generic codes (`X.0.0`, `5.7.1`, `5.5.0`, ...) return `None` so that the text decides.
pub fn reason_from_status(st: EnhancedStatus) -> Option<BounceReason> {
    use BounceReason::*;
    let r = match (st.class, st.subject, st.detail) {
        (2, _, _) => Delivered,
        (_, 1, 1) => UserUnknown,
        (_, 1, 2) => HostUnknown,
        (_, 1, 4) => UserUnknown,
        (_, 1, 6) => HasMoved,
        (_, 1, 7) | (_, 1, 8) => Rejected,
        (_, 2, 2) => MailboxFull,
        (_, 2, 3) => ExceedLimit,
        (_, 3, 1) => SystemFull,
        (_, 3, 2) => NotAccept,
        (_, 3, 4) => MesgTooBig,
        (_, 3, 5) => SystemError,
        (_, 4, 3) => SystemError,
        (_, 4, 5) => SystemFull,
        (_, 4, 6) => NetworkError,
        (_, 4, 7) => Expired,
        (_, 5, 3) => ExceedLimit,
        (_, 5, 4) => SyntaxError,
        (_, 6, _) => ContentError,
        (_, 7, 13) => Suspend,
        (_, 7, 20..=24) | (_, 7, 26) => AuthFailure,
        (_, 7, 25) => RequirePtr,
        (_, 7, 27) => NotAccept,
        (_, 7, 509) | (_, 7, 510) => AuthFailure,
        (_, 7, 606..=609) => Blocked,
        (_, 7, 650) => BadReputation,
        (_, 7, 6) | (_, 7, 7) | (_, 7, 8) | (_, 7, 10) | (_, 7, 11) => SecurityError,
        (_, 7, 515) => SecurityError,
        (_, 7, 9) => PolicyViolation,
        _ => return None,
    };
    Some(r)
}

/// A fallback from a status that [`reason_from_status`] left open, used after the text found
/// nothing.
pub fn fallback_from_status(st: EnhancedStatus) -> Option<BounceReason> {
    use BounceReason::*;
    let r = match (st.class, st.subject, st.detail) {
        (_, 1, 10) => UserUnknown,
        (_, 1, 3) => UserUnknown,
        (_, 1, 0) => UserUnknown,
        (_, 2, 0) => Filtered,
        (_, 2, 1) => Suspend,
        (_, 2, 4) => SystemError,
        (_, 3, _) => SystemError,
        (_, 4, 1) | (_, 4, 2) => NetworkError,
        (_, 4, 4) => HostUnknown,
        (_, 4, _) => NetworkError,
        (_, 5, _) => SyntaxError,
        (_, 7, 1) => SecurityError,
        (_, 7, _) => SecurityError,
        _ => return None,
    };
    Some(r)
}

/// A fallback from the SMTP reply code alone.
pub fn reason_from_reply(code: u16) -> Option<BounceReason> {
    use BounceReason::*;
    let r = match code {
        200..=299 => Delivered,
        421 => SystemError,
        450 | 451 => SystemError,
        452 => MailboxFull,
        552 => MailboxFull,
        553 => Rejected,
        554 => SystemError,
        501 | 555 => SyntaxError,
        521 | 556 => NotAccept,
        _ => return None,
    };
    Some(r)
}
