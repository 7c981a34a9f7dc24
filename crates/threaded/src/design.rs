//! Design choices of the thread strategies, and the measurements that
//! decided them.
//!
//! # Worker stacks: 256 KiB
//!
//! Every worker thread gets a [`crate::WORKER_STACK_BYTES`] stack instead
//! of Rust's 2 MiB default. Measured in a debug build (the worst case: no
//! inlining, large frames): a plain-HTTP job overflows 96 KiB and fits in
//! 128 KiB; an HTTPS request (rustls handshake and certificate check)
//! overflows 128 KiB and fits in 160 KiB; a job whose store panics, with
//! `RUST_BACKTRACE=1`, fits in 128 KiB. 256 KiB leaves 1.6× over the worst
//! of these for a store or progress observer, while 1,000 workers reserve
//! 256 MiB of address space instead of 2 GiB. Only the pages a thread
//! touches cost memory either way.
//!
//! # Why rayon is a poor fit for downloads, and what `rayon` does about it
//!
//! Rayon is built for CPU-bound data parallelism, and each of its
//! assumptions is wrong for blocking I/O:
//!
//! - **The global pool has one thread per core.** On a 2-core machine,
//!   `urls.par_iter().for_each(download)` runs two downloads at a time, not
//!   twenty. This strategy builds its own pool of `min(concurrency, jobs)`
//!   threads for each run and never touches the global one (which other
//!   code in the process may rely on for CPU work).
//! - **Work-stealing assumes a busy worker is making progress.** A worker
//!   blocked in `read` is neither working nor able to hand out what sits in
//!   its deque; only thieves can take it.
//! - **`join` waits.** `par_iter` splits the list with nested `join`s; a
//!   worker whose stolen half is still downloading elsewhere must wait, and
//!   while waiting it runs other tasks on top of its stack, so stacks deepen
//!   and the awaited half finishes late.
//! - **The split heuristics are for cheap items.** `par_iter` splits into
//!   about one piece per thread and further only when stolen; pieces of
//!   unequal duration leave threads idle while one grinds through its piece.
//!   `with_max_len(1)` forces single-job pieces but keeps the `join` tree.
//!
//! So this strategy runs one loop per pool thread with
//! `ThreadPool::broadcast`; each loop takes the next job index from an
//! atomic cursor. Nothing is split, stolen or joined: each thread runs one
//! download at a time and picks the next as soon as it is free, and jobs
//! start in list order. (Spawning one task per job into a `scope`, each
//! taking the next index from the cursor, behaves the same; measured, it was
//! no better.) What is left of rayon is a pool and a broadcast, and at
//! the seed workload it matches the plain thread pool (both 0.41–0.42 s for
//! an ideal of 0.40 s).
//!
//! What cannot be fixed from outside is rayon's cost per thread. Building a
//! pool waits until every thread has started, and idle rayon threads
//! spin-yield before they sleep. On the 2-core reference machine a
//! 1,000-thread pool took 1.4–1.9 s and about 1 s of CPU just to build, and
//! 1,000 jobs at concurrency 1,000 (500 ms latency) took 3.5–10 s where the
//! thread pool took 0.73–1.0 s. Use `threads` (or an async strategy) for
//! high concurrency; this one exists to show why.
//!
//! # 10,000 jobs at concurrency 1,000, 100 ms: how close `threads` comes
//!
//! `benches/scale/many-in-flight.sh` (`results/many-in-flight.md`) puts
//! the thread pool at 81 %, 85 %, 81 %, 82 % and 78 % of the 1.00 s ideal
//! in five passes (a684527, a198d71, 09059c4, 4ed407a, bc11432): level
//! with or ahead of the async
//! strategies, and within the 78–90 % that the async stacks reach alone
//! in the same file's bare-client rows. Its model costs it in CPU and
//! memory, not in time: each worker is an OS thread blocked in `read`, so
//! every response is a kernel wake-up and a context switch (`perf stat` of
//! `fetchlab compare --jobs 10000 -c 1000 --latency 100ms --runs 1`, whole
//! process with its server child: 25,250 context switches for `threads`
//! against 13,642 for tokio), 101–128 µs of CPU a job spread over both
//! cores (tokio: 93–94 µs, then on one runtime), and 142–143 KiB of peak RSS per
//! download in flight, most of it the threads' stacks and ureq's
//! buffers. What bounds its time is what bounds the others: two cores
//! shared with the server, whose threads wait for a CPU about as long as
//! they run.
