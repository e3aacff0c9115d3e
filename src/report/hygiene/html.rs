//! The page: one self-contained HTML file (inline CSS and SVG, no script, nothing loaded)
//! rendered from the report's data. Every figure taken from the data is marked with a
//! `data-figure` attribute holding its JSON pointer into `--report-json`, so that the page can
//! be checked against the data; every piece of text is escaped by the template.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::Value;

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
th{background:#f6f8fa;font-weight:600}th.l{text-align:left}td.def{text-align:left;color:#57606a;font-size:13px;max-width:460px}\
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

/// The report's data, for its figures: each is read from the JSON at its pointer and marked
/// with it; a figure missing from the data is shown as a dash, unmarked.
struct Figures<'a>(&'a Value);

impl Figures<'_> {
    /// The count at `ptr`.
    fn fig(&self, ptr: &str) -> Markup {
        match self.0.pointer(ptr) {
            Some(Value::Number(n)) if n.as_u64().is_some() => {
                html! { span data-figure=(Text(ptr)) { (count(n.as_u64().unwrap_or(0))) } }
            }
            Some(Value::String(s)) => html! { span data-figure=(Text(ptr)) { (Text(s)) } },
            _ => html! { span class="muted" { "\u{2013}" } },
        }
    }

    /// The share (0..=1) at `ptr`, as a percentage.
    fn pct(&self, ptr: &str) -> Markup {
        match self.0.pointer(ptr).and_then(Value::as_f64) {
            Some(s) => html! { span data-figure=(Text(ptr)) data-unit="%" { (pct(s)) } },
            None => html! { span class="muted" { "\u{2013}" } },
        }
    }
}

fn def(text: &str) -> Markup {
    html! { p class="def" { (Text(text)) } "\n" }
}

/// The page for the report's data (with its `health` and `advice`).
pub(crate) fn render(data: &Value) -> String {
    let f = Figures(data);
    let view = View::of(data);
    let v = &view;
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
                    (f.fig("/rows_in")) " rows, cleaned by mailsift "
                    (env!("CARGO_PKG_VERSION")) " in " (format!("{:.2}", v.elapsed_seconds)) " s."
                }
                "\n"
                (health_section(&f, &health))
                (rows_section(&f, v))
                (verdicts_section(&f, v))
                (domains_section(&f, v))
                (typos_section(&f, v))
                (duplicates_section(&f, v))
                (shares_section(&f))
                (evidence_section(&f, v))
                (suppression_section(&f, v))
                (engagement_section(&f, v))
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

fn health_section(f: &Figures, hl: &Health) -> Markup {
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
                    strong { (f.fig("/health/problem_rows")) } " of "
                    (f.fig("/health/rows")) " rows ("
                    (f.pct("/health/problem_share"))
                    ") would hurt a send."
                }
                (def(grade::DEFINITION))
                (def(grade::scope_note(&hl.scope)))
            }
        }
        "\n"
    }
}

fn rows_section(f: &Figures, v: &View) -> Markup {
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
            tr { th { "" } th { "rows" } th { "share" } th class="l" { "what it is" } }
            tr {
                td { "Rows in" } td { (f.fig("/rows_in")) } td { "" }
                td class="def" { "Data rows read (the header excluded)." }
            }
            tr {
                td { "Kept" } td { (f.fig("/rows_clean")) }
                td { (pct(share(v.rows_clean, v.rows_in))) }
                td class="def" { "Rows written to the clean output." }
            }
            tr {
                td { "Rejected" } td { (f.fig("/rows_rejected")) }
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
                tr { th { "category" } th { "rows" } th { "share of rows in" } th class="l" { "what it is" } }
                @for (c, n) in &cats {
                    @let (label, what) = labels::category(c);
                    tr {
                        td { (Text(label)) " (" code { (Text(c)) } ")" }
                        td { (f.fig(&format!("/rejected_by/{}", key(c)))) }
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
                @for (r, _) in &why {
                    tr {
                        td { code { (Text(r)) } }
                        td { (f.fig(&format!("/rejected_reasons/{}", key(r)))) }
                    }
                }
            }
            "\n"
        }
    }
}

