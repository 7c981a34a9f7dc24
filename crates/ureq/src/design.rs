//! Design choices of the ureq transport, and the measurements that
//! decided them.
//!
//! # `timeout_global` keeps connection reuse
//!
//! `timeout_global` and `timeout_per_call` were once suspected of breaking
//! connection reuse. Measured with ureq 3.5.2 (20 threads sharing one
//! agent, 80 and 400 requests to one keep-alive server, bodies read to the
//! end): no timeouts, `timeout_global`, `timeout_per_call`, the phase
//! timeouts, and all of the above together each opened at most 20
//! connections, one per worker. The agent therefore uses `timeout_global`
//! for the total timeout: it is the only ureq setting that bounds a whole
//! request, including a body that trickles in just fast enough to never
//! trip the per-read timeout (the "slow drip" fault). Two things do break
//! reuse and are avoided: setting connection-level options (user agent,
//! buffer sizes, proxy) per request rather than on the agent, which makes
//! ureq bypass its pool, and dropping a response before its body is read to
//! the end; core drains small error and redirect bodies for that reason
//! ([`fetchlab_core::backend::DRAIN_LIMIT`]).
//!
//! # Buffers: 80 KiB in, 16 KiB out
//!
//! ureq allocates (and zeroes, so makes resident) a 128 KiB input and a
//! 128 KiB output buffer per connection: 1,000 workers held 256 MiB of
//! buffers. The agent uses [`crate::INPUT_BUFFER_BYTES`] (core's 64 KiB
//! head limit plus 16 KiB: ureq checks the limit against what it has
//! buffered, so with a buffer no larger than the limit an endless header
//! line filled the buffer and ureq reported "Peer disconnected", a reset
//! that was retried) and [`crate::OUTPUT_BUFFER_BYTES`] (16 KiB: a GET's
//! request head).
