//! Verification as a service: the HTTP API (`serve`), the workers that share one job through
//! PostgreSQL (`worker`), and API keys. The queue is a table claimed with `FOR UPDATE SKIP
//! LOCKED` and leases; one worker holds a domain at a time and connection slots per mail server
//! are shared, so pacing holds however many workers ask. Without a database the same API runs
//! on an embedded store with the work done in-process.

mod api;
mod callback;
mod clock;
mod http;
mod intake;
mod job;
mod keys;
mod memory;
mod metrics;
mod plan;
mod postgres;
mod shared_gate;
mod store;
mod worker;

pub use api::{Api, ApiConfig, Checker, Request, Response};
pub use callback::{CallbackPolicy, SIGNATURE_HEADER};
pub use http::serve;
pub use job::{JobOptions, JobStatus, JobView, VerdictCounts};
pub use keys::{callback_key, generate as generate_key, hash as hash_key, sign};
pub use shared_gate::SharedGate;
pub use store::{Stats, Store, StoreError};
pub use worker::{WorkerConfig, WorkerStats, run as run_worker};