fn verdicts_section(f: &Figures, v: &View) -> Markup {
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
            tr { th { "verdict" } th { "rows" } th { "share of rows in" } th class="l" { "what it means" } }
            @for name in labels::VERDICTS {
                @let (label, _, what) = labels::verdict(name);
                @let n = v.verdicts.get(name).copied().unwrap_or(0);
                tr {
                    td { (Text(label)) }
                    td { (f.fig(&format!("/verdicts/{name}"))) }
                    td { (pct(share(n, v.rows_in))) }
                    td class="def" { (Text(what)) }
                }
            }
        }
        "\n"
        h3 { "Reasons" }
        "\n"
        table {
            tr { th { "reason" } th { "rows" } th class="l" { "what it means" } }
            @for (r, _) in &reasons {
                tr {
                    td { code { (Text(r)) } }
                    td { (f.fig(&format!("/reasons/{}", key(r)))) }
                    td class="def" { (Text(labels::reason(r))) }
                }
            }
        }
        "\n"
    }
}

/// The verdict-mix table of ranked rows (`base`: the pointer of the `top` list).
fn mix_table(
    f: &Figures,
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
            @for (i, (name, _, domains)) in rows.iter().enumerate() {
                tr {
                    td class="name" { (Text(name)) }
                    @if domains.is_some() { td { (f.fig(&format!("{base}/{i}/domains"))) } }
                    td { (f.fig(&format!("{base}/{i}/mix/rows"))) }
                    td { (f.fig(&format!("{base}/{i}/mix/deliverable"))) }
                    td { (f.fig(&format!("{base}/{i}/mix/risky"))) }
                    td { (f.fig(&format!("{base}/{i}/mix/undeliverable"))) }
                    td { (f.fig(&format!("{base}/{i}/mix/unknown"))) }
                    td { (f.fig(&format!("{base}/{i}/mix/rejected"))) }
                }
            }
        }
        "\n"
    }
}

fn domains_section(f: &Figures, v: &View) -> Markup {
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
            (f.fig("/hygiene/domains/distinct")) " distinct domains in "
            (f.fig("/hygiene/domains/rows")) " valid rows; the "
            (h.domains.top.len()) " biggest:"
        }
        "\n"
        @if !domains.is_empty() {
            (chart::mix("Verdicts by domain", &chart_rows(&domains)))
            (mix_table(f, "domain", "/hygiene/domains/top", &domains))
        }
        h3 { "Mailbox providers" }
        "\n"
        (def("The company that runs the mailboxes: from the domain's MX hosts when DNS was \
              checked (google, microsoft, yahoo, ...); offline, the provider's main domain for \
              the domains whose provider rules are known (gmail.com also for googlemail.com), \
              and other for the rest."))
        p {
            (f.fig("/hygiene/providers/distinct")) " providers; the "
            (h.providers.top.len()) " biggest:"
        }
        "\n"
        @if !providers.is_empty() {
            (chart::mix("Verdicts by mailbox provider", &chart_rows(&providers)))
            (mix_table(f, "provider", "/hygiene/providers/top", &providers))
        }
    }
}

fn typos_section(f: &Figures, v: &View) -> Markup {
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
                (f.fig("/hygiene/typos/rows")) " rows, "
                (f.fig("/hygiene/typos/distinct")) " distinct corrections:"
            }
            table {
                tr { th class="l" { "written" } th class="l" { "suggested" } th { "rows" } }
                @for (i, r) in t.top.iter().enumerate() {
                    tr {
                        td class="name" { (Text(&r.from)) }
                        td class="name" { (Text(&r.to)) }
                        td { (f.fig(&format!("/hygiene/typos/top/{i}/rows"))) }
                    }
                }
            }
        }
        "\n"
    }
}

