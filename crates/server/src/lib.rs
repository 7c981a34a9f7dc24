//! The local "slow server" fetchlab's tests, benches and `fetchlab serve`
//! run against.
//!
//! A hyper 1 server (HTTP/1.1 keep-alive, and HTTP/2: h2c by prior
//! knowledge, `h2` by ALPN over TLS) that serves a deterministic [`Corpus`]
//! with known SHA-256 checksums, and makes it as far away, slow and
//! unreliable as a [`ServerConfig`] asks: a [network model](network) (round
//! trips, the TCP handshake, slow start, a shared bottleneck, loss) that
//! every client sees because the server decides when bytes leave; HTTPS
//! with a certificate made at start; latency and jitter before every
//! response head; a rate of error statuses (with `Retry-After`); a rate of
//! [`Fault`]s; a per-connection bandwidth cap; a connection cap and a
//! header read timeout. Every random choice comes from
//! [`ServerConfig::seed`] and the request's (or connection's) sequence
//! number, so a run can be reproduced. It counts requests, connections, TLS
//! handshakes, HTTP/2 streams, in-flight requests and their peak (overall
//! and per connection), and body bytes ([`Stats`]), so a test can assert
//! that a client honoured its concurrency limit and reused connections.
//!
//! ```no_run
//! use std::time::Duration;
//! use fetchlab_server::{ServerConfig, TestServer};
//!
//! let server = TestServer::start(ServerConfig::default().with_rtt(Duration::from_millis(50)))?;
//! let url = server.url(&server.corpus().names()[0]); // http://127.0.0.1:PORT/zzpic23110_s.jpg
//! // … download it …
//! assert!(server.stats().peak_in_flight <= 20);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! [`floor`] computes the modelled lower bound of a workload (perfect
//! workers under the same network model), for a harness's "ideal".
//!
//! # Paths
//!
//! - `/<name>`: a corpus file (`Range` supported, with `If-Range` against
//!   its strong `ETag` or its `Last-Modified`; `HEAD` too). Random errors
//!   and faults apply here only. Any other name: 404.
//! - `/index.txt`: the absolute URL of every corpus file, one per line.
//! - `/status/<code>/<name>`: always `code` (`?retry-after=S` sets `Retry-After`).
//! - `/flaky/<n>/<name>`: 503 for the first `n` requests to that path, then the file.
//! - `/fault/<fault>/<name>`: always that [`Fault`] (`name` must be in the corpus).
//! - `/redirect/<n>/<name>`: `n` 302s, then the file.
//! - `/no-length/<name>`: the file, chunked. `/no-range/<name>`: the file, `Range` ignored.
//! - `/_stats`: [`Stats`] as JSON, without the configured delay.
//! - `POST /_change/<name>`: new bytes of the same length under the same
//!   name, with a new `ETag` and `Last-Modified` (answers the new SHA-256);
//!   [`TestServer::change_content`] in process.
//!
//! # Layout
//!
//! - [`corpus`]: the files and their checksums; `spec` generates them from
//!   a [`CorpusSpec`] with the fixed generator in `prng`.
//! - [`config`] and [`fault`]: what to inject; [`network`]: the network
//!   model's arithmetic and [`floor`]; `tls`: the generated certificate.
//! - [`stats`]: the counters.
//! - `hosts`: [`Hosts`], several servers on `127.0.0.1`, `127.0.0.2`, … in
//!   one process, each with its own configuration and counters.
//! - `server`: [`TestServer`], its thread and runtime; `accept`: the accept
//!   loop, the connection cap, TLS, and each connection's life.
//! - `wire`: the connection's byte stream under the model (a writer task
//!   per connection releases bytes when the model allows).
//! - `service` → `routes` → `handlers` / `fault_responses`: one request,
//!   from path to response; `responder` builds responses, `range` parses
//!   `Range`, `body` is the response body (it holds the in-flight guard),
//!   `pace` streams bytes under a bandwidth cap or a drip, `inject` draws
//!   the random injections.
//! - `conn`: the connection wrapper that puts raw bytes, FINs and RSTs on
//!   the wire for faults hyper would never produce.
#![deny(missing_docs)]

mod accept;
mod body;
pub mod config;
mod conn;
pub mod corpus;
pub mod fault;
mod fault_responses;
mod handlers;
mod hosts;
mod inject;
pub mod network;
mod pace;
mod prng;
mod range;
mod responder;
mod routes;
mod server;
mod service;
mod spec;
pub mod stats;
mod tls;
mod wire;

pub use config::{ConfigError, ServerConfig};
pub use corpus::{
    Corpus, CorpusFile, CorpusSpec, CorpusTooLarge, DEFAULT_SEED, MAX_GENERATED_BYTES,
};
pub use fault::{Fault, ParseFaultError};
pub use fault_responses::OVERSIZED_LEN;
pub use hosts::Hosts;
pub use network::{FloorSpec, NetworkModel, Protocol, floor};
pub use server::{StopHandle, TestServer};
pub use stats::Stats;
pub use tls::NAMES as TLS_NAMES;
