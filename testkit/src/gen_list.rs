//! Deterministic generator of realistic contact lists for benchmarks (no dependencies).
//!
//! Used by `benches/clean.rs` (via `#[path]`) and by the `gen_list` example, which
//! `benches/e2e.sh` runs to make its 1,000,000-row input:
//!
//! ```text
//! cargo run --release --example gen_list -- 1000000 --seed 42 > list.csv
//! ```
//!
//! Output: CSV with the header `email,first_name,last_name,signup_date`, LF line ends, fields
//! quoted per RFC 4180 only when needed. The same `(n, seed)` always gives the same bytes.
//!
//! Row mix (each row picks one kind; percentages of all rows):
//!
//! | kind        | share | what                                                             |
//! |-------------|-------|------------------------------------------------------------------|
//! | provider    | 58 %  | gmail ~30 %, yahoo, hotmail/outlook/live, icloud, aol, gmx, ...  |
//! | company     | 32.4 %| 50,000 synthetic domains, Zipf-like (s = 1.0) popularity          |
//! | duplicate   | 3 %   | earlier row: exact, case, padding, Gmail dots, +tag, googlemail  |
//! | typo        | 2 %   | gmial.com, hotmial.com, yahoo.con, outlok.com, ...               |
//! | invalid     | 2 %   | no @, @@, spaces, no TLD, trailing dot, display name, n/a, ...   |
//! | disposable  | 1 %   | mailinator.com, yopmail.com, ...                                 |
//! | role        | 1 %   | info@, sales@, support@ ... at company domains                   |
//! | idn         | 0.6 % | bücher.de, пример.рф, A-label forms, a few UTF-8 local parts     |
//!
//! On top of that, ~10 % of non-duplicate valid-looking rows get mixed case and ~1 % get
//! white-space padding.

mod tables;

use std::io::{self, Write};

use tables::*;

/// The CSV header line (without line end).
pub const HEADER: &str = "email,first_name,last_name,signup_date";

/// SplitMix64: seeds the main generator.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// xorshift64* PRNG, seeded through SplitMix64 (never zero).
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        let mut s = SplitMix64(seed).next_u64();
        if s == 0 {
            s = 0x2545_F491_4F6C_DD1D;
        }
        Rng(s)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 32).wrapping_mul(n as u64) >> 32) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A uniformly chosen element.
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

/// Cumulative weights for weighted choice.
struct Weighted {
    cum: Vec<f64>,
}

impl Weighted {
    fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut acc = 0.0;
        let cum = weights
            .into_iter()
            .map(|w| {
                acc += w;
                acc
            })
            .collect();
        Weighted { cum }
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let total = *self.cum.last().expect("non-empty");
        let x = rng.unit() * total;
        self.cum
            .partition_point(|&c| c <= x)
            .min(self.cum.len() - 1)
    }
}

/// Number of synthetic company domains.
pub const COMPANY_DOMAINS: usize = 50_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Provider,
    Company,
    Duplicate,
    Typo,
    Invalid,
    Disposable,
    Role,
    Idn,
}

/// Kinds and their weights in percent.
const KINDS: &[(Kind, f64)] = &[
    (Kind::Provider, 58.0),
    (Kind::Company, 32.4),
    (Kind::Duplicate, 3.0),
    (Kind::Typo, 2.0),
    (Kind::Invalid, 2.0),
    (Kind::Disposable, 1.0),
    (Kind::Role, 1.0),
    (Kind::Idn, 0.6),
];

/// How many earlier addresses duplicates are drawn from (a reservoir sample).
const HISTORY_MAX: usize = 1 << 18;

struct Person {
    first: &'static str,
    first_ascii: &'static str,
    last: String,
    last_ascii: String,
    /// The last name is from the short list (so free-mail local parts get digits).
    listed: bool,
}

/// One generated row.
#[derive(Debug, Clone)]
pub struct Row {
    /// The email cell, exactly as written (padding and all).
    pub email: String,
    /// First name cell.
    pub first_name: String,
    /// Last name cell.
    pub last_name: String,
    /// `YYYY-MM-DD`.
    pub signup_date: String,
}

/// The list generator.
pub struct Generator {
    rng: Rng,
    kinds: Weighted,
    providers: Weighted,
    tlds: Weighted,
    zipf: Weighted,
    companies: Vec<String>,
    /// Earlier valid addresses: (local, domain).
    history: Vec<(String, String)>,
    seen: u64,
}

