//! What every job of one run shares.

use std::sync::Arc;

use fetchlab_core::{Progress, Settings, Store};

use crate::cancel::Cancel;

/// The client, settings and environment of one run, shared by its jobs.
pub struct Shared {
    /// The fetcher's surf client (a cheap handle on its connection pool).
    pub client: surf::Client,
    /// The validated settings.
    pub settings: Arc<Settings>,
    /// Where bodies go.
    pub store: Arc<dyn Store>,
    /// Told about every start and outcome.
    pub progress: Arc<dyn Progress>,
    /// Cancelled when the run's [`fetchlab_core::CancelToken`] is.
    pub cancel: Cancel,
}
