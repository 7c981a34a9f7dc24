//! Ctrl-C during a download: the first one cancels the run (no new request
//! starts, unfinished jobs end as cancelled, no partial file stays, the
//! summary is still printed); the second one exits at once.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};
use fetchlab_core::CancelToken;
use fetchlab_core::store::TEMP_PREFIX;

/// Exit status after a second Ctrl-C: 128 + SIGINT, as shells report it.
const INTERRUPTED: i32 = 130;

/// Installs the Ctrl-C handler for a run writing into `output`.
pub fn install(cancel: CancelToken, output: PathBuf) -> Result<()> {
    let presses = AtomicUsize::new(0);
    ctrlc::set_handler(move || {
        if presses.fetch_add(1, Ordering::SeqCst) == 0 {
            eprintln!("\nInterrupted: no new downloads; waiting for those in flight (Ctrl-C again to quit now).");
            cancel.cancel();
        } else {
            remove_partial_files(&output);
            eprintln!("\nInterrupted twice: quitting now.");
            std::process::exit(INTERRUPTED);
        }
    })
    .context("cannot install the Ctrl-C handler")
}

/// The suffix of `DirStore`'s temporary files (`.fetchlab-XXXXXX.part`).
const PART_SUFFIX: &str = ".part";

/// Removes the temporary files of downloads still in flight, which an
/// immediate exit would otherwise leave behind (they are hidden and never
/// taken for complete files, but they take space).
fn remove_partial_files(output: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(output) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(TEMP_PREFIX) && name.ends_with(PART_SUFFIX) {
            // Best effort: the process is about to exit either way.
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