impl Generator {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let tlds = Weighted::new(TLDS.iter().map(|t| t.1));
        let mut companies = Vec::with_capacity(COMPANY_DOMAINS);
        for _ in 0..COMPANY_DOMAINS {
            companies.push(company_domain(&mut rng, &tlds));
        }
        // Zipf-like popularity: rank k has weight 1 / (k + 10)^1.0 (flattened head, long tail).
        let zipf = Weighted::new((0..COMPANY_DOMAINS).map(|k| 1.0 / (k as f64 + 10.0)));
        Generator {
            rng,
            kinds: Weighted::new(KINDS.iter().map(|k| k.1)),
            providers: Weighted::new(PROVIDERS.iter().map(|p| p.1)),
            tlds,
            zipf,
            companies,
            history: Vec::new(),
            seen: 0,
        }
    }

    fn remember(&mut self, local: &str, domain: &str) {
        self.seen += 1;
        let entry = (local.to_owned(), domain.to_owned());
        if self.history.len() < HISTORY_MAX {
            self.history.push(entry);
        } else {
            let j = (self.rng.next_u64() % self.seen) as usize;
            if j < HISTORY_MAX {
                self.history[j] = entry;
            }
        }
    }

    /// A person: a first name from the list and a last name that is a listed one (12 %) or a
    /// synthetic one made of syllables (so that addresses rarely collide by accident).
    fn person(&mut self) -> Person {
        let (first, first_ascii) = self.rng.pick(FIRST);
        let listed = self.rng.chance(0.12);
        let (last, last_ascii) = if listed {
            let (l, a) = self.rng.pick(LAST);
            (l.to_owned(), a.to_owned())
        } else {
            let mut a = String::new();
            for _ in 0..2 + self.rng.below(2) {
                a.push_str(self.rng.pick(SYLLABLES));
            }
            if self.rng.chance(0.3) {
                a.push_str(
                    self.rng
                        .pick(&["son", "er", "man", "ski", "ez", "ini", "ov", "berg"]),
                );
            }
            (capitalize_words(&a), a)
        };
        Person {
            first,
            first_ascii,
            last,
            last_ascii,
            listed,
        }
    }

    /// A local part built from a person's name.
    fn person_local(&mut self, p: &Person, company: bool) -> String {
        let first = p.first_ascii;
        let last = p.last_ascii.as_str();
        let mut r = self.rng.below(100);
        let digits = |rng: &mut Rng| -> String {
            match rng.below(3) {
                0 => format!("{}", rng.below(100)),
                1 => format!("{}", 1950 + rng.below(60)),
                _ => format!("{}", rng.below(10_000)),
            }
        };
        if !company && p.listed {
            // Free-mail users with common names mostly need digits to get an address.
            r = 25 + r % 55;
        }
        if company {
            return match r {
                0..=49 => format!("{first}.{last}"),
                50..=72 => format!("{}{last}", &first[..1]),
                73..=74 => first.to_owned(),
                75..=87 => format!("{first}_{last}"),
                _ => format!("{}.{last}", &first[..1]),
            };
        }
        match r {
            0..=12 => format!("{first}.{last}"),
            13..=19 => format!("{first}{last}"),
            20..=24 => format!("{last}.{first}"),
            25..=49 => format!("{first}.{last}{}", digits(&mut self.rng)),
            50..=64 => format!("{first}{last}{}", digits(&mut self.rng)),
            65..=79 => format!("{}{last}{}", &first[..1], digits(&mut self.rng)),
            80..=87 => format!("{first}_{last}"),
            88..=94 => format!("{first}-{last}"),
            _ => format!(
                "{}{}{}",
                &first[..1],
                &last[..1.min(last.len())],
                self.rng.below(100_000)
            ),
        }
    }

    fn company(&mut self) -> String {
        let i = self.zipf.sample(&mut self.rng);
        self.companies[i].clone()
    }

    fn date(&mut self) -> String {
        // 2015-01-01 .. about 2025-12-31.
        let days = crate::civil::days_from_civil(2015, 1, 1) + self.rng.below(4018) as i64;
        crate::civil::day_string(days * 86_400)
    }

    /// The next row.
    pub fn next_row(&mut self) -> Row {
        let p = self.person();
        let kind = KINDS[self.kinds.sample(&mut self.rng)].0;
        let kind = if kind == Kind::Duplicate && self.history.is_empty() {
            Kind::Provider
        } else {
            kind
        };
        let mut decorate = true;
        let mut first_name = p.first.to_owned();
        let mut last_name = p.last.clone();
        let email = match kind {
            Kind::Provider => {
                let d = PROVIDERS[self.providers.sample(&mut self.rng)].0;
                let local = self.person_local(&p, false);
                self.remember(&local, d);
                format!("{local}@{d}")
            }
            Kind::Company => {
                let d = self.company();
                let local = self.person_local(&p, true);
                self.remember(&local, &d);
                format!("{local}@{d}")
            }
            Kind::Role => {
                // Uniform over the pool: role accounts of many different companies.
                let d = self.companies[self.rng.below(COMPANY_DOMAINS)].clone();
                let local = self.rng.pick(ROLES);
                first_name.clear();
                last_name.clear();
                self.remember(local, &d);
                format!("{local}@{d}")
            }
            Kind::Disposable => {
                let d = self.rng.pick(DISPOSABLE);
                let local = self.person_local(&p, false);
                format!("{local}@{d}")
            }
            Kind::Typo => {
                let d = self.rng.pick(TYPO_DOMAINS);
                let local = self.person_local(&p, false);
                format!("{local}@{d}")
            }
            Kind::Idn => {
                let (u, a) = self.rng.pick(IDN_DOMAINS);
                let local = if self.rng.chance(0.15) {
                    format!("{}.{}", self.rng.pick(UTF8_LOCALS), p.last_ascii)
                } else {
                    self.person_local(&p, true)
                };
                let d = if self.rng.chance(0.3) { a } else { u };
                self.remember(&local, d);
                format!("{local}@{d}")
            }
            Kind::Invalid => {
                decorate = false;
                self.invalid(&p)
            }
            Kind::Duplicate => {
                decorate = false;
                self.duplicate()
            }
        };
        let email = if decorate {
            self.decorate(email)
        } else {
            email
        };
        Row {
            email,
            first_name,
            last_name,
            signup_date: self.date(),
        }
    }

    /// Mixed case (~10 %) and white-space padding (~1 %).
    fn decorate(&mut self, email: String) -> String {
        let mut e = email;
        if self.rng.chance(0.10) {
            e = match self.rng.below(4) {
                0 => e.to_uppercase(),
                1 => capitalize_words(&e),
                2 => {
                    let (l, d) = e.split_once('@').expect("one @");
                    format!("{l}@{}", d.to_uppercase())
                }
                _ => {
                    let (l, d) = e.split_once('@').expect("one @");
                    format!("{}@{d}", capitalize_words(l))
                }
            };
        }
        if self.rng.chance(0.01) {
            e = self.pad(e);
        }
        e
    }

    fn pad(&mut self, e: String) -> String {
        match self.rng.below(5) {
            0 => format!(" {e}"),
            1 => format!("{e} "),
            2 => format!("  {e}  "),
            3 => format!("\t{e}"),
            _ => format!("{e}\u{a0}"),
        }
    }

    fn invalid(&mut self, p: &Person) -> String {
        let local = self.person_local(p, false);
        let d = PROVIDERS[self.providers.sample(&mut self.rng)].0;
        let (dname, _) = d.split_once('.').unwrap_or((d, ""));
        match self.rng.below(14) {
            0 => format!("{local}{d}"),
            1 => format!("{local}@@{d}"),
            2 => format!("{local}@{dname}@{d}"),
            3 => {
                let fl = p.first_ascii;
                let ll = &p.last_ascii;
                format!("{fl} {ll}@{d}")
            }
            4 => format!("{local}@{dname}"),
            5 => format!("{local}@{d}."),
            6 => format!("{} {} <{local}@{d}>", p.first, p.last),
            7 => self
                .rng
                .pick(&[
                    "n/a", "N/A", "none", "-", "", "unknown", "test", "null", "?",
                ])
                .to_owned(),
            8 => format!("@{d}"),
            9 => format!("{local}@"),
            10 => format!(".{local}@{d}"),
            11 => format!("{}..{}@{d}", p.first_ascii, p.last_ascii),
            12 => format!("{local}@{dname},com"),
            _ => format!("{local}@{d} ;{}@{d}", p.first_ascii),
        }
    }

    fn duplicate(&mut self) -> String {
        let i = self.rng.below(self.history.len());
        let (local, domain) = self.history[i].clone();
        let is_gmail = domain == "gmail.com" || domain == "googlemail.com";
        let plus = PLUS_PROVIDERS.contains(&domain.as_str());
        match self.rng.below(6) {
            0 => format!("{local}@{domain}"),
            1 => {
                if self.rng.chance(0.5) {
                    format!("{local}@{domain}").to_uppercase()
                } else {
                    format!("{}@{}", capitalize_words(&local), capitalize_words(&domain))
                }
            }
            2 => self.pad(format!("{local}@{domain}")),
            3 if is_gmail => {
                // Dot variant: remove dots, or add one.
                let l: String = if local.contains('.') {
                    local.replace('.', "")
                } else if local.len() > 1 {
                    let at = 1 + self.rng.below(local.len() - 1);
                    if local.is_char_boundary(at) {
                        format!("{}.{}", &local[..at], &local[at..])
                    } else {
                        local.clone()
                    }
                } else {
                    local.clone()
                };
                format!("{l}@{domain}")
            }
            4 if plus => {
                let tag = self
                    .rng
                    .pick(&["news", "shop", "spam", "promo", "2024", "list"]);
                format!("{local}+{tag}@{domain}")
            }
            5 if is_gmail => {
                let other = if domain == "gmail.com" {
                    "googlemail.com"
                } else {
                    "gmail.com"
                };
                format!("{local}@{other}")
            }
            _ => format!("{local}@{domain}"),
        }
    }

    /// Write `n` rows (after the header) as CSV.
    pub fn write_csv<W: Write>(&mut self, n: usize, w: &mut W) -> io::Result<()> {
        let mut line = String::with_capacity(128);
        w.write_all(HEADER.as_bytes())?;
        w.write_all(b"\n")?;
        for _ in 0..n {
            let r = self.next_row();
            line.clear();
            push_field(&mut line, &r.email);
            line.push(',');
            push_field(&mut line, &r.first_name);
            line.push(',');
            push_field(&mut line, &r.last_name);
            line.push(',');
            push_field(&mut line, &r.signup_date);
            line.push('\n');
            w.write_all(line.as_bytes())?;
        }
        Ok(())
    }
}

