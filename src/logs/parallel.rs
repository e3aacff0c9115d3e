//! Parsing on all cores: the lines of a chunk are parsed on worker threads and applied to the
//! join in log order; the per-line parse functions of the syslog and ESP readers.

use super::esp::{self, Flavor};
use super::lines::text_lines;
use super::postfix;
use super::syslog::{self, Event, Header};

/// The parse threads besides the joining thread.
pub(super) struct Parallel {
    workers: usize,
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
        Parallel { workers }
    }
}

/// Bytes per piece of a chunk handed to a parse thread.
const PIECE: usize = 64 * 1024;

/// The lines of a chunk, parsed on `par.workers` other threads and applied here in log order.
/// The chunk is cut into pieces of whole lines; the parse threads take the next piece as they
/// finish one, and this thread applies the pieces' results in order as they arrive, parsing a
/// piece itself whenever the next result is not ready yet (so both sides stay busy, and with
/// no worker it parses everything). A parser that panics loses no line: its piece is parsed
/// again here.
pub(super) fn parallel_chunk<'t, T: Send>(
    text: &'t str,
    par: &mut Parallel,
    parse: impl Fn(&'t str) -> T + Sync,
    mut apply: impl FnMut(&'t str, T),
) {
    if par.workers == 0 || text.len() < 2 * PIECE {
        for l in text_lines(text) {
            apply(l, parse(l));
        }
        return;
    }
    let mut pieces: Vec<&'t str> = Vec::with_capacity(text.len() / PIECE + 1);
    let mut rest = text;
    while !rest.is_empty() {
        let at = if rest.len() <= PIECE {
            rest.len()
        } else {
            match memchr::memchr(b'\n', &rest.as_bytes()[PIECE..]) {
                Some(i) => PIECE + i + 1,
                None => rest.len(),
            }
        };
        let (a, b) = rest.split_at(at);
        pieces.push(a);
        rest = b;
    }
    let n = pieces.len();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let claim = || next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let parse_piece = |s: &'t str| {
        let mut v = Vec::with_capacity(memchr::memchr_iter(b'\n', s.as_bytes()).count() + 1);
        v.extend(text_lines(s).map(|l| (l, parse(l))));
        v
    };
    std::thread::scope(|sc| {
        // bounded: the parse threads run at most a few pieces ahead of the join (memory)
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Vec<(&'t str, T)>)>(2 * par.workers);
        let mut handles = Vec::with_capacity(par.workers);
        for _ in 0..par.workers {
            let tx = tx.clone();
            let (claim, parse_piece, pieces) = (&claim, &parse_piece, &pieces);
            handles.push(sc.spawn(move || {
                loop {
                    let i = claim();
                    if i >= n {
                        return;
                    }
                    if tx.send((i, parse_piece(pieces[i]))).is_err() {
                        return;
                    }
                }
            }));
        }
        drop(tx);
        let mut ready: Vec<Option<Vec<(&'t str, T)>>> = (0..n).map(|_| None).collect();
        let mut workers_done = false;
        for i in 0..n {
            loop {
                while let Ok((k, v)) = rx.try_recv() {
                    ready[k] = Some(v);
                }
                if ready[i].is_some() {
                    break;
                }
                // the next result is not there: parse a piece here meanwhile
                let k = claim();
                if k < n {
                    if k == i {
                        for l in text_lines(pieces[i]) {
                            apply(l, parse(l));
                        }
                        break;
                    }
                    ready[k] = Some(parse_piece(pieces[k]));
                    continue;
                }
                if workers_done {
                    // a worker died with this piece: parse it here
                    ready[i] = Some(parse_piece(pieces[i]));
                    break;
                }
                match rx.recv() {
                    Ok((k, v)) => ready[k] = Some(v),
                    Err(_) => workers_done = true,
                }
            }
            if let Some(v) = ready[i].take() {
                for (l, x) in v {
                    apply(l, x);
                }
            }
        }
        for h in handles {
            // a panicked parser's pieces were parsed again above
            let _ = h.join();
        }
    });
}

/// The events of one ESP JSON line: the first held inline (the usual one event per line
/// allocates nothing), any further ones in a vector.
pub(super) type EspEvents<'t> = (Option<esp::EspEvent<'t>>, Vec<esp::EspEvent<'t>>);

/// One ESP JSON line: the flavor it says, whether it parsed, its events.
pub(super) fn esp_parse(flavor: Flavor, l: &str) -> (Flavor, bool, EspEvents<'_>) {
    let t = l.trim();
    if t.is_empty() {
        return (flavor, true, (None, Vec::new()));
    }
    let fl = esp::sniff(t.as_bytes()).unwrap_or(flavor);
    let (mut first, mut more) = (None, Vec::new());
    let ok = esp::parse_record(fl, t, &mut |e| match first {
        None => first = Some(e),
        Some(_) => more.push(e),
    });
    (fl, ok, (first, more))
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
