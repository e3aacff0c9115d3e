//! The binary's view of progress: indicatif bars on stderr when it is a terminal (and not
//! `-q`), and warnings from the library printed at once, always.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressStyle};
use mailsift::progress::{Progress, Step};
use mailsift::terminal_safe;

/// Bars for the steps the library reports; one at a time.
pub(crate) struct Bars {
    draw: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// A sink that draws when `wanted` and stderr is a terminal; warnings are printed either way.
    pub(crate) fn shared(wanted: bool) -> Arc<dyn Progress> {
        Arc::new(Bars {
            draw: wanted && std::io::stderr().is_terminal(),
            bar: Mutex::new(None),
        })
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        self.bar.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

impl Progress for Bars {
    fn start(&self, step: Step, total: Option<u64>) {
        if !self.draw {
            return;
        }
        let bar = match (step, total) {
            (Step::Rows, Some(t)) => ProgressBar::new(t).with_style(style(
                "[{bar:30}] {percent:>3}%  {msg} rows  {bytes}/{total_bytes}  {bytes_per_sec}",
            )),
            (Step::Rows, None) => ProgressBar::new_spinner()
                .with_style(style("{spinner} {msg} rows  {bytes}  {bytes_per_sec}")),
            (Step::Dns, t) => ProgressBar::new(t.unwrap_or(0))
                .with_style(style("DNS: {pos}/{len} domains [{bar:30}] {per_sec}")),
            (Step::Smtp, t) => ProgressBar::new(t.unwrap_or(0))
                .with_style(style("SMTP: {pos}/{len} domains [{bar:30}] {elapsed}")),
        };
        if let Some(old) = self.slot().replace(bar) {
            old.finish_and_clear();
        }
    }

    fn update(&self, step: Step, done: u64, position: u64) {
        if let Some(bar) = self.slot().as_ref() {
            bar.set_position(position);
            if step == Step::Rows {
                bar.set_message(done.to_string());
            }
        }
    }

    fn finish(&self, _step: Step) {
        if let Some(bar) = self.slot().take() {
            bar.finish_and_clear();
        }
    }

    fn warn(&self, message: &str) {
        let line = format!("mailsift: warning: {}", terminal_safe(message));
        match self.slot().as_ref() {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }
}
