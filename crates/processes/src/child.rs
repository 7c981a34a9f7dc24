//! One child `fetchlab download` process: started in its own process
//! group, its events read as they come, its standard error kept, stopped
//! on request, always reaped.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use std::os::unix::process::{CommandExt, ExitStatusExt};

/// How much of a child's standard error is kept (its end: the error).
const STDERR_KEPT: usize = 4096;

/// How long a child interrupted by a cancel may take to write its
/// cancelled outcomes and its report before it is killed.
pub const CANCEL_GRACE: Duration = Duration::from_secs(5);

/// How long a child that closed its standard output may take to exit
/// before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(5);

/// What a child is started with.
pub struct Spawn<'a> {
    /// The `fetchlab` program.
    pub program: &'a Path,
    /// The arguments after it.
    pub args: Vec<String>,
    /// How the child is named in failure reasons (`child 1/2`).
    pub label: String,
}

/// A running child.
pub struct ChildProcess {
    label: String,
    pid: u32,
    /// `Some` until the child is reaped, so a kill never reaches a reaped
    /// (and possibly reused) pid.
    child: Option<Child>,
    /// The child's standard input, held open while it runs; closing it
    /// cancels the child's run (see [`Canceller::cancel`]).
    stdin: Arc<Mutex<Option<ChildStdin>>>,
    stderr: Option<JoinHandle<String>>,
}

impl ChildProcess {
    /// Starts it; returns its standard output for the event reader.
    pub fn spawn(spawn: Spawn<'_>) -> std::io::Result<(ChildProcess, ChildStdout)> {
        let mut child = Command::new(spawn.program)
            .args(&spawn.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()?;
        let pid = child.id();
        let (stdin, stdout, stderr) =
            match (child.stdin.take(), child.stdout.take(), child.stderr.take()) {
                (Some(input), Some(out), Some(err)) => (input, out, err),
                _ => {
                    kill_and_reap(&mut child);
                    return Err(std::io::Error::other("the child's pipes were not made"));
                }
            };
        let stderr = std::thread::Builder::new()
            .name(format!(
                "fetchlab-{}-stderr",
                spawn.label.replace('/', "of")
            ))
            .spawn(move || tail(stderr))
            .ok();
        Ok((
            ChildProcess {
                label: spawn.label,
                pid,
                child: Some(child),
                stdin: Arc::new(Mutex::new(Some(stdin))),
                stderr,
            },
            stdout,
        ))
    }

    /// `child 1/2 (pid 1234)`.
    pub fn describe(&self) -> String {
        format!("{} (pid {})", self.label, self.pid)
    }

    /// A handle that cancels the child's run from another thread.
    pub fn canceller(&self) -> Canceller {
        Canceller {
            stdin: Arc::clone(&self.stdin),
        }
    }

    /// Waits for the child to exit (killing it after `grace` once its
    /// output is closed), reaps it, and returns how it ended and the end of
    /// what it wrote to standard error.
    pub fn finish(mut self, grace: Option<Duration>) -> (Option<ExitStatus>, String) {
        let deadline = Instant::now() + grace.unwrap_or(EXIT_GRACE);
        let status = loop {
            let Some(child) = self.child.as_mut() else {
                break None;
            };
            match child.try_wait() {
                Ok(Some(status)) => {
                    self.child = None;
                    break Some(status);
                }
                Ok(None) if Instant::now() < deadline => {}
                Ok(None) | Err(_) => {
                    let status = kill_and_reap(child);
                    self.child = None;
                    break status;
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        (status, stderr)
    }
}

impl Drop for ChildProcess {
    /// A child never outlives its pool: one not finished is killed and
    /// reaped.
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill_and_reap(&mut child);
        }
    }
}

/// Cancels one child's run from another thread (a cancel hook).
#[derive(Clone)]
pub struct Canceller {
    stdin: Arc<Mutex<Option<ChildStdin>>>,
}

impl Canceller {
    /// Cancels the child's run as Ctrl-C would (unfinished jobs end
    /// cancelled, the report is written) by closing its standard input,
    /// which the child watches in `--events` mode. A pipe, not a signal:
    /// a SIGINT that came before the child had installed its handler would
    /// be lost when the child started with SIGINT ignored (a background
    /// job of a non-interactive shell), where the end of a pipe waits until
    /// it is read.
    pub fn cancel(&self) {
        drop(lock(&self.stdin).take());
    }
}

/// Sends `signal` to the group the child leads (it was started with
/// `process_group(0)`, so its group id is its pid).
fn signal_group(pid: u32, signal: libc::c_int) {
    let Ok(pgid) = libc::pid_t::try_from(pid) else {
        return;
    };
    // SAFETY: kill has no memory effects; a negative pid names a process
    // group, the child's, which is not reaped while the caller holds it.
    unsafe {
        libc::kill(-pgid, signal);
    }
}

/// Kills the child's group and reaps the child.
fn kill_and_reap(child: &mut Child) -> Option<ExitStatus> {
    signal_group(child.id(), libc::SIGKILL);
    let _ = child.kill();
    child.wait().ok()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Reads `stream` to its end, keeping the last [`STDERR_KEPT`] bytes.
fn tail(stream: impl Read) -> String {
    let mut kept: Vec<u8> = Vec::new();
    let mut reader = BufReader::new(stream);
    loop {
        let chunk = match reader.fill_buf() {
            Ok([]) | Err(_) => break,
            Ok(chunk) => chunk,
        };
        kept.extend_from_slice(chunk);
        let len = chunk.len();
        reader.consume(len);
        if kept.len() > 2 * STDERR_KEPT {
            kept.drain(..kept.len() - STDERR_KEPT);
        }
    }
    if kept.len() > STDERR_KEPT {
        kept.drain(..kept.len() - STDERR_KEPT);
    }
    String::from_utf8_lossy(&kept).trim().to_owned()
}

/// Describes how a child ended, for a failure reason.
pub fn exit_words(status: Option<ExitStatus>) -> String {
    match status {
        Some(status) => match (status.code(), status.signal()) {
            (Some(code), _) => format!("exited with status {code}"),
            (None, Some(signal)) => format!("was killed by signal {signal}"),
            (None, None) => format!("ended ({status})"),
        },
        None => "could not be waited for".to_owned(),
    }
}

/// The files of one child: its settings and report, in the run's control
/// directory.
pub fn control_file(dir: &Path, what: &str, k: usize) -> PathBuf {
    dir.join(format!("{what}-{k}.json"))
}
