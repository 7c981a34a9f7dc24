//! `fetchlab download --report FILE`: the run's [`ShardReport`] as JSON,
//! written atomically (a temporary file in the same directory, renamed over
//! FILE once whole), so a reader never sees half a report.
//!
//! The temporary file is made before the first request, so an unusable
//! path is an input error, not a lost report after a long run.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use fetchlab_core::ShardReport;
use tempfile::NamedTempFile;

/// A report file made ready before the run.
pub struct ReportFile {
    path: PathBuf,
    temp: NamedTempFile,
}

impl ReportFile {
    /// Makes the temporary file beside `path` (creating its directory).
    pub fn prepare(path: &Path) -> Result<Self> {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let cannot = || format!("--report {}: cannot write there", path.display());
        std::fs::create_dir_all(dir).with_context(cannot)?;
        let temp = tempfile::Builder::new()
            .prefix(".fetchlab-report-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .with_context(cannot)?;
        Ok(Self {
            path: path.to_owned(),
            temp,
        })
    }

    /// Writes `report` and renames it to its final name.
    pub fn write(mut self, report: &ShardReport) -> Result<()> {
        let failed = || format!("cannot write the report {}", self.path.display());
        let file = self.temp.as_file_mut();
        serde_json::to_writer_pretty(&mut *file, report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(file))
            .and_then(|()| file.sync_all())
            .with_context(failed)?;
        let path = self.path.clone();
        self.temp
            .persist(&path)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write the report {}", path.display()))?;
        Ok(())
    }
}

/// Reads a report written by [`ReportFile::write`].
pub fn read(path: &Path) -> Result<ShardReport> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the report {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a fetchlab download report", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use fetchlab_core::{JobList, Report, Shard};

    #[test]
    fn a_report_is_written_whole_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/r.json");
        let file = ReportFile::prepare(&path).unwrap();
        let list = JobList::seed("http://127.0.0.1:1/").unwrap();
        let report = ShardReport::new(
            &Report::new("test", Vec::new(), std::time::Duration::ZERO),
            Shard::new(1, 2).unwrap(),
            &list,
            false,
        );
        file.write(&report).unwrap();
        assert_eq!(read(&path).unwrap(), report);
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["r.json"], "no temporary file left");
    }

    #[test]
    fn an_unusable_path_fails_before_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("blocker");
        std::fs::write(&blocker, b"a file").unwrap();
        let err = ReportFile::prepare(&blocker.join("r.json")).err().unwrap();
        assert!(err.to_string().starts_with("--report "), "{err}");
        let err = read(&blocker).unwrap_err();
        assert!(
            err.to_string().contains("not a fetchlab download report"),
            "{err}"
        );
    }
}
