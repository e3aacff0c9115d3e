//! Provider canonical forms: the key used to detect duplicates.
//!
//! The key is the lower-cased address; for providers that document it (`data/providers.tsv`),
//! dots in the local part and `+tags` are dropped and alias domains map to one domain
//! (`J.Doe+news@googlemail.com` -> `jdoe@gmail.com`).

use std::borrow::Cow;

use super::lists::ProviderRule;

/// The duplicate-detection key of a normalised local part and an A-label domain whose provider
/// rule (`Lists::provider_rule`) is `rule`, or `None` when it is simply `local@domain` (nothing
/// to lower-case, no provider rule).
pub(crate) fn canonical_key(
    local: &str,
    domain: &str,
    rule: Option<&ProviderRule>,
) -> Option<String> {
    let upper = if local.is_ascii() {
        local.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        local.chars().any(char::is_uppercase)
    };
    if rule.is_none() && !upper {
        return None;
    }
    Some(canonical_key_string(local, domain, rule))
}

fn canonical_key_string(local: &str, domain: &str, rule: Option<&ProviderRule>) -> String {
    let mut out = String::with_capacity(local.len() + 1 + domain.len());
    write_key(local, domain, rule, &mut out);
    out
}

/// Write the duplicate-detection key of `local@domain` into `out` (cleared first): the
/// lower-cased address, with the provider's rule applied. Equal to [`canonical_key`] when that
/// is `Some`, else to `local@domain`.
pub(crate) fn write_key(local: &str, domain: &str, rule: Option<&ProviderRule>, out: &mut String) {
    out.clear();
    let lower: Cow<'_, str> = if local.is_ascii() {
        if local.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(local.to_ascii_lowercase())
        } else {
            Cow::Borrowed(local)
        }
    } else {
        Cow::Owned(local.to_lowercase())
    };
    match rule {
        Some(rule) => {
            let mut base: &str = &lower;
            if rule.plus_tags
                && let Some(i) = base.bytes().position(|b| b == b'+')
                && i > 0
            {
                base = &base[..i];
            }
            out.push_str(base);
            if rule.ignore_dots && base.bytes().any(|b| b == b'.') {
                out.retain(|c| c != '.');
            }
            out.push('@');
            out.push_str(rule.canonical_domain);
        }
        None => {
            out.push_str(&lower);
            out.push('@');
            out.push_str(domain);
        }
    }
}
