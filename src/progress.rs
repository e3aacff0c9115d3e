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
