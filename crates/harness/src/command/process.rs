//! One run of a command: spawned in its own process group, waited for with
//! `wait4` (whose rusage covers the child and every descendant it waited
//! for), killed with its whole group when it passes the time limit, and
//! its group killed again after it exits so that nothing it left running
//! outlives the row.
//!
//! CPU time comes from that rusage. Memory does not: `ru_maxrss` of a
//! child started by `vfork`/`fork` keeps the high-water mark of the
//! parent's memory it ran in before `exec` (Linux carries it across
//! `exec`), so every row would show at least fetchlab's own size. The peak
//! is instead sampled from `/proc` every few milliseconds: the largest sum
//! of `VmRSS` over the child's process tree, or a single process's
//! `VmHWM` if larger (it catches a peak between two samples).

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::error::HarnessError;
use crate::resources::{Sampler, for_each_in_tree, status_field};

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// Exit status 0.
    Success,
    /// Another exit status.
    Status(i32),
    /// Killed by a signal it did not ask for.
    Signal(i32),
    /// Still running at the time limit: killed with its process group.
    TimedOut(Duration),
}

impl Exit {
    /// `None` for success, otherwise what went wrong, in a few words.
    pub fn failure(&self) -> Option<String> {
        match self {
            Self::Success => None,
            Self::Status(code) => Some(format!("exit status {code}")),
            Self::Signal(signal) => Some(format!("killed by signal {signal}")),
            Self::TimedOut(limit) => Some(format!(
                "still running after the {:.0} s time limit: killed with its process group",
                limit.as_secs_f64()
            )),
        }
    }
}

/// What one run of a command measured.
#[derive(Debug, Clone)]
pub struct ProcessRun {
    /// How it ended.
    pub exit: Exit,
    /// From spawn to exit (or to the kill).
    pub wall: Duration,
    /// User + system CPU time of the child and the descendants it waited for.
    pub cpu: Duration,
    /// The peak resident memory of the child's process tree (sampled; see
    /// the module's docs); `None` when it exited before the first sample.
    pub peak_rss: Option<u64>,
    /// The last line the command wrote to standard error, if any.
    pub last_error_line: Option<String>,
}

