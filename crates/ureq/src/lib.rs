//! fetchlab's ureq 3 transport, shared by every thread-based strategy
//! (`fetchlab-sequential`, `fetchlab-threaded`).
//!
//! [`UreqTransport`] implements core's
//! [`BlockingTransport`](fetchlab_core::backend::BlockingTransport): one
//! shared [`ureq::Agent`] per run sends each request; core's attempt does
//! the rest (resume, redirects, statuses, the body into the store). A
//! strategy only schedules jobs onto threads and calls
//! [`fetchlab_core::backend::run_blocking`] with the transport.
//!
//! Layout:
//!
//! - `client`: the agent and its configuration from
//!   [`fetchlab_core::Settings`] (pool size, buffers, timeouts, no
//!   redirects: core follows them; keep-alive off keeps no idle
//!   connection; TLS over rustls with the settings' CA certificates in
//!   place of Mozilla's roots, or unverified when `insecure`), and
//!   [`check_settings`], which refuses HTTP/2 (ureq 3 has none).
//! - `transport`: [`UreqTransport`], the agent behind core's seam, and the
//!   cancel hook that shuts the agent down.
//! - `resolver`: host names to addresses without ureq's thread per
//!   request (IP literals are used as they are; names are remembered for
//!   a while).
//! - `failure`: ureq's errors sorted into [`fetchlab_core::FailureKind`]s.
//! - [`design`]: the measurements behind the timeout mapping and the
//!   buffer sizes.
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
//! | `total_timeout`   | `timeout_global` (one request: connect, head, body); core also checks it between redirect hops |
//!
//! Why `timeout_global` is safe for connection reuse, and what is not:
//! see [`design`].
//!
//! # Cancellation
//!
//! A blocking worker cannot be woken from a socket read by a flag. ureq
//! 3.5 can do it: [`ureq::Agent::shutdown`] shuts down every connection of
//! the agent, idle or in use, which makes a read or write blocked on it in
//! any thread return at once, and refuses new connections.
//! [`UreqTransport::new`] registers that as the run's
//! [`fetchlab_core::CancelToken::on_cancel`] hook, so a cancel stops the
//! run within milliseconds (a TCP connect still in progress is bounded by
//! the connect timeout instead); core reports the interrupted attempt as
//! cancelled.
//!
//! # Failure kinds
//!
//! | what happened                                 | kind        |
//! |-----------------------------------------------|-------------|
//! | any ureq timeout (the detail names the setting) | `Timeout` |
//! | refused, unreachable, unknown host              | `Connect` |
//! | connection reset or closed before the head      | `Reset`   |
//! | connection closed before `Content-Length` bytes | `Truncated` (ureq cannot tell a reset from a clean close mid-body) |
//! | not HTTP, bad chunking, body longer than announced, TLS handshake or certificate refused | `Protocol` |
//! | body above the limit (announced or streamed)    | `TooLarge` (core) |
//! | status other than 2xx and 404                   | `HttpStatus` (core) |
#![deny(missing_docs)]

mod client;
pub mod design;
mod failure;
mod resolver;
mod transport;

pub use client::{INPUT_BUFFER_BYTES, OUTPUT_BUFFER_BYTES, check_settings};
pub use transport::UreqTransport;

/// What the `client_library` of a ureq-based strategy reports.
pub const CLIENT_LIBRARY: &str = "ureq 3";
