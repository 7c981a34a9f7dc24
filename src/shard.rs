//! Which shard of the list this process downloads: `--shard K/N`, or the
//! index a cluster scheduler gives each of its processes.
//!
//! - Kubernetes Indexed Job: `JOB_COMPLETION_INDEX` (0 … completions − 1);
//!   the pod is not told the count, so `--shard-count` gives it.
//! - Slurm job array: `SLURM_ARRAY_TASK_ID`, which runs from
//!   `SLURM_ARRAY_TASK_MIN` in steps of `SLURM_ARRAY_TASK_STEP` (default 1),
//!   and `SLURM_ARRAY_TASK_COUNT` tasks (or `--shard-count`).
//!
//! `--shard` wins over the environment (`--shard 0/1` runs the whole list
//! inside a scheduler). An index without a count, a count without an index,
//! or an index not below the count is an input error naming the variable
//! or flag.

use anyhow::{Context, Result, anyhow, bail};
use fetchlab_core::Shard;

/// The Kubernetes Indexed Job index.
pub const K8S_INDEX: &str = "JOB_COMPLETION_INDEX";
/// The Slurm array task id.
pub const SLURM_ID: &str = "SLURM_ARRAY_TASK_ID";
/// The first Slurm array task id.
pub const SLURM_MIN: &str = "SLURM_ARRAY_TASK_MIN";
/// The step between Slurm array task ids.
pub const SLURM_STEP: &str = "SLURM_ARRAY_TASK_STEP";
/// The number of Slurm array tasks.
pub const SLURM_COUNT: &str = "SLURM_ARRAY_TASK_COUNT";

/// The shard the flags and the environment (read through `var`) ask for;
/// [`Shard::WHOLE`] when neither does.
pub fn resolve(
    flag: Option<&str>,
    shard_count: Option<usize>,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Shard> {
    if let Some(text) = flag {
        return text.parse().with_context(|| format!("--shard {text}"));
    }
    if let Some(index) = var(K8S_INDEX) {
        let index = number(K8S_INDEX, &index)?;
        let count = shard_count.ok_or_else(|| {
            anyhow!(
                "{K8S_INDEX}={index} is set but --shard-count is not: pass the Job's \
                 `completions` as --shard-count (or give --shard K/N)"
            )
        })?;
        return shard(index, count, || {
            format!("{K8S_INDEX}={index} with --shard-count {count}")
        });
    }
    if let Some(id) = var(SLURM_ID) {
        let id = number(SLURM_ID, &id)?;
        let min = var(SLURM_MIN).map_or(Ok(0), |v| number(SLURM_MIN, &v))?;
        let step = var(SLURM_STEP).map_or(Ok(1), |v| number(SLURM_STEP, &v))?;
        let count = match (shard_count, var(SLURM_COUNT)) {
            (Some(count), _) => count,
            (None, Some(count)) => number(SLURM_COUNT, &count)?,
            (None, None) => bail!(
                "{SLURM_ID}={id} is set but {SLURM_COUNT} is not: pass the array's size \
                 as --shard-count (or give --shard K/N)"
            ),
        };
        if id < min || step == 0 || (id - min) % step != 0 {
            bail!(
                "{SLURM_ID}={id} is not {SLURM_MIN}={min} plus a multiple of {SLURM_STEP}={step}"
            );
        }
        let index = (id - min) / step;
        return shard(index, count, || {
            format!("{SLURM_ID}={id} (task {index} of {count})")
        });
    }
    if let Some(count) = shard_count {
        bail!(
            "--shard-count {count} needs a shard index: {K8S_INDEX} or {SLURM_ID} from the \
             scheduler, or --shard K/N instead"
        );
    }
    Ok(Shard::WHOLE)
}

/// The process environment, for [`resolve`].
pub fn from_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn number(name: &str, text: &str) -> Result<usize> {
    text.trim()
        .parse()
        .map_err(|_| anyhow!("{name}={text:?} is not a whole number"))
}

fn shard(index: usize, count: usize, source: impl FnOnce() -> String) -> Result<Shard> {
    Shard::new(index, count).with_context(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn shard(index: usize, count: usize) -> Shard {
        Shard::new(index, count).unwrap()
    }

    fn error(flag: Option<&str>, count: Option<usize>, pairs: &[(&str, &str)]) -> String {
        format!("{:#}", resolve(flag, count, env(pairs)).unwrap_err())
    }

    #[test]
    fn the_flag_wins() {
        let k8s = [(K8S_INDEX, "4")];
        assert_eq!(resolve(Some("1/3"), None, env(&k8s)).unwrap(), shard(1, 3));
        assert_eq!(resolve(None, None, env(&[])).unwrap(), Shard::WHOLE);
        let err = error(Some("3/3"), None, &[]);
        assert!(
            err.starts_with("--shard 3/3: shard 3 of 3 does not exist"),
            "{err}"
        );
        assert!(error(Some("x"), None, &[]).starts_with("--shard x:"));
    }

    #[test]
    fn kubernetes_gives_the_index_and_the_flag_the_count() {
        let k8s = [(K8S_INDEX, "2")];
        assert_eq!(resolve(None, Some(3), env(&k8s)).unwrap(), shard(2, 3));
        let err = error(None, None, &k8s);
        assert!(
            err.contains("JOB_COMPLETION_INDEX=2") && err.contains("--shard-count"),
            "{err}"
        );
        let err = error(None, Some(2), &k8s);
        assert!(
            err.starts_with("JOB_COMPLETION_INDEX=2 with --shard-count 2:"),
            "{err}"
        );
        let err = error(None, Some(2), &[(K8S_INDEX, "two")]);
        assert!(err.contains("JOB_COMPLETION_INDEX=\"two\""), "{err}");
    }

    #[test]
    fn slurm_ids_are_normalised_by_min_and_step() {
        let slurm = [
            (SLURM_ID, "7"),
            (SLURM_MIN, "1"),
            (SLURM_STEP, "3"),
            (SLURM_COUNT, "4"),
        ];
        assert_eq!(resolve(None, None, env(&slurm)).unwrap(), shard(2, 4));
        let plain = [(SLURM_ID, "0"), (SLURM_COUNT, "1")];
        assert_eq!(resolve(None, None, env(&plain)).unwrap(), shard(0, 1));
        let err = error(None, None, &[(SLURM_ID, "3")]);
        assert!(err.contains("SLURM_ARRAY_TASK_COUNT"), "{err}");
        let err = error(None, None, &[(SLURM_ID, "5"), (SLURM_COUNT, "5")]);
        assert!(
            err.starts_with("SLURM_ARRAY_TASK_ID=5 (task 5 of 5):"),
            "{err}"
        );
        let err = error(
            None,
            None,
            &[
                (SLURM_ID, "4"),
                (SLURM_MIN, "1"),
                (SLURM_STEP, "2"),
                (SLURM_COUNT, "3"),
            ],
        );
        assert!(err.contains("multiple of SLURM_ARRAY_TASK_STEP=2"), "{err}");
    }

    #[test]
    fn a_count_without_an_index_is_refused() {
        let err = error(None, Some(4), &[]);
        assert!(
            err.starts_with("--shard-count 4 needs a shard index"),
            "{err}"
        );
    }
}
