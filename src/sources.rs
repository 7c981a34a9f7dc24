//! Where `fetchlab download` gets its job list: URLs on the command line,
//! one URL-list file (`-` for standard input), a list fetched from a URL,
//! or the book's seed list.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use fetchlab_core::{JobList, Settings};

use crate::cli::DownloadArgs;
use crate::list_url;

/// The job list the arguments ask for, cut to `--limit`. A bad line fails
/// here, naming its file and line, before anything is downloaded; so does
/// a list without a single URL (surely a mistake).
pub fn load(args: &DownloadArgs, settings: &Settings) -> Result<JobList> {
    if let Some(path) = &args.jobs_json {
        return fetchlab_processes::protocol::read_jobs(path).map_err(anyhow::Error::msg);
    }
    let mut jobs = match (&args.seed_list, &args.list_url, args.sources.as_slice()) {
        (Some(base), _, _) => JobList::seed(base)?,
        (None, Some(url), _) => non_empty(url, list_url::fetch(url, settings)?)?,
        (None, None, [one]) if !looks_like_url(one) => from_list(one)?,
        (None, None, sources) => from_urls(sources)?,
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
    if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the URL list from standard input")?;
        non_empty("<stdin>", JobList::parse("<stdin>", &text)?)
    } else {
        non_empty(source, JobList::from_file(Path::new(source))?)
    }
}

/// A list without a single URL is surely a mistake.
fn non_empty(origin: &str, jobs: JobList) -> Result<JobList> {
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
