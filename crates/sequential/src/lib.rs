//! fetchlab's sequential strategy, and the ureq 3 plumbing every ureq-based
//! strategy shares.
//!
//! - [`SequentialDownloader`] (`downloader`): one request at a time, in job
//!   order, on one reused [`ureq::Agent`]. The baseline.
//! - [`ureq_fetch`]: one attempt at one job with ureq: the shared agent
//!   configuration, the request, the body streamed into the store, and ureq's
//!   errors sorted into [`fetchlab_core::FailureKind`]s. `fetchlab-threaded`
//!   builds its thread pool and rayon strategies on it.
//!
//! # Timeouts and connection reuse
//!
//! [`fetchlab_core::Settings`] has three timeouts; ureq 3 has many. The
//! agent maps them as follows:
//!
//! | setting           | ureq                                              |
//! |-------------------|---------------------------------------------------|
//! | `connect_timeout` | `timeout_connect` (TCP connect and TLS handshake)  |
//! | `read_timeout`    | `timeout_recv_response` (request sent → whole head) and `timeout_per_read` / `timeout_per_write` (each socket read or write, so a stalled body fails) |
//! | `total_timeout`   | `timeout_global` (whole attempt: connect, head, body, redirects) |
//!
//! DESIGN.md warned that `timeout_global` / `timeout_per_call` were seen to
//! break connection reuse. TODO measured.
#![deny(missing_docs)]

mod downloader;
pub mod ureq_fetch;

pub use downloader::SequentialDownloader;
