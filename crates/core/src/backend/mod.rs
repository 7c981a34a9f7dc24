//! For backend authors: what a new strategy implements, and what core
//! does for it.
//!
//! A backend supplies its HTTP client as a [`transport`] (blocking or
//! async) and its concurrency model; core supplies everything between:
//!
//! - [`transport`]: the seam. [`BlockingTransport`] / [`AsyncTransport`]
//!   send one `GET` and hand back a [`Head`] and a body; [`AsyncRuntime`]
//!   is an async backend's timer and blocking pool.
//! - [`attempt`]: one attempt, written once over the seam: resume
//!   (`Range` + `If-Range`), redirects, the framing check, the head's verdict, the body into the store or
//!   drained. [`Plan`] holds the decisions; the blocking and async forms
//!   only wait differently.
//! - [`run`]: a job's life: skip, attempts, retries with backoff, the
//!   progress calls, the panic policy ([`run_blocking`], [`run_async`]),
//!   and [`in_job_order`] for backends whose jobs finish out of order.
//! - [`host_gate`]: the per-host limit ([`HostGate`]), entered around
//!   each attempt by the run drivers.
//! - [`cursor`]: the shared queue of a run's jobs ([`Cursor`]), for
//!   backends whose workers take the next job when they are free.
//! - [`redirect`]: the one redirect policy ([`MAX_REDIRECTS`], http/https
//!   only).
//! - [`transfer`]: the rules for a response (status → outcome, size limit,
//!   truncation, resume) and the [`BodyWriter`] that enforces them.
//! - [`offload`]: an async backend's body writes, batched onto its
//!   runtime's blocking pool.
//! - [`wait`]: async waits bounded by a timeout and the cancel token; an
//!   attempt's [`wait::Deadline`].
//! - [`retry`]: the backoff schedule with jitter.
//! - [`chain`]: walking an error's source chain, to classify a client's
//!   errors.

pub mod attempt;
pub mod chain;
pub mod cursor;
pub mod host_gate;
pub mod offload;
pub mod redirect;
pub mod retry;
pub mod run;
#[cfg(test)]
mod testing;
pub mod transfer;
pub mod transport;
pub mod wait;

pub use attempt::{DRAIN_LIMIT, Next, Plan, attempt_async, attempt_blocking};
pub use cursor::Cursor;
pub use host_gate::{HostGate, HostSlot, connections_per_host, host_key};
pub use redirect::MAX_REDIRECTS;
pub use retry::RetrySchedule;
pub use run::{
    AsyncRun, Fetched, JobRun, Step, in_job_order, panic_message, run_async, run_blocking,
};
pub use transfer::{
    BodyOpening, BodyWriter, HeadDecision, ResponseHead, ResumePoint, classify_io_error,
};
pub use transport::{
    AsyncBody, AsyncRuntime, AsyncTransport, BlockingBody, BlockingTransport, Head, MAX_HEAD_BYTES,
    Request,
};
