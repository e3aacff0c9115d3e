//! Parsing on all cores: the lines of a chunk are parsed on worker threads and applied to the
//! join in log order; the per-line parse functions of the syslog and ESP readers.

use super::esp::{self, Flavor};
use super::lines::text_lines;
use super::postfix;
use super::syslog::{self, Event, Header};

/// The parse threads of the syslog reader and the share of each chunk the joining thread
/// parses itself.
pub(super) struct Parallel {
    workers: usize,
    head_pct: usize,
}

impl Parallel {
    pub(super) fn new() -> Parallel {
        // one core reads (system calls, gunzip, UTF-8), one joins; parsing spreads over all
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        // `MAILSIFT_PARSE_THREADS=0` parses on the joining thread only (measurements)
        let workers = std::env::var("MAILSIFT_PARSE_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(cores.saturating_sub(1))
            .min(8);
        Parallel {
            workers,
            head_pct: 30,
        }
    }
}

/// The lines of a chunk: those of its tail are parsed on `par.workers` other threads while this
/// thread parses and applies its head; the tail's results are then applied in log order. The
/// share of the head adapts so that neither side waits long. A parser that panics loses no
/// line: its part is parsed again here.
pub(super) fn parallel_chunk<'t, T: Send>(
    text: &'t str,
    par: &mut Parallel,
    parse: impl Fn(&'t str) -> T + Sync,
    mut apply: impl FnMut(&'t str, T),
) {
    if par.workers == 0 || text.len() < 64 * 1024 {
        for l in text_lines(text) {
            apply(l, parse(l));
        }
        return;
    }
    let next_line = |s: &str, at: usize| -> usize {
        if at >= s.len() {
            return s.len();
        }
        match memchr::memchr(b'\n', &s.as_bytes()[at..]) {
            Some(i) => at + i + 1,
            None => s.len(),
        }
    };
    let (head, tail) = text.split_at(next_line(text, text.len() * par.head_pct / 100));
    let mut parts = Vec::with_capacity(par.workers);
    let mut from = 0;
    for k in 1..=par.workers {
        let to = next_line(tail, (tail.len() * k / par.workers).max(from));
        parts.push(&tail[from..to]);
        from = to;
    }
    let parse = &parse;
    std::thread::scope(|sc| {
        let handles: Vec<_> = parts
            .iter()
            .map(|part| {
                sc.spawn(move || text_lines(part).map(|l| (l, parse(l))).collect::<Vec<_>>())
            })
            .collect();
        for l in text_lines(head) {
            apply(l, parse(l));
        }
        let waited = !handles.iter().all(|h| h.is_finished());
        par.head_pct = if waited {
            par.head_pct.saturating_sub(2).max(2)
        } else {
            (par.head_pct + 2).min(60)
        };
        for (h, part) in handles.into_iter().zip(&parts) {
            match h.join() {
                Ok(v) => {
                    for (l, x) in v {
                        apply(l, x);
                    }
                }
                Err(_) => {
                    for l in text_lines(part) {
                        apply(l, parse(l));
                    }
                }
            }
        }
    });
}

/// One ESP JSON line: the flavor it says, whether it parsed, its events.
pub(super) fn esp_parse(flavor: Flavor, l: &str) -> (Flavor, bool, Vec<esp::EspEvent<'_>>) {
    let t = l.trim();
    if t.is_empty() {
        return (flavor, true, Vec::new());
    }
    let fl = esp::sniff(t.as_bytes()).unwrap_or(flavor);
    let mut v = Vec::new();
    let ok = esp::parse_record(fl, t, &mut |e| v.push(e));
    (fl, ok, v)
}

/// Parse a syslog line as far as no join state is needed: the header, and for Postfix the
/// event. `None`: the line is read the ordinary way ([`super::Collector::mta_line`]).
pub(super) fn pre_parse(line: &str) -> Option<(Header<'_>, Event<'_>)> {
    let h = syslog::header(line)?;
    if !postfix::is_postfix(h.program) {
        return None;
    }
    Some((h, postfix::parse(h.program, h.pid, h.message)))
}
