//! Observing a run as it goes, and stopping it.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::job::Job;
use crate::outcome::Outcome;

/// Told about each job as it starts and finishes. Called from the backend's
/// workers, possibly from many threads at once, so keep it cheap.
///
/// A panic in an observer is caught like any panic in a job (see the panic
/// policy on [`crate::Downloader`]): that job ends failed, the run goes on.
pub trait Progress: Send + Sync {
    /// A job's first request is about to be made.
    fn started(&self, _job: &Job) {}

    /// A job has its outcome.
    fn finished(&self, _outcome: &Outcome) {}
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// Asks a run to stop: no new request starts once cancelled; jobs not
/// finished end as [`crate::FailureKind::Cancelled`], and no partial file is
/// left behind. Clones share the same flag.
///
/// Threads wait on it with [`CancelToken::sleep`]; async code awaits
/// [`CancelToken::cancelled`] (runtime-agnostic: it is woken by
/// [`CancelToken::cancel`] itself, no timer polls); a backend that must act
/// the moment a run is cancelled (shut a client's connections down)
/// registers [`CancelToken::on_cancel`].
#[derive(Debug, Default, Clone)]
pub struct CancelToken {
    inner: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

#[derive(Default)]
struct State {
    cancelled: bool,
    next_id: u64,
    /// Wakers of pending [`Cancelled`] futures and [`CancelHook`]s, by id:
    /// a map, because a run registers one per download in flight and each
    /// leaves in any order (a vector's scan on every unregister took ~1.7 %
    /// of the runtime thread's `perf` samples, ~2 µs per request, at 1,000
    /// in flight; the map's removal ~0.1 %).
    listeners: BTreeMap<u64, Listener>,
}

enum Listener {
    Waker(Waker),
    Hook(Box<dyn FnOnce() + Send>),
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("cancelled", &self.cancelled)
            .field("listeners", &self.listeners.len())
            .finish()
    }
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A poisoned state is still valid: every update is a single step.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Cancels the run: wakes every [`CancelToken::sleep`] and
    /// [`CancelToken::cancelled`], and runs every [`CancelToken::on_cancel`]
    /// hook (on this thread, once).
    pub fn cancel(&self) {
        let listeners = {
            let mut state = self.state();
            state.cancelled = true;
            std::mem::take(&mut state.listeners)
        };
        self.inner.wake.notify_all();
        for listener in listeners.into_values() {
            match listener {
                Listener::Waker(waker) => waker.wake(),
                Listener::Hook(hook) => hook(),
            }
        }
    }

    /// Whether the run was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.state().cancelled
    }

    /// Sleeps for `duration` on this thread, or less if the run is
    /// cancelled meanwhile. Returns `true` when it slept the whole time
    /// without being cancelled.
    pub fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now().checked_add(duration);
        let mut state = self.state();
        while !state.cancelled {
            let left = match deadline {
                Some(at) => at.saturating_duration_since(Instant::now()),
                None => duration,
            };
            if left.is_zero() {
                return true;
            }
            state = self
                .inner
                .wake
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        false
    }

    /// Completes once the run is cancelled (at once if it already is).
    /// Works on any executor.
    pub fn cancelled(&self) -> Cancelled {
        Cancelled {
            token: self.clone(),
            id: None,
        }
    }

    /// Runs `hook` once when the run is cancelled: at once, on this thread,
    /// if it already is; otherwise on the thread that cancels. Dropping the
    /// returned guard unregisters it. Keep `hook` short and non-blocking.
    #[must_use = "the hook is unregistered when this is dropped"]
    pub fn on_cancel(&self, hook: impl FnOnce() + Send + 'static) -> CancelHook {
        let mut state = self.state();
        if state.cancelled {
            drop(state);
            hook();
            return CancelHook {
                token: self.clone(),
                id: None,
            };
        }
        let id = state.register(Listener::Hook(Box::new(hook)));
        CancelHook {
            token: self.clone(),
            id: Some(id),
        }
    }

    /// A token for one run of an async backend: cancelled when this one
    /// is, and when the returned guard is dropped (the run's future was
    /// dropped), so that tasks the run spawned stop with it.
    pub fn scoped(&self) -> ScopedCancel {
        let token = CancelToken::new();
        let child = token.clone();
        let _hook = self.on_cancel(move || child.cancel());
        ScopedCancel { token, _hook }
    }

