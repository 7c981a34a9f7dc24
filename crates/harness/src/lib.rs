//! fetchlab's benchmark harness: the scenarios, the ideal time, measuring a
//! run, and exporting the results.
//!
//! `cargo bench` (the files in the workspace's `benches/`) and
//! `fetchlab compare` both drive backends through this crate, so that they
//! share one definition of every scenario and one way of measuring. What
//! the ideal time is, the scenarios, and how command rows are run and
//! checked: `docs/harness.md`.
//!
//! Layout, one concept a module:
//!
//! - [`strategy`] and [`fdlimit`]: re-exported from `fetchlab-strategies`,
//!   the registry that `fetchlab download` uses too — the [`Strategy`] enum
//!   (the five backends by name, and how each is built) and the open-files
//!   limit.
//! - [`workload`]: a [`Workload`] (jobs, workers, latency, errors, faults,
//!   sizes, bandwidth, seed, the [`Host`]s a URL list spans and the
//!   per-host limit) → server configurations, client settings, jobs.
//! - [`scenario`]: the [`Scenario`]s (listed in `docs/harness.md`), each with its question
//!   and its points.
//! - [`ideal`]: the ideal time (the physical limit) of a workload.
//! - [`server`] and [`child`]: the test server (one host or several) in a
//!   child process (`fetchlab serve`) or in this one, and its counters per
//!   run, host by host.
//! - [`resources`]: CPU time, peak memory and threads of the client.
//! - [`measure`] and [`verify`]: one measured run ([`Measurement`]), every
//!   body checked against the corpus checksums.
//! - [`command`]: any downloader as a row — a [`CommandSpec`] template run
//!   as a child process in its own process group, its output directory
//!   checked against the corpus; presets for curl, wget2 and aria2c.
//! - [`run`](mod@run): a scenario's points × (strategies and commands) ×
//!   runs → a [`ResultTable`] of [`Row`]s ([`table`]), with progress
//!   [`Event`]s ([`compare`]).
//! - [`calibration`]: the network model held against quoted real-TCP
//!   times (`fetchlab compare --calibrate` → `results/calibration.md`).
//! - [`export`]: Markdown, CSV, JSON, SVG and plain-text exporters behind
//!   one [`export::Exporter`] trait, and `results/` writing; [`plot`] draws
//!   the charts. [`provenance`] records machine, date, commit and command.
#![deny(missing_docs)]

pub use fetchlab_strategies::{
    FdLimit, FdLimitError, ParseStrategyError, Programs, Strategy, fdlimit, raise_fd_limit,
    strategy,
};

pub mod budget;
pub mod calibration;
pub mod child;
pub mod command;
pub mod error;
pub mod export;
pub mod ideal;
pub mod measure;
pub mod plot;
pub mod provenance;
pub mod resources;
pub mod run;
pub mod scenario;
pub mod server;
pub mod table;
pub mod units;
pub mod verify;
pub mod workload;

pub use command::CommandSpec;
pub use error::HarnessError;
pub use measure::{Measurement, PointRunner, Session};
pub use provenance::{Machine, Provenance};
pub use run::{CompareOptions, DEFAULT_TIME_LIMIT, Event, EventSink, compare};
pub use scenario::{Point, Scenario};
pub use server::{HostCounters, ServerCounters, ServerMode, ServerSource};
pub use table::{OutcomeCounts, ResultTable, Row, ScenarioInfo, Spread};
pub use workload::{Connection, Host, Workload};
