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
//! break connection reuse. Measured with ureq 3.5.2 (20 threads sharing one
//! agent, 80 and 400 requests to one keep-alive server, bodies read to the
//! end): no timeouts, `timeout_global`, `timeout_per_call`, the phase
//! timeouts, and all of the above together each opened at most 20
//! connections, one per worker. The agent therefore uses `timeout_global`
//! for the total timeout: it is the only ureq setting that bounds a whole
//! attempt, including a body that trickles in just fast enough to never trip
//! the per-read timeout (the "slow drip" fault). Two things do break reuse
//! and are avoided: setting connection-level options (user agent, buffer
//! sizes, proxy) per request rather than on the agent, which makes ureq
//! bypass its pool, and dropping a response before its body is read to the
//! end; small error bodies (404, 5xx) are therefore drained
//! ([`ureq_fetch::DRAIN_LIMIT`]).
//!
//! # Cancellation
//!
//! Cancelling a run ([`fetchlab_core::CancelToken`]) stops it within
//! milliseconds, not after the request in flight: a watcher thread shuts
//! the run's agent down, which interrupts every blocked socket read or
//! write ([`ureq_fetch::abort_on_cancel`]); the interrupted attempt ends
//! cancelled, and so does every job not yet started. A partial body is
//! discarded (or kept for resume when large, see
//! [`fetchlab_core::transfer::RESUME_MIN_BYTES`]).
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
//! | more than [`ureq_fetch::MAX_REDIRECTS`] redirects, a loop, a non-HTTP `Location` | `Redirect` |
//! | body above the limit (announced or streamed)    | `TooLarge` |
//! | status other than 2xx and 404                   | `HttpStatus` |
#![deny(missing_docs)]

mod downloader;
pub mod ureq_fetch;

pub use downloader::SequentialDownloader;
