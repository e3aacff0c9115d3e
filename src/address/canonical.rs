//! Provider canonical forms: the key used to detect duplicates.
//!
//! The key is the lower-cased address; for providers that document it (`data/providers.tsv`),
//! dots in the local part and `+tags` are dropped and alias domains map to one domain
//! (`J.Doe+news@googlemail.com` -> `jdoe@gmail.com`).

use super::lists::Lists;
use super::syntax::ParsedAddress;

/// The duplicate-detection key of a parsed address.
pub fn canonical_key(p: &ParsedAddress, lists: &Lists) -> String {
    let domain = p.ascii_domain.as_str();
    let local = p.local.to_lowercase();
    match lists.provider_rule(domain) {
        Some(rule) => {
            let mut base = local.as_str();
            if rule.plus_tags
                && let Some(i) = base.find('+')
                    && i > 0 {
                        base = &base[..i];
                    }
            let mut out = String::with_capacity(base.len() + 1 + rule.canonical_domain.len());
            if rule.ignore_dots {
                out.extend(base.chars().filter(|&c| c != '.'));
            } else {
                out.push_str(base);
            }
            out.push('@');
            out.push_str(rule.canonical_domain);
            out
        }
        None => {
            let mut out = local;
            out.push('@');
            out.push_str(domain);
            out
        }
    }
}