fn duplicates_section(f: &Figures, v: &View) -> Markup {
    let d = &v.hygiene.duplicates;
    html! {
        h2 id="duplicates" { "Duplicates" }
        "\n"
        (def("A row is a duplicate when an earlier row reaches the same mailbox. Provider rules \
              count: Gmail ignores dots and +tags (a.b+news@gmail.com is ab@gmail.com), \
              googlemail.com is gmail.com, Outlook, iCloud, Proton and others ignore +tags. The \
              first row is kept; the later ones are duplicates."))
        table {
            tr { th { "" } th { "rows" } th class="l" { "what it is" } }
            tr {
                td { "Duplicate rows" } td { (f.fig("/hygiene/duplicates/rows")) }
                td class="def" { "Rows whose mailbox was on an earlier row." }
            }
            tr {
                td { "the same address" }
                td { (f.fig("/hygiene/duplicates/same_address")) }
                td class="def" { "Repeats of an address already seen, letter for letter after normalising." }
            }
            tr {
                td { "merged by a provider rule" }
                td { (f.fig("/hygiene/duplicates/provider_rule")) }
                td class="def" { "A different spelling of an address already seen that reaches the same mailbox." }
            }
            tr {
                td { "Unique mailboxes" }
                td { (f.fig("/unique_addresses")) }
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
                        td { (f.fig(&format!("/hygiene/duplicates/rewritten/{i}/rows"))) }
                    }
                }
            }
            "\n"
        }
    }
}

fn shares_section(f: &Figures) -> Markup {
    let rows = [
        (
            "disposable",
            "Disposable",
            "The domain (or a parent) is on the disposable-domain list: throw-away mailboxes.",
        ),
        (
            "role",
            "Role accounts",
            "The local part names a function, not a person (info, sales, support, noreply, ...).",
        ),
        (
            "free",
            "Free mail",
            "The domain is a free-mail provider (gmail.com, outlook.com, ...): common for consumers, a flag for business lists.",
        ),
    ];
    html! {
        h2 id="shares" { "Disposable, role and free-mail addresses" }
        "\n"
        p { "Shares of the " (f.fig("/hygiene/valid_rows")) " valid rows." }
        table {
            tr { th { "" } th { "rows" } th { "share" } th class="l" { "what it is" } }
            @for (k, label, what) in rows {
                tr {
                    td { (label) }
                    td { (f.fig(&format!("/hygiene/shares/{k}/rows"))) }
                    td { (f.pct(&format!("/hygiene/shares/{k}/share"))) }
                    td class="def" { (what) }
                }
            }
        }
        "\n"
    }
}

/// One evidence table.
fn evidence_table(
    f: &Figures,
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
                "Domains: " (f.fig(&format!("{base}/distinct"))) "; rows: "
                (f.fig(&format!("{base}/rows"))) "."
            }
            table {
                tr { th { "domain" } th { "rows" } }
                @for (i, d) in r.top.iter().enumerate() {
                    tr {
                        td class="name" { (Text(&d.domain)) }
                        td { (f.fig(&format!("{base}/top/{i}/rows"))) }
                    }
                }
            }
        }
        "\n"
    }
}

