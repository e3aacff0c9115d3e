//! Progress of long runs, reported through a trait the caller implements: the library never
//! draws on a terminal; the binary draws bars (indicatif) when stderr is a terminal.

/// What a long run is counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `clean` reading rows; `total` and the position are bytes of input, `done` is rows.
    Rows,
    /// The DNS stage resolving a batch of domains.
    Dns,
    /// The SMTP stage probing a batch of domains.
    Smtp,
}

/// Where the library reports progress and warnings that cannot wait for the end of a run.
///
/// The library calls it a few times a second at most, and only for runs long enough to be worth
/// showing. Implementations must be cheap and must not block.
pub trait Progress: Send + Sync {
    /// `step` started; `total` is known for some steps (bytes for [`Step::Rows`], domains for
    /// the network stages).
    fn start(&self, step: Step, total: Option<u64>);
    /// `done` units so far (rows or domains); `position` is the bytes read for [`Step::Rows`]
    /// and equals `done` otherwise.
    fn update(&self, step: Step, done: u64, position: u64);
    /// `step` ended.
    fn finish(&self, step: Step);
    /// Something the user should hear now (for example: no mail server answers on port 25).
    fn warn(&self, message: &str);
}

/// Warnings for the user from a stage: said at once through the caller's [`Progress`] when
/// there is one, else kept for the stage's `take_warnings` (a library user who passed no
/// progress still gets them).
pub(crate) struct Warnings {
    progress: Option<std::sync::Arc<dyn Progress>>,
    kept: std::sync::Mutex<Vec<String>>,
}

impl Warnings {
    /// Warnings said through `progress`, or kept when it is `None`.
    pub(crate) fn new(progress: Option<std::sync::Arc<dyn Progress>>) -> Warnings {
        Warnings {
            progress,
            kept: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Say `message` now, or keep it.
    pub(crate) fn say(&self, message: String) {
        match &self.progress {
            Some(p) => p.warn(&message),
            None => self
                .kept
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(message),
        }
    }

    /// The warnings kept so far, once.
    pub(crate) fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.kept.lock().unwrap_or_else(|p| p.into_inner()))
    }
}
