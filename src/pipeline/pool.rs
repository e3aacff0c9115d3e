//! `Pool`: a free list of reusable buffers shared between pipeline threads.

/// A free list of reusable buffers shared between pipeline threads, so that big buffers are
/// recycled instead of being returned to (and faulted back in from) the operating system.
#[derive(Debug)]
pub(crate) struct Pool<T> {
    items: std::sync::Mutex<Vec<T>>,
    max: usize,
}

impl<T> Pool<T> {
    /// A pool keeping at most `max` idle items.
    pub(crate) fn new(max: usize) -> std::sync::Arc<Self> {
        std::sync::Arc::new(Pool {
            items: std::sync::Mutex::new(Vec::new()),
            max,
        })
    }

    /// An idle item, if any.
    pub(crate) fn take(&self) -> Option<T> {
        self.items.lock().ok()?.pop()
    }

    /// Return an item for reuse (dropped when the pool is full).
    pub(crate) fn put(&self, item: T) {
        if let Ok(mut v) = self.items.lock()
            && v.len() < self.max
        {
            v.push(item);
        }
    }
}