/// `n` rows of CSV (header included) for `seed`.
pub fn generate_csv(n: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 56 + 64);
    Generator::new(seed)
        .write_csv(n, &mut out)
        .expect("writing to a Vec cannot fail");
    out
}

/// The email cells of the first `n` rows for `seed` (the same ones `generate_csv` writes).
pub fn generate_addresses(n: usize, seed: u64) -> Vec<String> {
    let mut g = Generator::new(seed);
    (0..n).map(|_| g.next_row().email).collect()
}

/// Append a CSV field, quoted per RFC 4180 when it holds a delimiter, quote, line end or
/// leading/trailing white space.
fn push_field(out: &mut String, s: &str) {
    let needs = s.contains([',', '"', '\r', '\n'])
        || s.starts_with(char::is_whitespace)
        || s.ends_with(char::is_whitespace);
    if needs {
        out.push('"');
        for c in s.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        out.push_str(s);
    }
}

fn capitalize_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric();
    }
    out
}

fn company_domain(rng: &mut Rng, tlds: &Weighted) -> String {
    let mut name = String::new();
    for _ in 0..2 + rng.below(2) {
        name.push_str(rng.pick(SYLLABLES));
    }
    match rng.below(10) {
        0..=3 => {
            name.push_str(rng.pick(WORDS));
        }
        4..=5 => {
            name.push('-');
            name.push_str(rng.pick(WORDS));
        }
        6 => {
            name.push_str(&format!("{}", rng.below(100)));
        }
        _ => {}
    }
    let tld = TLDS[tlds.sample(rng)].0;
    if rng.below(20) == 0 {
        // Subdomain mail hosts: mail.example.com, eu.example.com.
        let sub = rng.pick(&["mail", "eu", "us", "corp", "staff"]);
        format!("{sub}.{name}.{tld}")
    } else {
        format!("{name}.{tld}")
    }
}
