//! A progress line on stderr, shown only when stderr is a terminal and the run is long.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Progress reporter; silent unless enabled and stderr is a terminal.
pub(crate) struct Progress {
    enabled: bool,
    start: Instant,
    last: Instant,
    total_bytes: Option<u64>,
    shown: bool,
}

impl Progress {
    /// A reporter for an input of `total_bytes` (if known).
    pub(crate) fn new(wanted: bool, total_bytes: Option<u64>) -> Self {
        let now = Instant::now();
        Progress {
            enabled: wanted && std::io::stderr().is_terminal(),
            start: now,
            last: now,
            total_bytes,
            shown: false,
        }
    }

    /// Report `rows` done and `bytes` read; prints at most a few times a second, after 1 s.
    pub(crate) fn update(&mut self, rows: u64, bytes: u64) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.start) < Duration::from_secs(1)
            || now.duration_since(self.last) < Duration::from_millis(200)
        {
            return;
        }
        self.last = now;
        self.shown = true;
        let secs = now.duration_since(self.start).as_secs_f64();
        let rate = rows as f64 / secs.max(1e-9);
        let mb = bytes as f64 / 1e6;
        let line = match self.total_bytes {
            Some(t) if t > 0 => {
                let frac = (bytes as f64 / t as f64).min(1.0);
                let width = 30;
                let filled = (frac * width as f64) as usize;
                format!(
                    "\r[{}{}] {:5.1}%  {} rows  {:.1}/{:.1} MB  {:.0} rows/s ",
                    "#".repeat(filled),
                    " ".repeat(width - filled),
                    frac * 100.0,
                    rows,
                    mb,
                    t as f64 / 1e6,
                    rate
                )
            }
            _ => format!("\r{rows} rows  {mb:.1} MB  {rate:.0} rows/s "),
        };
        let mut e = std::io::stderr().lock();
        let _ = e.write_all(line.as_bytes());
        let _ = e.flush();
    }

    /// Clear the progress line.
    pub(crate) fn finish(&mut self) {
        if self.shown {
            let mut e = std::io::stderr().lock();
            let _ = e.write_all(b"\r\x1b[2K");
            let _ = e.flush();
        }
    }
}
