//! Ctrl-C during a download: the first one cancels the run (no new request
//! starts, the requests in flight are cut off, unfinished jobs end as
//! cancelled and are counted so, the summary and report are still written);
//! the second one exits at once.
//!
//! After the first, no file is left under a final name unless it is whole;
//! the only leftovers are the hidden `.fetchlab-NAME.partial` files the
//! store keeps on purpose for large bodies, which a rerun resumes with a
//! `Range` request. After the second, partial files of the downloads that
//! were in flight stay too (hidden, never taken for complete files); a
//! rerun resumes or replaces them.

use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};
use fetchlab_core::CancelToken;

/// Exit status after a second Ctrl-C: 128 + SIGINT, as shells report it.
const INTERRUPTED: i32 = 130;

/// Installs the Ctrl-C handler that cancels `cancel`.
pub fn install(cancel: CancelToken) -> Result<()> {
    let presses = AtomicUsize::new(0);
    ctrlc::set_handler(move || {
        if presses.fetch_add(1, Ordering::SeqCst) == 0 {
            eprintln!(
                "\nInterrupted: stopping; downloads in flight are cut off and counted as \
                 cancelled, whole files are kept (Ctrl-C again to quit at once)."
            );
            cancel.cancel();
        } else {
            eprintln!("\nInterrupted twice: quitting now; a rerun resumes what is left.");
            std::process::exit(INTERRUPTED);
        }
    })
    .context("cannot install the Ctrl-C handler")
}

/// Cancels `cancel` when standard input ends: how a process pool's parent
/// stops a child (`--events` mode). It closes the child's standard input
/// rather than rely on a signal alone: a SIGINT that arrives before
/// [`install`] has run is lost when the child was started with SIGINT
/// ignored (as a non-interactive shell starts background jobs), where the
/// end of a pipe waits until it is read. The end of input also comes when
/// the parent dies, so no child outlives its pool.
pub fn cancel_at_end_of_stdin(cancel: CancelToken) -> Result<()> {
    std::thread::Builder::new()
        .name("fetchlab-stdin-watch".into())
        .spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
            cancel.cancel();
        })
        .map(drop)
        .context("cannot start the thread that watches standard input")
}
