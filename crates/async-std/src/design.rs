//! Design choices, and the measurements that decided them.
//!
//! Measured in release builds on a shared 2-core machine, the test server
//! in a separate process, bodies into a `HashStore`; medians of 7–15 runs.
//!
//! # Our own keep-alive pool under surf
//!
//! With surf's h1 backend as is (http-client's deadpool pool), a
//! connection goes back to the pool when its response is dropped, read or
//! not, and is reused if a 4-byte probe read does not fail. In the test
//! `an_abandoned_body_does_not_spoil_the_next_request` (concurrency 1: a
//! 64 MiB body refused from its head, then a stalled server, then three
//! files), the stock pool sent the second request down the first
//! connection and failed it as a *protocol* error: it read the rest of the
//! 64 MiB body as its response head. The conformance case
//! `connection_refused_is_a_connect_failure` failed too: the pool turns
//! the connect error into a string. The crate's own HTTP/1.1 client (`h1`, over `connection_pool`) fixes both: a
//! connection returns to the pool only when its body was read to the end
//! (a marker in the response's extensions), a probe that finds stray bytes
//! discards it, and connect errors keep their `io::Error`.
//!
//! Reuse is exact: 10,000 jobs at concurrency 1,000 open 1,000
//! connections, and later runs on the same fetcher open none.
//!
//! # Bounded concurrency: one task per job
//!
//! | | `buffer_unordered` (one task) | spawned tasks, at most `concurrency` |
//! |---|---|---|
//! | 1,000 jobs, 0 ms, concurrency 20: requests/s | 9,200–11,000 | 11,300–11,800 |
//! | CPU per request | 140–147 µs | 125–135 µs |
//! | 1,000 jobs, 0 ms, concurrency 100: requests/s | 15,000 | 16,100 |
//! | 10,000 jobs, 100 ms, concurrency 1,000: requests/s | 6,400–7,300 | 7,000–8,100 |
//! | peak RSS per download in flight (same run) | 46 KiB | 56–59 KiB |
//!
//! Spawned tasks use both of async-std's executor threads; they cost some
//! memory per task. The seed workload is the same either way (0.413 s,
//! efficiency 0.97).
//!
//! # Body writes
//!
//! Reads into a 16 KiB buffer; core's
//! [`offload`](fetchlab_core::backend::offload) hands batches of up to
//! 64 KiB to async-std's `spawn_blocking`, as for tokio (where batching
//! beat a per-body blocking task fed by a channel). A body under a batch
//! into a store that saves small bodies quickly (a `HashStore`, or an
//! atomic `DirStore` on tmpfs or ramfs; on a disk a `DirStore` does not,
//! see `offload`) is saved on the executor thread instead: at
//! 10,000 jobs, concurrency 1,000, 100 ms into a `HashStore`, CPU per
//! request fell from ~133 to ~119 µs and `futex` calls (client and
//! server) from 89,492 to 43,889.
//!
//! # 10,000 jobs at concurrency 1,000, 100 ms: the stack's own ceiling
//!
//! `examples/bare_client.rs --stack async-std` runs async-h1 alone on
//! async-std's executor: 1,000 tasks, one connection each, no pool, surf,
//! store, timeout or check, against the same server child
//! (`benches/scale/many-in-flight.sh`, `results/many-in-flight.md`). In
//! the runs of 2026-12-01 on the shared 2-core machine it reached 83–87 %
//! of the ideal (66–83 µs of client CPU a job), with
//! `ASYNC_STD_THREAD_COUNT` 1, 2 or 4 alike, and with or without a yield
//! after each spawn (85–88 % in the passes at 4ed407a and bc11432). The strategy's 79–83 % over
//! those passes is at or just under that range: what stops
//! it short of 0.90 is async-h1 and async-std's executor on two cores
//! shared with the server, not what this crate or core adds.
