//! [`Cursor`]: the shared queue of a run's jobs, for backends whose
//! workers (threads, or runtimes) take the next job when they are free.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Hands out job indexes in order, each exactly once, to any number of
/// workers on any number of threads: the shared queue of a run.
#[derive(Debug, Default)]
pub struct Cursor {
    next: AtomicUsize,
}

impl Cursor {
    /// The next job index below `len`, or `None` when every job was taken.
    pub fn take(&self, len: usize) -> Option<usize> {
        // Relaxed is enough: the counter is the only shared state, and the
        // job list is borrowed immutably by every worker. It overshoots
        // `len` by at most one call per worker, far from overflowing.
        let index = self.next.fetch_add(1, Ordering::Relaxed);
        (index < len).then_some(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_each_index_once() {
        let cursor = Cursor::default();
        let taken: Vec<usize> = std::iter::from_fn(|| cursor.take(3)).collect();
        assert_eq!(taken, [0, 1, 2]);
        assert_eq!(cursor.take(3), None);
    }

    #[test]
    fn threads_share_it_without_repeats() {
        let cursor = Cursor::default();
        let mut taken: Vec<usize> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| std::iter::from_fn(|| cursor.take(1_000)).collect::<Vec<_>>())
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("no panic"))
                .collect()
        });
        taken.sort_unstable();
        assert_eq!(taken, (0..1_000).collect::<Vec<_>>());
    }
}