/// Runs `words` (program and arguments) with standard output and error in
/// `dir/stdout.log` and `dir/stderr.log`, at most `limit`.
pub fn run(words: &[String], dir: &Path, limit: Duration) -> Result<ProcessRun, HarnessError> {
    let (program, args) = words
        .split_first()
        .ok_or_else(|| HarnessError::Command("an empty command line".into()))?;
    let log = |name: &str| {
        let path = dir.join(name);
        File::create(&path).map_err(|source| HarnessError::Write { path, source })
    };
    let stderr_path = dir.join("stderr.log");
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(log("stdout.log")?)
        .stderr(log("stderr.log")?)
        .process_group(0);
    let start = Instant::now();
    let child = command
        .spawn()
        .map_err(|e| HarnessError::Command(format!("cannot run {program}: {e}")))?;
    // The pid of a child we have not reaped fits an i32 (pid_t).
    let pid = child.id() as libc::pid_t;
    // `child` is never waited for through std: `wait4` below reaps it.
    drop(child);
    let sampler = Sampler::with(
        "fetchlab-rss",
        SAMPLE_EVERY,
        move || tree_memory(pid),
        u64::max,
    );
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("fetchlab-wait4".into())
        .spawn(move || {
            let waited = wait4(pid);
            let _ = tx.send((waited, Instant::now()));
        })
        .map_err(|e| HarnessError::Command(format!("cannot start a waiter thread: {e}")))?;
    let (waited, ended, timed_out) = match rx.recv_timeout(limit) {
        Ok((waited, ended)) => (waited, ended, false),
        Err(_) => {
            kill_group(pid);
            let (waited, _) = rx
                .recv()
                .map_err(|_| HarnessError::Command("the waiter thread died".into()))?;
            (waited, start + limit, true)
        }
    };
    let peak_rss = sampler.stop();
    // Whatever the command left running in its group goes with it.
    kill_group(pid);
    let (status, usage) =
        waited.map_err(|e| HarnessError::Command(format!("cannot wait for {program}: {e}")))?;
    let exit = if timed_out {
        Exit::TimedOut(limit)
    } else if libc::WIFEXITED(status) {
        match libc::WEXITSTATUS(status) {
            0 => Exit::Success,
            code => Exit::Status(code),
        }
    } else {
        Exit::Signal(libc::WTERMSIG(status))
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Ok(ProcessRun {
        exit,
        wall: ended.saturating_duration_since(start),
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        peak_rss,
        last_error_line: last_line(&stderr_path),
    })
}

/// Blocks until `pid` exits; its status and rusage.
fn wait4(pid: libc::pid_t) -> std::io::Result<(i32, libc::rusage)> {
    loop {
        let mut status = 0;
        // SAFETY: wait4 only writes into the two values we pass; zeroed is a valid rusage.
        let (result, usage) = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            (libc::wait4(pid, &mut status, 0, &mut usage), usage)
        };
        if result == pid {
            return Ok((status, usage));
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// SIGKILL to every process of the group `pgid` (none left is fine), and
/// to the leader itself in case it moved to another group (`setsid`);
/// until it is reaped its pid cannot name another process.
fn kill_group(pgid: libc::pid_t) {
    // SAFETY: kill has no memory effects; a negative pid names a process group.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
        libc::kill(pgid, libc::SIGKILL);
    }
}

/// How often the child tree's memory is read from `/proc`.
const SAMPLE_EVERY: Duration = Duration::from_millis(5);

/// max(Σ VmRSS, max VmHWM) over `root` and its descendants, bytes; `None`
/// when `root` has no memory any more (exited).
fn tree_memory(root: libc::pid_t) -> Option<u64> {
    let (mut sum, mut high) = (0u64, 0u64);
    let mut found = false;
    let root = u32::try_from(root).ok()?;
    for_each_in_tree(root, None, |status| {
        let kib = |name: &str| status_field(status, name);
        // A zombie has no VmRSS line: nothing to count.
        if let Some(rss) = kib("VmRSS:") {
            found = true;
            sum += rss;
            high = high.max(kib("VmHWM:").unwrap_or(rss));
        }
    });
    found.then(|| sum.max(high) * 1024)
}

/// The last non-empty line of a (small) log file.
fn last_line(path: &Path) -> Option<String> {
    let text = std::fs::read(path).ok()?;
    let tail = &text[text.len().saturating_sub(4096)..];
    String::from_utf8_lossy(tail)
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| l.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<String> {
        vec!["sh".into(), "-c".into(), script.into()]
    }

    #[test]
    fn exit_statuses_cpu_and_stderr() {
        let dir = tempfile::tempdir().unwrap();
        let ok = run(&sh("true"), dir.path(), Duration::from_secs(30)).unwrap();
        assert_eq!(ok.exit, Exit::Success);
        let failed = run(
            &sh("echo first >&2; echo 'it broke' >&2; exit 3"),
            dir.path(),
            Duration::from_secs(30),
        )
        .unwrap();
        assert_eq!(failed.exit, Exit::Status(3));
        assert_eq!(failed.exit.failure().unwrap(), "exit status 3");
        assert_eq!(failed.last_error_line.as_deref(), Some("it broke"));
        let busy = run(
            &sh("i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"),
            dir.path(),
            Duration::from_secs(60),
        )
        .unwrap();
        assert!(busy.cpu > Duration::ZERO, "{busy:?}");
        let grow = run(
            &sh("x=$(head -c 40000000 /dev/zero | tr '\\0' a); sleep 0.2; echo ${#x}"),
            dir.path(),
            Duration::from_secs(60),
        )
        .unwrap();
        let peak = grow.peak_rss.unwrap();
        assert!(peak > 40_000_000, "{peak}");
        // Not fetchlab's own memory: a small shell that holds little.
        let small = run(&sh("sleep 0.2"), dir.path(), Duration::from_secs(60)).unwrap();
        assert!(small.peak_rss.unwrap() < peak / 4, "{small:?}");
        let missing = run(
            &["/nonexistent/tool".into()],
            dir.path(),
            Duration::from_secs(1),
        );
        assert!(matches!(missing, Err(HarnessError::Command(_))));
    }
}
