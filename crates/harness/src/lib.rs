//! fetchlab's benchmark harness: the scenarios, the ideal time, measuring a
//! run, and exporting the results.
//!
//! `cargo bench` (the files in the workspace's `benches/`) and
//! `fetchlab compare` both drive backends through this crate, so that they
//! share one definition of every scenario and one way of measuring.
//!
//! Layout, one concept a module:
//!
//! - [`strategy`]: the [`Strategy`] enum — the five backends by name, and
//!   how each is built.
//! - [`workload`]: a [`Workload`] (jobs, workers, latency, errors, faults,
//!   sizes, bandwidth, seed) → server configuration, client settings, jobs.
//! - [`scenario`]: the [`Scenario`]s (listed in `docs/harness.md`), each with its question
//!   and its points.
//! - [`ideal`]: the ideal time (the physical limit) of a workload.
//! - [`server`] and [`child`]: the test server in a child process
//!   (`fetchlab serve`) or in this one, and its counters per run.
//! - [`resources`] and [`fdlimit`]: CPU time, peak memory and threads of the
//!   client; the open-files limit.
//! - [`measure`] and [`verify`]: one measured run ([`Measurement`]), every
//!   body checked against the corpus checksums.
//! - [`compare`](mod@compare): a scenario's points × strategies × runs → a
//!   [`ResultTable`] of [`Row`]s ([`table`]), with progress [`Event`]s.
//! - [`export`]: Markdown, CSV, JSON, SVG and plain-text exporters behind
//!   one [`export::Exporter`] trait, and `results/` writing; [`plot`] draws
//!   the charts. [`provenance`] records machine, date, commit and command.
#![deny(missing_docs)]

pub use fetchlab_strategies::{
    FdLimit, FdLimitError, ParseStrategyError, Strategy, fdlimit, raise_fd_limit, strategy,
};

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

pub use error::HarnessError;
pub use measure::{Measurement, PointRunner, Session};
pub use provenance::{Machine, Provenance};
pub use run::{CompareOptions, Event, EventSink, compare};
pub use scenario::{Point, Scenario};
pub use server::{ServerCounters, ServerMode, ServerSource};
pub use table::{OutcomeCounts, ResultTable, Row, ScenarioInfo, Spread};
pub use workload::Workload;
