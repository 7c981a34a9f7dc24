//! Where `fetchlab download` gets its job list: URLs on the command line,
//! one URL-list file (`-` for standard input), or the book's seed list.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use fetchlab_core::JobList;

use crate::cli::DownloadArgs;

/// The job list the arguments ask for, cut to `--limit`. A bad line fails
/// here, naming its file and line, before anything is downloaded; so does
/// a list without a single URL (surely a mistake).
pub fn load(args: &DownloadArgs) -> Result<JobList> {
    let mut jobs = match (&args.seed_list, args.sources.as_slice()) {
        (Some(base), _) => JobList::seed(base)?,
        (None, [one]) if !looks_like_url(one) => from_list(one)?,
        (None, sources) => from_urls(sources)?,
    };
    if let Some(limit) = args.limit {
        jobs.truncate(limit);
    }
    Ok(jobs)
}

/// Arguments with a scheme are URLs; anything else names a list file.
fn looks_like_url(text: &str) -> bool {
    text.contains("://")
}

fn from_list(source: &str) -> Result<JobList> {
    let (origin, jobs) = if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the URL list from standard input")?;
        ("<stdin>", JobList::parse("<stdin>", &text)?)
    } else {
        (source, JobList::from_file(Path::new(source))?)
    };
    if jobs.is_empty() {
        bail!("{origin}: no URLs in the list (only blank lines and # comments)");
    }
    Ok(jobs)
}

fn from_urls(sources: &[String]) -> Result<JobList> {
    if let Some(file) = sources.iter().find(|s| !looks_like_url(s)) {
        bail!(
            "{file:?} is not a URL: give either URLs (http://…) or a single URL-list file \
             (or `-` for standard input), not both"
        );
    }
    Ok(JobList::from_urls(sources.iter().map(String::as_str))?)
}
