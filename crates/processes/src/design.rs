//! Design choices of the process pool, and how its cost against the
//! thread pool is measured.
//!
//! # One shard per child, the cluster mechanism on one machine
//!
//! A child is an ordinary `fetchlab download --shard K/P`: the same shard
//! rule (a stable hash of the output name) and the same `--report` file a
//! Kubernetes or Slurm run uses. Nothing the pool does is unavailable to a
//! user with a scheduler; the pool only starts the processes itself and
//! adds the reports up with [`fetchlab_core::merge_reports`]. The price of
//! static shards is balance: a shard of slow files finishes last while
//! the other children idle (a work queue shared between processes would
//! balance, but would be a second mechanism that the cluster form does not
//! have). The seed list is a case in point: its 80 names hash 46/34 into
//! two shards, so at a concurrency of 20 the larger child runs 46 jobs 10
//! at a time (5 rounds of the server's latency) where the thread pool runs
//! 80 jobs 20 at a time (4 rounds).
//!
//! # How many children, and what each runs
//!
//! By default one child per core ([`crate::plan::default_processes`]),
//! never more than the concurrency, the per-host limit or the jobs
//! ([`crate::plan::process_count`]). On one machine processes buy
//! isolation (a crash, a leak or a stuck client costs one shard) and one
//! GIL-free interpreter each in Python; in Rust threads are not serialised,
//! so more children than cores only adds start-up and memory. The
//! concurrency and the per-host limit are split so that they add up to
//! the run's exactly, hence the conformance suite's limits hold for the
//! whole tree.
//!
//! Each child runs the thread pool (`threads`), the strategy a process pool
//! is compared with in the book: the `processes` row minus the `threads`
//! row is the cost of the process boundary. The registry refuses what the
//! children's thread pool would refuse with their share (HTTP/2; a
//! concurrency above P × 4,096), before any child starts.
//!
//! # What crosses the boundary
//!
//! - The settings, whole, as JSON (`--settings-json`), read back through
//!   the settings builder: a child refuses exactly what the builder
//!   refuses, and no flag has to be kept in step with a setting.
//! - The job list, whole, as JSON (`--jobs-json`): names as given and URLs
//!   with their passwords (a URL-list file would re-derive names; the
//!   report's serialisation hides passwords).
//! - Back: one JSON event a line on the child's standard output, as each
//!   job starts and finishes (`--events`). Progress reaches the parent's
//!   observer as it happens, and outcomes come whole (status, attempts,
//!   time), so the report is one outcome per job in list order like any
//!   backend's. Each child's `--report` is merged and checked against the
//!   events (a disagreement is an error of the pool, not a result).
//! - The store: only a directory can be shared. `Store::directory` says
//!   whether a store is one; any other is refused with an error. This is
//!   why the harness measures this row into a directory store in a fresh
//!   temporary directory per run (verified file by file on the disk)
//!   where every other row uses the hashing store: the row includes the
//!   disk writes the others do not.
//!
//! # Failure, cancel, clean-up
//!
//! Children run in their own process groups, so a kill reaches a child
//! and anything it starts, and a Ctrl-C in a terminal reaches the parent
//! only (which then cancels). A cancel closes each child's standard input:
//! the child, which watches it in `--events` mode, cancels as `fetchlab
//! download` does on Ctrl-C and reports its unfinished jobs cancelled;
//! after a grace period it is killed. A pipe rather than SIGINT, because a
//! SIGINT that arrives before the child has installed its handler is lost
//! when the child started with SIGINT ignored (a background job of a
//! non-interactive shell); the end of a pipe waits until it is read, and
//! comes too when the parent dies. A child
//! that crashes or cannot start fails its unfinished jobs with a reason
//! naming it and ending with its standard error (its last 4 KiB). Every
//! child is reaped before `download` returns; a pool dropped mid-run
//! kills and reaps its children.
//!
//! # Measuring it against threads
//!
//! Release build, the seed workload (80 files, concurrency 20, the
//! server's seed latency), on the 2-core reference machine, which was
//! shared with other builds while measuring (so the times are indicative,
//! not a benchmark):
//!
//! - **Start-up**: wall time of a run of 0 requests' worth — a run of one
//!   tiny job against a local server with no latency — for `-s threads`
//!   and `-s processes`, best of several runs; the difference is the cost
//!   of starting P children and reading their reports.
//! - **Memory**: the peak of ΣVmRSS over the `fetchlab download` process
//!   and its descendants, sampled from `/proc` every few milliseconds
//!   during the seed workload. The harness's memory and threads columns do
//!   the same for this row (its process tree, less a child server).
//! - **Connections**: the server's count of connections opened
//!   (`GET /_stats` of `fetchlab serve`) after one seed run of each.
//! - **Seed time**: `fetchlab compare -s threads,processes` (the harness's
//!   row, verified files), and its CPU column, which for this row counts
//!   the reaped children.