    fn unregister(&self, id: u64) {
        self.state().listeners.remove(&id);
    }
}

impl State {
    fn register(&mut self, listener: Listener) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.listeners.insert(id, listener);
        id
    }
}

/// The future of [`CancelToken::cancelled`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Cancelled {
    token: CancelToken,
    /// Our slot in the token's listeners, once registered.
    id: Option<u64>,
}

impl Future for Cancelled {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut state = this.token.state();
        if state.cancelled {
            return Poll::Ready(());
        }
        let waker = cx.waker().clone();
        let slot = this.id.and_then(|id| state.listeners.get_mut(&id));
        match slot {
            Some(listener) => *listener = Listener::Waker(waker),
            None => this.id = Some(state.register(Listener::Waker(waker))),
        }
        Poll::Pending
    }
}

impl Drop for Cancelled {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.token.unregister(id);
        }
    }
}

/// Keeps a [`CancelToken::on_cancel`] hook registered; dropping it
/// unregisters the hook (if it has not run yet).
#[derive(Debug)]
pub struct CancelHook {
    token: CancelToken,
    id: Option<u64>,
}

impl Drop for CancelHook {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.token.unregister(id);
        }
    }
}

/// The token of [`CancelToken::scoped`]; cancels it when dropped.
#[derive(Debug)]
pub struct ScopedCancel {
    token: CancelToken,
    _hook: CancelHook,
}

impl ScopedCancel {
    /// The scoped token.
    pub fn token(&self) -> &CancelToken {
        &self.token
    }
}

impl Drop for ScopedCancel {
    fn drop(&mut self) {
        self.token.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    #[test]
    fn sleep_returns_early_when_cancelled() {
        let token = CancelToken::new();
        assert!(token.sleep(Duration::from_millis(1)));
        let other = token.clone();
        let waker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            other.cancel();
        });
        assert!(!token.sleep(Duration::from_secs(600)));
        assert!(token.is_cancelled());
        waker.join().unwrap();
    }

    #[test]
    fn sleep_accepts_the_longest_duration() {
        let token = CancelToken::new();
        token.cancel();
        assert!(!token.sleep(Duration::MAX));
    }

    struct CountWakes(AtomicUsize);

    impl Wake for CountWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn cancelled_future_is_woken_by_cancel() {
        let token = CancelToken::new();
        let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&wakes));
        let mut cx = Context::from_waker(&waker);
        let mut future = Box::pin(token.cancelled());
        assert!(future.as_mut().poll(&mut cx).is_pending());
        assert!(future.as_mut().poll(&mut cx).is_pending());
        assert_eq!(token.state().listeners.len(), 1, "one slot per future");
        token.cancel();
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
        assert!(future.as_mut().poll(&mut cx).is_ready());

        let other = CancelToken::new();
        let mut dropped = Box::pin(other.cancelled());
        assert!(dropped.as_mut().poll(&mut cx).is_pending());
        drop(dropped);
        assert!(other.state().listeners.is_empty(), "unregistered on drop");
    }

    #[test]
    fn a_scoped_token_follows_its_parent_and_its_guard() {
        let parent = CancelToken::new();
        let scope = parent.scoped();
        let child = scope.token().clone();
        assert!(!child.is_cancelled());
        parent.cancel();
        assert!(child.is_cancelled());

        let parent = CancelToken::new();
        let child = parent.scoped().token().clone();
        assert!(child.is_cancelled(), "dropping the guard cancels");
        assert!(!parent.is_cancelled());
        assert!(parent.state().listeners.is_empty(), "hook unregistered");
    }

    #[test]
    fn hooks_run_once_on_cancel_unless_dropped() {
        let token = CancelToken::new();
        let ran = Arc::new(AtomicUsize::new(0));
        let count = |ran: &Arc<AtomicUsize>| {
            let ran = Arc::clone(ran);
            move || {
                ran.fetch_add(1, Ordering::SeqCst);
            }
        };
        let _kept = token.on_cancel(count(&ran));
        drop(token.on_cancel(count(&ran)));
        token.cancel();
        token.cancel();
        assert_eq!(ran.load(Ordering::SeqCst), 1);
        let _late = token.on_cancel(count(&ran));
        assert_eq!(ran.load(Ordering::SeqCst), 2, "runs at once when late");
    }
}
