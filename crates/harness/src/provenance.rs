//! Where and how results were produced: machine, date, commit, command.
//! Every exported file carries it.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// The machine the numbers come from.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Machine {
    /// Logical CPUs available to the process.
    pub cores: usize,
    /// CPU model name from `/proc/cpuinfo` (`unknown` elsewhere).
    pub cpu_model: String,
    /// Operating system and architecture.
    pub os: String,
}

impl Machine {
    /// This machine.
    pub fn detect() -> Machine {
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, model)| model.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".into());
        Machine {
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            cpu_model,
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        }
    }
}

/// Machine, date, commit and the exact command of a set of results.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    /// The machine.
    pub machine: Machine,
    /// When, UTC, ISO 8601 (`2025-11-25T18:40:00Z`).
    pub date: String,
    /// `git rev-parse --short=12 HEAD`, with `-dirty` when tracked files
    /// outside `results/` differ from it (the tables a bench has already
    /// rewritten in this run do not count); `None` outside a git checkout.
    pub commit: Option<String>,
    /// The command that produced the results.
    pub command: String,
    /// fetchlab's version.
    pub version: String,
}

impl Provenance {
    /// The provenance of results being produced now by `command`.
    pub fn capture(command: impl Into<String>) -> Provenance {
        Provenance {
            machine: Machine::detect(),
            date: utc_now(),
            commit: git_commit(),
            command: command.into(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    /// One line each: machine, date and commit, command.
    pub fn lines(&self) -> Vec<String> {
        vec![
            format!(
                "Machine: {} cores, {} ({})",
                self.machine.cores, self.machine.cpu_model, self.machine.os
            ),
            format!(
                "Date: {}; fetchlab {}; commit {}",
                self.date,
                self.version,
                self.commit.as_deref().unwrap_or("unknown")
            ),
            format!("Command: {}", self.command),
        ]
    }
}

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn git_commit() -> Option<String> {
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).filter(|c| !c.is_empty())?;
    let dirty = git(&[
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
        ":(top)",
        ":(top,exclude)results",
    ])
    .is_some_and(|s| !s.is_empty());
    Some(if dirty {
        format!("{commit}-dirty")
    } else {
        commit
    })
}

/// Now, UTC, as `YYYY-MM-DDThh:mm:ssZ`.
pub fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc_from_unix(secs)
}

/// `secs` since the Unix epoch as `YYYY-MM-DDThh:mm:ssZ` (proleptic
/// Gregorian calendar; Howard Hinnant's days-to-civil algorithm).
pub fn utc_from_unix(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc_from_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_from_unix(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_from_unix(1_764_095_999), "2025-11-25T18:39:59Z");
    }

    #[test]
    fn capture_names_the_machine_and_command() {
        let p = Provenance::capture("cargo bench --bench seed");
        assert!(p.machine.cores >= 1);
        assert!(!p.machine.cpu_model.is_empty());
        assert!(p.lines()[2].ends_with("cargo bench --bench seed"));
        assert!(p.date.ends_with('Z'));
    }
}
