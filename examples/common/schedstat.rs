//! CPU time of threads from `/proc/<pid>/task/<tid>/schedstat` (Linux),
//! shared by the examples that explain where a run's time goes.

use anyhow::Context;

/// Time run and time waited for a CPU, in ms, summed over the
/// `schedstat` files given.
pub fn schedstat(paths: &[std::path::PathBuf]) -> anyhow::Result<(f64, f64)> {
    let mut sums = (0.0, 0.0);
    for path in paths {
        let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
        let mut fields = text.split_whitespace().map(str::parse::<f64>);
        let (Some(Ok(ran)), Some(Ok(waited))) = (fields.next(), fields.next()) else {
            anyhow::bail!("unexpected {}: {text}", path.display());
        };
        sums.0 += ran / 1e6;
        sums.1 += waited / 1e6;
    }
    Ok(sums)
}

/// The `schedstat` files of every thread of process `pid`.
pub fn threads_of(pid: &str) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let dir = format!("/proc/{pid}/task");
    let tasks = std::fs::read_dir(&dir).with_context(|| dir.clone())?;
    Ok(tasks
        .filter_map(Result::ok)
        .map(|task| task.path().join("schedstat"))
        .collect())
}
