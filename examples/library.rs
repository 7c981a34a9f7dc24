//! A fetchlab backend used as a library: the URLs listed in a file are
//! downloaded into a directory, 20 at a time, by tokio + reqwest.
//!
//! This is the README's library example (a test checks that the README
//! shows exactly this code), here so that CI compiles it. Run it on a list
//! of your own:
//!
//! ```sh
//! cargo run --release --example library -- urls.txt downloads
//! ```
//!
//! Without a URL file it says how to run it and downloads nothing.

use std::path::PathBuf;
use std::sync::Arc;

use fetchlab_core::{DirStore, Downloader, JobList, RunEnv, Settings};
use fetchlab_tokio::TokioDownloader;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let Some(list) = args.next() else {
        eprintln!("usage: library URL_FILE [DIR]  (one URL a line; DIR is downloads by default)");
        return Ok(());
    };
    let dir = args.next().unwrap_or_else(|| PathBuf::from("downloads"));

    let jobs = JobList::from_file(&list)?; // errors name file:line
    let downloader = TokioDownloader::new(Settings::builder().concurrency(20).build()?)?;
    let store = Arc::new(DirStore::new(&dir)?); // atomic, resumable files
    let report = downloader.download(&jobs, &RunEnv::new(store))?;
    for line in report.summary_lines() {
        println!("{line}");
    }
    Ok(())
}
