//! The page: one self-contained HTML file (inline CSS and SVG, no script, nothing loaded)
//! rendered from the report's data. Every figure taken from the data is marked with a
//! `data-figure` attribute holding its JSON pointer into `--report-json`, so that the page can
//! be checked against the data; every piece of text is escaped by the template.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::text::html::{Empty, Text};

use super::advice::{Advice, advise};
use super::chart;
use super::figures::{count, pct, share};
use super::grade::{self, Health};
use super::labels;
use super::view::View;

const CSS: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1000px;\
color:#1f2328;padding:0 1em}h1{font-size:1.6em;margin-bottom:.2em}\
h2{font-size:1.2em;margin-top:2.2em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}\
h3{font-size:1em;margin:1.4em 0 .3em}\
table{border-collapse:collapse;margin:.5em 0}td,th{padding:3px 10px;border-bottom:1px solid #eaeef2;\
text-align:right;vertical-align:top}td:first-child,th:first-child{text-align:left}\
th{background:#f6f8fa;font-weight:600}td.def{text-align:left;color:#57606a;font-size:13px;max-width:460px}\
td.name{text-align:left;word-break:break-all;max-width:340px}\
.def{color:#57606a;font-size:13px;max-width:860px}.muted{color:#57606a}\
svg{max-width:100%;height:auto;background:#fbfbfc;border:1px solid #eaeef2;margin:.5em 0}\
.health{display:flex;gap:1.5em;align-items:center;margin:1em 0}\
.grade{font-size:64px;font-weight:700;width:110px;height:110px;line-height:110px;text-align:center;\
border-radius:12px;color:#fff;flex:none}\
.gA{background:#1a7f37}.gB{background:#4d9a2a}.gC{background:#bf8700}.gD{background:#bc4c00}\
.gF{background:#cf222e}.gn{background:#8c959f;font-size:32px}\
.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}\
ol.advice li{margin:.4em 0}.level{display:inline-block;min-width:5.5em;font-weight:600}\
.lnow{color:#cf222e}.lnext{color:#9a6700}.lconsider{color:#57606a}";

/// A JSON pointer token for a map key (RFC 6901: `~` as `~0`, `/` as `~1`).
fn key(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// A count from the data at `ptr`.
fn fig(ptr: &str, n: u64) -> Markup {
    html! { span data-figure=(Text(ptr)) { (count(n)) } }
}

/// A share (0..=1) from the data at `ptr`, as a percentage.
fn pfig(ptr: &str, s: f64) -> Markup {
    html! { span data-figure=(Text(ptr)) data-unit="%" { (pct(s)) } }
}

fn def(text: &str) -> Markup {
    html! { p class="def" { (Text(text)) } "\n" }
}

/// The page for the report's data.
pub(crate) fn render(v: &View) -> String {
    let health = v.health.clone().unwrap_or_else(|| grade::health(v));
    let advice = v.advice.clone().unwrap_or_else(|| advise(v));
    let h = &v.hygiene;
    let title = if h.input.is_empty() {
        "List hygiene report".to_owned()
    } else {
        format!("List hygiene report: {}", h.input)
    };
    let page = html! {
        (DOCTYPE)
        "\n"
        html lang="en" {
            head {
                (Empty("meta", &[("charset", &"utf-8")]))
                (Empty("meta", &[("name", &"viewport"), ("content", &"width=device-width")]))
                title { (Text(&title)) }
                style { (PreEscaped(CSS)) }
            }
            body {
                "\n"
                h1 { "List hygiene report" }
                "\n"
                p class="muted" {
                    @if !h.input.is_empty() {
                        "Input " code { (Text(&h.input)) } ", "
                    }
                    (fig("/rows_in", v.rows_in)) " rows, cleaned by mailsift "
                    (env!("CARGO_PKG_VERSION")) " in " (format!("{:.2}", v.elapsed_seconds)) " s."
                }
                "\n"
                (health_section(&health))
                (rows_section(v))
                (verdicts_section(v))
                (domains_section(v))
                (typos_section(v))
                (duplicates_section(v))
                (shares_section(v))
                (evidence_section(v))
                (suppression_section(v))
                (engagement_section(v))
                (advice_section(&advice))
                h2 { "About this page" }
                "\n"
                (def("Every figure on this page is in the report's data (--report-json): the \
                      summary of the run and the hygiene section. Each figure names its place in \
                      that JSON in a data-figure attribute. Shares of the valid rows count only \
                      rows whose address is valid syntax."))
            }
        }
        "\n"
    };
    page.into_string()
}

fn health_section(hl: &Health) -> Markup {
    let class = match hl.grade.as_str() {
        g @ ("A" | "B" | "C" | "D" | "F") => format!("grade g{g}"),
        _ => "grade gn".to_owned(),
    };
    html! {
        h2 id="health" { "The list's health" }
        "\n"
        div class="health" {
            div class=(class) { span data-figure="/health/grade" { (Text(&hl.grade)) } }
            div {
                p {
                    strong { (fig("/health/problem_rows", hl.problem_rows)) } " of "
                    (fig("/health/rows", hl.rows)) " rows ("
                    (pfig("/health/problem_share", hl.problem_share))
                    ") would hurt a send."
                }
                (def(grade::DEFINITION))
                (def(grade::scope_note(&hl.scope)))
            }
        }
        "\n"
    }
}

fn rows_section(v: &View) -> Markup {
    let balanced = v.rows_in == v.rows_clean + v.rows_rejected;
    let mut parts = vec![("Kept".to_owned(), v.rows_clean, "#2da44e")];
    let mut cats: Vec<(&String, &u64)> = v.rejected_by.iter().collect();
    cats.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    for (c, n) in &cats {
        parts.push((
            format!("Rejected: {}", labels::category(c).0),
            **n,
            labels::category_color(c),
        ));
    }
    let mut why: Vec<(&String, &u64)> = v.rejected_reasons.iter().collect();
    why.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    html! {
        h2 id="rows" { "Rows in, kept and rejected" }
        "\n"
        table {
            tr { th { "" } th { "rows" } th { "share" } th { "what it is" } }
            tr {
                td { "Rows in" } td { (fig("/rows_in", v.rows_in)) } td { "" }
                td class="def" { "Data rows read (the header excluded)." }
            }
            tr {
                td { "Kept" } td { (fig("/rows_clean", v.rows_clean)) }
                td { (pct(share(v.rows_clean, v.rows_in))) }
                td class="def" { "Rows written to the clean output." }
            }
            tr {
                td { "Rejected" } td { (fig("/rows_rejected", v.rows_rejected)) }
                td { (pct(share(v.rows_rejected, v.rows_in))) }
                td class="def" { "Rows written to the rejects file, each with its reason." }
            }
        }
        "\n"
        p {
            @if balanced {
                span class="ok" { "Every row is accounted for:" }
                " rows in = kept + rejected."
            } @else {
                span class="bad" { "Rows in differ from kept + rejected." }
            }
        }
        "\n"
        @if v.rows_in > 0 {
            (chart::split("Rows kept and rejected", &parts))
        }
        h3 { "Why rows were rejected" }
        "\n"
        (def("Each rejected row is counted once, under the first category of --reject it \
              matched, in this order: malformed, undeliverable, suppressed, duplicate, \
              disposable, role, free, typo, risky, unknown."))
        @if cats.is_empty() {
            p { "No row was rejected." }
        } @else {
            table {
                tr { th { "category" } th { "rows" } th { "share of rows in" } th { "what it is" } }
                @for (c, n) in &cats {
                    @let (label, what) = labels::category(c);
                    tr {
                        td { (Text(label)) " (" code { (Text(c)) } ")" }
                        td { (fig(&format!("/rejected_by/{}", key(c)), **n)) }
                        td { (pct(share(**n, v.rows_in))) }
                        td class="def" { (Text(what)) }
                    }
                }
            }
        }
        "\n"
        @if !why.is_empty() {
            h3 { "Reasons written in the rejects file" }
            "\n"
            (def("The mailsift_reason column: the verdict's reason for malformed, undeliverable, \
                  risky and unknown rows, the category's name for the others."))
            table {
                tr { th { "mailsift_reason" } th { "rows" } }
                @for (r, n) in &why {
                    tr {
                        td { code { (Text(r)) } }
                        td { (fig(&format!("/rejected_reasons/{}", key(r)), **n)) }
                    }
                }
            }
            "\n"
        }
    }
}

fn verdicts_section(v: &View) -> Markup {
    let items: Vec<(String, u64, &str)> = labels::VERDICTS
        .iter()
        .map(|name| {
            let (l, c, _) = labels::verdict(name);
            (l.to_owned(), v.verdicts.get(*name).copied().unwrap_or(0), c)
        })
        .collect();
    let mut reasons: Vec<(&String, &u64)> = v.reasons.iter().filter(|(_, n)| **n > 0).collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    html! {
        h2 id="verdicts" { "Verdicts and reasons" }
        "\n"
        (def("Every row gets one verdict and one primary reason, whether it was kept or not."))
        (chart::bars("Rows by verdict", &items))
        table {
            tr { th { "verdict" } th { "rows" } th { "share of rows in" } th { "what it means" } }
            @for name in labels::VERDICTS {
                @let (label, _, what) = labels::verdict(name);
                @let n = v.verdicts.get(name).copied().unwrap_or(0);
                tr {
                    td { (Text(label)) }
                    td { (fig(&format!("/verdicts/{name}"), n)) }
                    td { (pct(share(n, v.rows_in))) }
                    td class="def" { (Text(what)) }
                }
            }
        }
        "\n"
        h3 { "Reasons" }
        "\n"
        table {
            tr { th { "reason" } th { "rows" } th { "what it means" } }
            @for (r, n) in &reasons {
                tr {
                    td { code { (Text(r)) } }
                    td { (fig(&format!("/reasons/{}", key(r)), **n)) }
                    td class="def" { (Text(labels::reason(r))) }
                }
            }
        }
        "\n"
    }
}

/// The verdict-mix table of ranked rows (`base`: the pointer of the `top` list).
fn mix_table(
    first: &str,
    base: &str,
    rows: &[(String, super::data::VerdictMix, Option<u64>)],
) -> Markup {
    html! {
        table {
            tr {
                th { (Text(first)) }
                @if rows.iter().any(|r| r.2.is_some()) { th { "domains" } }
                th { "rows" } th { "deliverable" } th { "risky" } th { "undeliverable" }
                th { "unknown" } th { "rejected" }
            }
            @for (i, (name, m, domains)) in rows.iter().enumerate() {
                tr {
                    td class="name" { (Text(name)) }
                    @if let Some(d) = domains { td { (fig(&format!("{base}/{i}/domains"), *d)) } }
                    td { (fig(&format!("{base}/{i}/mix/rows"), m.rows)) }
                    td { (fig(&format!("{base}/{i}/mix/deliverable"), m.deliverable)) }
                    td { (fig(&format!("{base}/{i}/mix/risky"), m.risky)) }
                    td { (fig(&format!("{base}/{i}/mix/undeliverable"), m.undeliverable)) }
                    td { (fig(&format!("{base}/{i}/mix/unknown"), m.unknown)) }
                    td { (fig(&format!("{base}/{i}/mix/rejected"), m.rejected)) }
                }
            }
        }
        "\n"
    }
}

fn domains_section(v: &View) -> Markup {
    let h = &v.hygiene;
    let domains: Vec<(String, super::data::VerdictMix, Option<u64>)> = h
        .domains
        .top
        .iter()
        .map(|d| (d.domain.clone(), d.mix, None))
        .collect();
    let providers: Vec<(String, super::data::VerdictMix, Option<u64>)> = h
        .providers
        .top
        .iter()
        .map(|p| (p.provider.clone(), p.mix, Some(p.domains)))
        .collect();
    let chart_rows =
        |rows: &[(String, super::data::VerdictMix, Option<u64>)]| -> Vec<(String, [u64; 4])> {
            rows.iter()
                .map(|(n, m, _)| (n.clone(), m.counts()))
                .collect()
        };
    html! {
        h2 id="domains" { "Top domains and mailbox providers" }
        "\n"
        (def("Valid rows only, by the domain after the @ (normalised: lower case). The bars \
              show how each domain's rows were judged; the number at the end is its rows."))
        p {
            (fig("/hygiene/domains/distinct", h.domains.distinct)) " distinct domains in "
            (fig("/hygiene/domains/rows", h.domains.rows)) " valid rows; the "
            (h.domains.top.len()) " biggest:"
        }
        "\n"
        @if !domains.is_empty() {
            (chart::mix("Verdicts by domain", &chart_rows(&domains)))
            (mix_table("domain", "/hygiene/domains/top", &domains))
        }
        h3 { "Mailbox providers" }
        "\n"
        (def("The company that runs the mailboxes: from the domain's MX hosts when DNS was \
              checked (google, microsoft, yahoo, ...); offline, the provider's main domain for \
              the domains whose provider rules are known (gmail.com also for googlemail.com), \
              and other for the rest."))
        p {
            (fig("/hygiene/providers/distinct", h.providers.distinct)) " providers; the "
            (h.providers.top.len()) " biggest:"
        }
        "\n"
        @if !providers.is_empty() {
            (chart::mix("Verdicts by mailbox provider", &chart_rows(&providers)))
            (mix_table("provider", "/hygiene/providers/top", &providers))
        }
    }
}

fn typos_section(v: &View) -> Markup {
    let t = &v.hygiene.typos;
    html! {
        h2 id="typos" { "Typo fixes suggested" }
        "\n"
        (def("A domain one or two keystrokes away from a well-known mail domain that does not \
              itself look intended (gmial.com for gmail.com). The suggestion is a guess: confirm \
              it before changing an address."))
        @if t.top.is_empty() {
            p { "No likely typo found." }
        } @else {
            p {
                (fig("/hygiene/typos/rows", t.rows)) " rows, "
                (fig("/hygiene/typos/distinct", t.distinct)) " distinct corrections:"
            }
            table {
                tr { th { "written" } th { "suggested" } th { "rows" } }
                @for (i, r) in t.top.iter().enumerate() {
                    tr {
                        td class="name" { (Text(&r.from)) }
                        td class="name" { (Text(&r.to)) }
                        td { (fig(&format!("/hygiene/typos/top/{i}/rows"), r.rows)) }
                    }
                }
            }
        }
        "\n"
    }
}

fn duplicates_section(v: &View) -> Markup {
    let d = &v.hygiene.duplicates;
    html! {
        h2 id="duplicates" { "Duplicates" }
        "\n"
        (def("A row is a duplicate when an earlier row reaches the same mailbox. Provider rules \
              count: Gmail ignores dots and +tags (a.b+news@gmail.com is ab@gmail.com), \
              googlemail.com is gmail.com, Outlook, iCloud, Proton and others ignore +tags. The \
              first row is kept; the later ones are duplicates."))
        table {
            tr { th { "" } th { "rows" } th { "what it is" } }
            tr {
                td { "Duplicate rows" } td { (fig("/hygiene/duplicates/rows", d.rows)) }
                td class="def" { "Rows whose mailbox was on an earlier row." }
            }
            tr {
                td { "the same address" }
                td { (fig("/hygiene/duplicates/same_address", d.same_address)) }
                td class="def" { "Repeats of an address already seen, letter for letter after normalising." }
            }
            tr {
                td { "merged by a provider rule" }
                td { (fig("/hygiene/duplicates/provider_rule", d.provider_rule)) }
                td class="def" { "A different spelling of an address already seen that reaches the same mailbox." }
            }
            tr {
                td { "Unique mailboxes" }
                td { (fig("/unique_addresses", v.unique_addresses)) }
                td class="def" { "Distinct mailboxes among the valid rows." }
            }
        }
        "\n"
        @if !d.rewritten.is_empty() {
            h3 { "Addresses a provider rule rewrote" }
            "\n"
            (def("Rows whose mailbox differs from the address as written (dots, +tags, an alias \
                  domain), by provider."))
            table {
                tr { th { "provider" } th { "rows" } }
                @for (i, r) in d.rewritten.iter().enumerate() {
                    tr {
                        td class="name" { (Text(&r.domain)) }
                        td { (fig(&format!("/hygiene/duplicates/rewritten/{i}/rows"), r.rows)) }
                    }
                }
            }
            "\n"
        }
    }
}

fn shares_section(v: &View) -> Markup {
    let s = &v.hygiene.shares;
    let rows = [
        (
            "disposable",
            "Disposable",
            s.disposable,
            "The domain (or a parent) is on the disposable-domain list: throw-away mailboxes.",
        ),
        (
            "role",
            "Role accounts",
            s.role,
            "The local part names a function, not a person (info, sales, support, noreply, ...).",
        ),
        (
            "free",
            "Free mail",
            s.free,
            "The domain is a free-mail provider (gmail.com, outlook.com, ...): common for consumers, a flag for business lists.",
        ),
    ];
    html! {
        h2 id="shares" { "Disposable, role and free-mail addresses" }
        "\n"
        p { "Shares of the " (fig("/hygiene/valid_rows", v.hygiene.valid_rows)) " valid rows." }
        table {
            tr { th { "" } th { "rows" } th { "share" } th { "what it is" } }
            @for (k, label, sh, what) in rows {
                tr {
                    td { (label) }
                    td { (fig(&format!("/hygiene/shares/{k}/rows"), sh.rows)) }
                    td { (pfig(&format!("/hygiene/shares/{k}/share"), sh.share)) }
                    td class="def" { (what) }
                }
            }
        }
        "\n"
    }
}

/// One evidence table.
fn evidence_table(
    title: &str,
    what: &str,
    name: &str,
    r: &super::data::Ranked<super::data::DomainCount>,
) -> Markup {
    let base = format!("/hygiene/evidence/{name}");
    html! {
        h3 { (Text(title)) }
        "\n"
        (def(what))
        @if r.top.is_empty() {
            p { "None found." }
        } @else {
            p {
                (fig(&format!("{base}/distinct"), r.distinct)) " domains, "
                (fig(&format!("{base}/rows"), r.rows)) " rows."
            }
            table {
                tr { th { "domain" } th { "rows" } }
                @for (i, d) in r.top.iter().enumerate() {
                    tr {
                        td class="name" { (Text(&d.domain)) }
                        td { (fig(&format!("{base}/top/{i}/rows"), d.rows)) }
                    }
                }
            }
        }
        "\n"
    }
}

fn evidence_section(v: &View) -> Markup {
    let h = &v.hygiene;
    let e = &h.evidence;
    html! {
        h2 id="evidence" { "DNS and SMTP evidence" }
        "\n"
        p {
            (fig("/hygiene/checks/dns_rows", h.checks.dns_rows)) " rows had their domain looked up in DNS; "
            (fig("/hygiene/checks/smtp_rows", h.checks.smtp_rows)) " had their mailbox asked with an SMTP probe."
        }
        "\n"
        @if let Some(r) = &v.dns {
            p {
                "Resolver " code { (Text(&r.resolver)) } ": " (Text(&r.status))
                @if r.status != "ok" {
                    " (not trusted: its answers decided nothing, rows it answered are unknown)"
                }
                "."
            }
            "\n"
        }
        @if h.checks.dns_rows == 0 {
            (def("DNS was not checked (--offline without --zone): dead domains and null MX are \
                  not known."))
        }
        (evidence_table("Dead domains", "Domains that do not exist (NXDOMAIN) or have no mail \
            server (no MX and no address): every row at them is undeliverable.", "dead_domains", &e.dead_domains))
        (evidence_table("Null MX", "Domains that publish a null MX (RFC 7505): they state that \
            they accept no mail.", "null_mx", &e.null_mx))
        (evidence_table("Catch-all domains", "Domains whose mail server accepted a made-up \
            address: it accepts every address, so none of them can be verified.", "catch_all", &e.catch_all))
        (evidence_table("Mailbox not found, by domain", "Rows whose mail server answered that \
            the mailbox does not exist (5.1.1).", "mailbox_not_found", &e.mailbox_not_found))
        h3 { "Temporary failures" }
        "\n"
        (def("Rows left unknown because a check failed for now: they say nothing against the \
              address and are never rejected as undeliverable."))
        table {
            tr { th { "" } th { "rows" } }
            tr {
                td { "DNS (timeouts, SERVFAIL, untrusted resolver)" }
                td { (fig("/hygiene/evidence/dns_temporary_rows", e.dns_temporary_rows)) }
            }
            tr {
                td { "SMTP (timeouts, refused connections, 4xx, greylisting, our sender refused)" }
                td { (fig("/hygiene/evidence/smtp_temporary_rows", e.smtp_temporary_rows)) }
            }
        }
        "\n"
    }
}

fn suppression_section(v: &View) -> Markup {
    html! {
        h2 id="suppressions" { "Suppressions" }
        "\n"
        @if let Some(s) = &v.suppression {
            (def("Rows whose mailbox is on a suppression file given with --suppress (matched \
                  with the provider rules, so a Gmail dot variant of a listed address is \
                  suppressed too). The first file to list an address gives its reason."))
            table {
                tr { th { "file" } th { "format" } th { "addresses added" } th { "skipped" } th { "malformed" } }
                @for (i, f) in s.files.iter().enumerate() {
                    tr {
                        td class="name" { (Text(&f.file)) }
                        td { (Text(&f.format)) }
                        td { (fig(&format!("/suppression/files/{i}/added"), f.added)) }
                        td { (fig(&format!("/suppression/files/{i}/skipped"), f.skipped)) }
                        td { (fig(&format!("/suppression/files/{i}/malformed"), f.malformed)) }
                    }
                }
            }
            "\n"
            p {
                (fig("/suppression/addresses", s.addresses)) " distinct addresses on the lists; "
                (fig("/suppression/warnings", s.warnings)) " malformed lines skipped. "
                "Skipped records do not suppress (soft bounces, ambiguous records)."
            }
            "\n"
            h3 { "Input rows on the lists, by reason" }
            "\n"
            table {
                tr { th { "reason" } th { "rows" } }
                @for (r, n) in &s.rows {
                    tr {
                        td { (labels::suppress_reason(r)) " (" code { (Text(r)) } ")" }
                        td { (fig(&format!("/suppression/rows/{}", key(r)), *n)) }
                    }
                }
            }
            "\n"
            @if !v.hygiene.suppressed.is_empty() {
                h3 { "By reason and file" }
                "\n"
                table {
                    tr { th { "reason" } th { "file" } th { "rows" } }
                    @for (i, r) in v.hygiene.suppressed.iter().enumerate() {
                        tr {
                            td { code { (Text(&r.reason)) } }
                            td class="name" { (Text(&r.source)) }
                            td { (fig(&format!("/hygiene/suppressed/{i}/rows"), r.rows)) }
                        }
                    }
                }
                "\n"
            }
        } @else {
            p { "No suppression file was given (--suppress)." }
            "\n"
        }
    }
}

fn engagement_section(v: &View) -> Markup {
    let Some(e) = &v.engagement else {
        return html! {
            h2 id="engagement" { "Engagement" }
            "\n"
            p { "No engagement data was given (--engagement)." }
            "\n"
        };
    };
    let items: Vec<(String, u64, &str)> = labels::SEGMENTS
        .iter()
        .map(|(k, l, c)| {
            (
                (*l).to_owned(),
                e.segments.get(*k).copied().unwrap_or(0),
                *c,
            )
        })
        .collect();
    let rule = |k: &str| e.rule(k);
    html! {
        h2 id="engagement" { "Engagement" }
        "\n"
        (def("Sends, opens and clicks from the event exports given with --engagement. Machine \
              opens (Apple Mail Privacy Protection, security scanners, bare proxy fetches) are \
              counted apart and are never a sign of life; Google's image proxy is a person \
              opening Gmail."))
        table {
            tr { th { "file" } th { "format" } th { "events" } th { "malformed" } }
            @for (i, f) in e.files.iter().enumerate() {
                tr {
                    td class="name" { (Text(&f.file)) }
                    td { (Text(&f.format)) }
                    td { (fig(&format!("/engagement/files/{i}/events"), f.events)) }
                    td { (fig(&format!("/engagement/files/{i}/malformed"), f.malformed)) }
                }
            }
        }
        "\n"
        p {
            "Segments as of " (Text(&rule("as_of"))) "; "
            (fig("/engagement/addresses_with_data", e.addresses_with_data))
            " addresses with data."
        }
        "\n"
        (chart::bars("Rows by engagement segment", &items))
        table {
            tr { th { "segment" } th { "rows" } th { "what it means" } }
            @for (k, l, _) in labels::SEGMENTS {
                tr {
                    td { (l) " (" code { (k) } ")" }
                    td { (fig(&format!("/engagement/segments/{k}"), e.segments.get(k).copied().unwrap_or(0))) }
                    td class="def" { (Text(&labels::segment(k, rule))) }
                }
            }
        }
        "\n"
        h3 { "Opens and clicks" }
        "\n"
        table {
            tr { th { "" } th { "count" } }
            tr { td { "Sends" } td { (fig("/engagement/sends", e.sends)) } }
            tr { td { "Human opens" } td { (fig("/engagement/human_opens", e.human_opens)) } }
            tr { td { "Machine opens" } td { (fig("/engagement/machine_opens", e.machine_opens)) } }
            tr { td { "Clicks" } td { (fig("/engagement/clicks", e.clicks)) } }
            tr {
                td { "Machine-open share" }
                td { (pct(e.machine_open_share())) }
            }
        }
        "\n"
        (def("Machine-open share: machine opens divided by all opens (human and machine)."))
    }
}

fn advice_section(advice: &[Advice]) -> Markup {
    html! {
        h2 id="next" { "What to do next" }
        "\n"
        (def("Actions the figures above call for: now (before the next send), next (soon), \
              consider (when there is time)."))
        ol class="advice" {
            @for a in advice {
                @let level = match a.level.as_str() {
                    "now" => "now",
                    "next" => "next",
                    _ => "consider",
                };
                li data-topic=(Text(&a.topic)) {
                    span class=(format!("level l{level}")) { (level) }
                    (Text(&a.text))
                }
                "\n"
            }
        }
        "\n"
    }
}
