//! The run's blocking [`CancelToken`] seen from async code.
//!
//! One watcher per run polls the token every [`POLL`] and then closes a
//! channel; every job waits on that channel closing, so a cancelled run
//! stops within about 50 ms at the cost of one timer per run.

use std::convert::Infallible;
use std::time::Duration;

use async_std::channel::{Receiver, Sender};
use fetchlab_core::CancelToken;

/// How often the watcher looks at the run's token.
pub const POLL: Duration = Duration::from_millis(50);

/// Cheap to clone; cancelled when the run's watcher closes the channel.
#[derive(Debug, Clone)]
pub struct Cancel {
    closed: Receiver<()>,
    /// The run's token itself, so that a cancel is seen at once, even
    /// before the watcher's first look.
    token: CancelToken,
}

impl Cancel {
    /// Whether the run was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.closed.is_closed() || self.token.is_cancelled()
    }

    /// Completes once the run is cancelled.
    pub async fn cancelled(&self) {
        // No message is ever sent: `recv` returns only when closed.
        let _ = self.closed.recv().await;
    }
}

/// A [`Cancel`] and the future that cancels it when `token` is cancelled.
/// The future never completes: race it against the run.
pub fn bridge(token: CancelToken) -> (Cancel, impl Future<Output = Infallible>) {
    let (sender, closed) = async_std::channel::bounded::<()>(1);
    let cancel = Cancel {
        closed,
        token: token.clone(),
    };
    (cancel, watch(token, sender))
}

async fn watch(token: CancelToken, sender: Sender<()>) -> Infallible {
    loop {
        if token.is_cancelled() {
            sender.close();
            return std::future::pending().await;
        }
        async_std::task::sleep(POLL).await;
    }
}