fn evidence_section(f: &Figures, v: &View) -> Markup {
    let h = &v.hygiene;
    let e = &h.evidence;
    html! {
        h2 id="evidence" { "DNS and SMTP evidence" }
        "\n"
        p {
            (f.fig("/hygiene/checks/dns_rows")) " rows had their domain looked up in DNS; "
            (f.fig("/hygiene/checks/smtp_rows")) " had their mailbox asked with an SMTP probe."
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
        (evidence_table(f, "Dead domains", "Domains that do not exist (NXDOMAIN) or have no mail \
            server (no MX and no address): every row at them is undeliverable.", "dead_domains", &e.dead_domains))
        (evidence_table(f, "Null MX", "Domains that publish a null MX (RFC 7505): they state that \
            they accept no mail.", "null_mx", &e.null_mx))
        (evidence_table(f, "Catch-all domains", "Domains whose mail server accepted a made-up \
            address: it accepts every address, so none of them can be verified.", "catch_all", &e.catch_all))
        (evidence_table(f, "Mailbox not found, by domain", "Rows whose mail server answered that \
            the mailbox does not exist (5.1.1).", "mailbox_not_found", &e.mailbox_not_found))
        h3 { "Temporary failures" }
        "\n"
        (def("Rows left unknown because a check failed for now: they say nothing against the \
              address and are never rejected as undeliverable."))
        table {
            tr { th { "" } th { "rows" } }
            tr {
                td { "DNS (timeouts, SERVFAIL, untrusted resolver)" }
                td { (f.fig("/hygiene/evidence/dns_temporary_rows")) }
            }
            tr {
                td { "SMTP (timeouts, refused connections, 4xx, greylisting, our sender refused)" }
                td { (f.fig("/hygiene/evidence/smtp_temporary_rows")) }
            }
        }
        "\n"
    }
}

fn suppression_section(f: &Figures, v: &View) -> Markup {
    html! {
        h2 id="suppressions" { "Suppressions" }
        "\n"
        @if let Some(s) = &v.suppression {
            (def("Rows whose mailbox is on a suppression file given with --suppress (matched \
                  with the provider rules, so a Gmail dot variant of a listed address is \
                  suppressed too). The first file to list an address gives its reason."))
            table {
                tr { th class="l" { "file" } th class="l" { "format" } th { "addresses added" } th { "skipped" } th { "malformed" } }
                @for (i, file) in s.files.iter().enumerate() {
                    tr {
                        td class="name" { (Text(&file.file)) }
                        td class="name" { (Text(&file.format)) }
                        td { (f.fig(&format!("/suppression/files/{i}/added"))) }
                        td { (f.fig(&format!("/suppression/files/{i}/skipped"))) }
                        td { (f.fig(&format!("/suppression/files/{i}/malformed"))) }
                    }
                }
            }
            "\n"
            p {
                (f.fig("/suppression/addresses")) " distinct addresses on the lists; "
                (f.fig("/suppression/warnings")) " malformed lines skipped. "
                "Skipped records do not suppress (soft bounces, ambiguous records)."
            }
            "\n"
            h3 { "Input rows on the lists, by reason" }
            "\n"
            table {
                tr { th { "reason" } th { "rows" } }
                @for (r, _) in &s.rows {
                    tr {
                        td { (labels::suppress_reason(r)) " (" code { (Text(r)) } ")" }
                        td { (f.fig(&format!("/suppression/rows/{}", key(r)))) }
                    }
                }
            }
            "\n"
            @if !v.hygiene.suppressed.is_empty() {
                h3 { "By reason and file" }
                "\n"
                table {
                    tr { th { "reason" } th class="l" { "file" } th { "rows" } }
                    @for (i, r) in v.hygiene.suppressed.iter().enumerate() {
                        tr {
                            td { code { (Text(&r.reason)) } }
                            td class="name" { (Text(&r.source)) }
                            td { (f.fig(&format!("/hygiene/suppressed/{i}/rows"))) }
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

fn engagement_section(f: &Figures, v: &View) -> Markup {
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
            tr { th class="l" { "file" } th class="l" { "format" } th { "events" } th { "malformed" } }
            @for (i, file) in e.files.iter().enumerate() {
                tr {
                    td class="name" { (Text(&file.file)) }
                    td class="name" { (Text(&file.format)) }
                    td { (f.fig(&format!("/engagement/files/{i}/events"))) }
                    td { (f.fig(&format!("/engagement/files/{i}/malformed"))) }
                }
            }
        }
        "\n"
        p {
            "Segments as of " (Text(&rule("as_of"))) "; "
            (f.fig("/engagement/addresses_with_data"))
            " addresses with data."
        }
        "\n"
        (chart::bars("Rows by engagement segment", &items))
        table {
            tr { th { "segment" } th { "rows" } th class="l" { "what it means" } }
            @for (k, l, _) in labels::SEGMENTS {
                tr {
                    td { (l) " (" code { (k) } ")" }
                    td { (f.fig(&format!("/engagement/segments/{k}"))) }
                    td class="def" { (Text(&labels::segment(k, rule))) }
                }
            }
        }
        "\n"
        h3 { "Opens and clicks" }
        "\n"
        table {
            tr { th { "" } th { "count" } }
            tr { td { "Sends" } td { (f.fig("/engagement/sends")) } }
            tr { td { "Human opens" } td { (f.fig("/engagement/human_opens")) } }
            tr { td { "Machine opens" } td { (f.fig("/engagement/machine_opens")) } }
            tr { td { "Clicks" } td { (f.fig("/engagement/clicks")) } }
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
