//! fetchlab's strategy registry: one place that knows the seven download
//! strategies, so that `fetchlab download` and the benchmark harness
//! (`fetchlab-harness`) agree on them without the product's download path
//! depending on the harness.
//!
//! A facade over the backend crates, in the manner of ripgrep's `grep`
//! crate: it depends on `fetchlab-sequential`, `fetchlab-threaded`,
//! `fetchlab-tokio`, `fetchlab-async-std` and `fetchlab-processes`, and a user of it needs no
//! other crate to pick a backend by name.
//!
//! Layout, one concept a module:
//!
//! - [`strategy`]: the [`Strategy`] enum — each strategy's name, its HTTP
//!   client library, how many workers it really uses, how its backend is
//!   built, and which build errors are refusals.
//! - [`fdlimit`]: the open-files limit — raise the soft limit once, and
//!   refuse a concurrency that cannot fit before any request is made.
#![deny(missing_docs)]

pub mod fdlimit;
pub mod strategy;

pub use fdlimit::{FdLimit, FdLimitError, raise_fd_limit};
pub use strategy::{ParseStrategyError, Programs, Strategy, refusal};
