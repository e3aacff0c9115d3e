//! Counters for `GET /metrics`, written in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use super::store::Stats;

/// Counters of one server process.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Requests answered 2xx.
    pub ok: AtomicU64,
    /// Requests answered 4xx.
    pub client_errors: AtomicU64,
    /// Requests answered 5xx.
    pub server_errors: AtomicU64,
    /// Single checks answered.
    pub checks: AtomicU64,
    /// Jobs created.
    pub jobs_created: AtomicU64,
}

impl Metrics {
    /// Count a response.
    pub fn response(&self, status: u16) {
        let c = match status {
            200..=299 => &self.ok,
            400..=499 => &self.client_errors,
            _ => &self.server_errors,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn render(&self, stats: Option<&Stats>) -> String {
        let mut s = String::new();
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let _ = writeln!(
            s,
            "# HELP mailsift_http_responses_total HTTP responses by class."
        );
        let _ = writeln!(s, "# TYPE mailsift_http_responses_total counter");
        for (class, v) in [
            ("2xx", g(&self.ok)),
            ("4xx", g(&self.client_errors)),
            ("5xx", g(&self.server_errors)),
        ] {
            let _ = writeln!(s, "mailsift_http_responses_total{{class=\"{class}\"}} {v}");
        }
        let _ = writeln!(
            s,
            "# HELP mailsift_checks_total Single-address checks answered."
        );
        let _ = writeln!(s, "# TYPE mailsift_checks_total counter");
        let _ = writeln!(s, "mailsift_checks_total {}", g(&self.checks));
        let _ = writeln!(
            s,
            "# HELP mailsift_jobs_created_total Jobs created by this server."
        );
        let _ = writeln!(s, "# TYPE mailsift_jobs_created_total counter");
        let _ = writeln!(s, "mailsift_jobs_created_total {}", g(&self.jobs_created));
        if let Some(st) = stats {
            let _ = writeln!(s, "# HELP mailsift_jobs Jobs in the store by status.");
            let _ = writeln!(s, "# TYPE mailsift_jobs gauge");
            for status in ["queued", "running", "completed", "failed", "cancelled"] {
                let v = st.jobs.get(status).copied().unwrap_or(0);
                let _ = writeln!(s, "mailsift_jobs{{status=\"{status}\"}} {v}");
            }
            let _ = writeln!(s, "# HELP mailsift_units Work units not done, by state.");
            let _ = writeln!(s, "# TYPE mailsift_units gauge");
            let _ = writeln!(s, "mailsift_units{{state=\"queued\"}} {}", st.units_queued);
            let _ = writeln!(
                s,
                "mailsift_units{{state=\"running\"}} {}",
                st.units_running
            );
            let _ = writeln!(
                s,
                "# HELP mailsift_results Addresses with a result in the store."
            );
            let _ = writeln!(s, "# TYPE mailsift_results gauge");
            let _ = writeln!(s, "mailsift_results {}", st.results);
        }
        s
    }
}
