//! What a parent and its child `fetchlab download` processes say to each
//! other, and nothing else: the files the parent writes before it starts a
//! child, and the event lines a child prints on standard output.
//!
//! - **Settings**: the whole [`Settings`] as JSON (`--settings-json FILE`),
//!   read back through the settings builder, so a child refuses exactly
//!   what the builder refuses and no setting is re-spelled as a flag.
//! - **Jobs**: the whole list as a JSON array of `{"url", "name"}`
//!   (`--jobs-json FILE`), URLs with any password intact (the report's own
//!   serialisation hides passwords, so it cannot carry a list), names as
//!   given (a list file would derive names from URLs). Every child reads
//!   the same list and keeps its shard (`--shard K/P`).
//! - **Events** (`--events`): one JSON object a line on standard output,
//!   [`Event::Started`] and [`Event::Finished`], each naming the job by its
//!   index in the child's shard. The parent maps the index back to the job
//!   of the whole list.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use fetchlab_core::{Job, JobList, Outcome, Progress, Status};

/// One job of the jobs file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct JobForm {
    url: String,
    name: String,
}

/// Writes `jobs` as a jobs file at `path`.
pub fn write_jobs(path: &Path, jobs: &JobList) -> std::io::Result<()> {
    let forms: Vec<JobForm> = jobs
        .iter()
        .map(|job| JobForm {
            url: job.url().to_owned(),
            name: job.name().to_owned(),
        })
        .collect();
    std::fs::write(path, serde_json::to_vec(&forms)?)
}

/// Reads a jobs file written by [`write_jobs`]; the error says why in
/// words, naming the file.
pub fn read_jobs(path: &Path) -> Result<JobList, String> {
    let text = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let forms: Vec<JobForm> = serde_json::from_slice(&text)
        .map_err(|e| format!("{} is not a fetchlab jobs file: {e}", path.display()))?;
    Ok(JobList::from_jobs(
        forms
            .into_iter()
            .map(|f| Job::with_name(f.url, f.name))
            .collect(),
    ))
}

/// One line of a child's standard output.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// The job's first request is about to be made.
    Started {
        /// Its index in the child's shard.
        index: usize,
    },
    /// The job has its outcome.
    Finished {
        /// Its index in the child's shard.
        index: usize,
        /// What became of it.
        status: Status,
        /// Requests made for it.
        attempts: u32,
        /// Seconds from its first request to its outcome.
        elapsed: f64,
    },
}

impl Event {
    /// Reads one line; `None` when it is not an event (the parent says so).
    pub fn parse(line: &str) -> Option<Event> {
        serde_json::from_str(line).ok()
    }

    /// The outcome of `job` that a [`Event::Finished`] describes.
    pub fn outcome(status: Status, attempts: u32, elapsed: f64, job: Job) -> Outcome {
        Outcome {
            job,
            status,
            attempts,
            elapsed: Duration::try_from_secs_f64(elapsed).unwrap_or_default(),
        }
    }
}

/// A [`Progress`] that prints every start and outcome as an [`Event`] line
/// on `out` (a child's standard output), flushed at once so that the parent
/// sees it while the run goes on.
pub struct EventStream<W: Write + Send> {
    state: Mutex<StreamState<W>>,
}

struct StreamState<W> {
    out: W,
    /// For each job, its indexes in the shard (more than one when the list
    /// holds the same job twice), and how many of them have started and
    /// finished: identical jobs are told apart by order.
    index: HashMap<Job, Indexes>,
    /// Whether writing failed (the parent is gone): stop trying.
    broken: bool,
}

#[derive(Default)]
struct Indexes {
    all: Vec<usize>,
    started: usize,
    finished: usize,
}

impl<W: Write + Send> EventStream<W> {
    /// A stream for the run of `jobs` (the child's shard) onto `out`.
    pub fn new(jobs: &JobList, out: W) -> Self {
        let mut index: HashMap<Job, Indexes> = HashMap::new();
        for (i, job) in jobs.iter().enumerate() {
            index.entry(job.clone()).or_default().all.push(i);
        }
        Self {
            state: Mutex::new(StreamState {
                out,
                index,
                broken: false,
            }),
        }
    }

    fn emit(&self, job: &Job, event: impl FnOnce(usize) -> Event, finished: bool) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(indexes) = state.index.get_mut(job) else {
            return;
        };
        let cursor = if finished {
            &mut indexes.finished
        } else {
            &mut indexes.started
        };
        let Some(&index) = indexes.all.get(*cursor) else {
            return;
        };
        *cursor += 1;
        if state.broken {
            return;
        }
        let Ok(mut line) = serde_json::to_vec(&event(index)) else {
            return;
        };
        line.push(b'\n');
        if state
            .out
            .write_all(&line)
            .and_then(|()| state.out.flush())
            .is_err()
        {
            state.broken = true;
        }
    }
}

impl<W: Write + Send> Progress for EventStream<W> {
    fn started(&self, job: &Job) {
        self.emit(job, |index| Event::Started { index }, false);
    }

    fn finished(&self, outcome: &Outcome) {
        self.emit(
            &outcome.job,
            |index| Event::Finished {
                index,
                status: outcome.status.clone(),
                attempts: outcome.attempts,
                elapsed: outcome.elapsed.as_secs_f64(),
            },
            true,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fetchlab_core::{Failure, FailureKind};

    #[test]
    fn jobs_keep_their_names_and_passwords() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.json");
        let jobs = JobList::from_jobs(vec![
            Job::with_name("http://u:secret@127.0.0.1:1/a", "not-a"),
            Job::with_name("http://127.0.0.1:1/b", "b"),
        ]);
        write_jobs(&path, &jobs).unwrap();
        assert_eq!(read_jobs(&path).unwrap(), jobs);
        std::fs::write(&path, b"[1]").unwrap();
        assert!(
            read_jobs(&path)
                .unwrap_err()
                .contains("not a fetchlab jobs file")
        );
    }

    #[test]
    fn events_name_jobs_by_shard_index_even_when_a_job_repeats() {
        let a = Job::with_name("http://127.0.0.1:1/a", "a");
        let b = Job::with_name("http://127.0.0.1:1/b", "b");
        let jobs = JobList::from_jobs(vec![a.clone(), b.clone(), a.clone()]);
        let stream = EventStream::new(&jobs, Vec::new());
        stream.started(&a);
        stream.started(&a);
        stream.finished(&Outcome::cancelled(a.clone(), 0, Duration::ZERO));
        let failed = Outcome {
            job: b.clone(),
            status: Status::Failed(Failure::new(FailureKind::HttpStatus(500), "boom")),
            attempts: 4,
            elapsed: Duration::from_millis(250),
        };
        stream.finished(&failed);
        let unknown = Job::with_name("http://127.0.0.1:1/c", "c");
        stream.started(&unknown);
        let out = stream.state.into_inner().unwrap().out;
        let events: Vec<Event> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| Event::parse(l).expect("an event"))
            .collect();
        assert_eq!(events.len(), 4, "{events:?}");
        assert_eq!(events[0], Event::Started { index: 0 });
        assert_eq!(events[1], Event::Started { index: 2 });
        let Event::Finished {
            index,
            status,
            attempts,
            elapsed,
        } = events[3].clone()
        else {
            panic!("{:?}", events[3]);
        };
        assert_eq!((index, attempts), (1, 4));
        assert_eq!(Event::outcome(status, attempts, elapsed, b), failed);
        assert!(Event::parse("fetchlab: warning").is_none());
    }
}
