//! The thread and runtime of an in-process test server (shared by the DNS and SMTP test
//! servers and the benches that include them).

use std::future::Future;

/// Run the future made by `make` on a new thread, in its own single-threaded tokio runtime.
pub fn spawn_runtime<F, M>(make: M)
where
    M: FnOnce() -> F + Send + 'static,
    F: Future<Output = ()>,
{
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime for a test server")
            .block_on(make());
    });
}
