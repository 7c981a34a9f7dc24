//! Design choices, and the measurements that decided them.
//!
//! Measured in release builds on a shared 2-core machine, the test server
//! in a separate process, bodies into a `HashStore` unless noted; medians
//! of 7–21 runs. Wall times on that machine are noisy (other builds ran
//! alongside), so the decisions rest on what repeated: CPU time per
//! request (`getrusage`) and connections opened (the server's counter).
//!
//! # Runtime flavour: one current-thread runtime per core
//!
//! [`crate::TokioDownloader`] runs HTTP/1.1 on
//! [`crate::Flavor::Sharded`]: one current-thread runtime per core, each
//! driven by a thread of its own with a `reqwest::Client` (pool) of its
//! own and an equal share of the concurrency and of the per-host limit
//! (each is a part of the run, core's `AsyncRun::sibling`, with a
//! per-host gate of its own). The runtimes take jobs from one cursor in
//! job order, so a runtime that is ahead takes more. No task or
//! connection crosses threads; what the shards share is an atomic cursor,
//! the cancel token, the store and the progress observer.
//!
//! Why a share of the per-host limit, not one gate for all: the gate
//! bounds the requests handed to a client, and each shard's client opens
//! its own connections, so with one shared gate of 2 per host three
//! shards opened 5–6 connections to the host (2 on one runtime). With a
//! share each, the connections to a host stay within the limit too
//! (`sharded_runtimes_share_the_jobs_and_the_limits`), and a run with a
//! limit of 1 per host runs on one runtime. A host's share left unused by
//! one shard is not lent to another: with several hosts, a shard's
//! workers can wait on its share of one host while another shard's share
//! of it is free (the head-of-line effect of core's gate, described in
//! `fetchlab_core::backend::run`, now per shard). With one host every
//! shard holds jobs of it, so every share is used.
//!
//! It replaced one current-thread runtime for the whole run, which is
//! CPU-bound on one core whenever the network is not the limit. Measured
//! by hand on 2026-12-01 with a build whose default flavour an
//! environment variable switched (not committed): 1,000 files of the
//! corpus from nginx on loopback to tmpfs, as
//! `benches/disk/nginx-vs-peers.sh` runs them (`fetchlab download -q -s
//! tokio -m C -o DIR urls.txt`, whole process, hyperfine, median of 30,
//! CPU = user + sys):
//!
//! | 1,000 files, tmpfs | one runtime | one per core (2) | threads | curl | wget2 |
//! |---|---|---|---|---|---|
//! | C=20: time / CPU (s) | 0.093 / 0.091 | 0.065 / 0.087 | 0.070 / 0.092 | 0.080 / 0.084 | 0.093 / 0.117 |
//! | C=100: time / CPU (s) | 0.088 / 0.087 | 0.060 / 0.086 | 0.092 / 0.127 | 0.113 / 0.112 | 0.122 / 0.157 |
//!
//! A first series of 20 runs read the same order (C=20: 0.081 / 0.077
//! against 0.053 / 0.075 s; C=100: 0.107 / 0.106 against 0.064 /
//! 0.092 s). The time falls by a third and the CPU does not rise: each
//! runtime does what the one did for half the jobs. A second runtime, its
//! client and its thread cost ~1.3 ms of wall and ~1.4 ms of CPU once per
//! run (one file: 3.2 against 4.5 ms). In-process (`fetchlab compare`,
//! the server in the same process): 1,000 jobs at 0 ms, concurrency 20,
//! 59.0 → 46.2 ms for 60.6 → 61.5 ms of CPU, 20 connections either way;
//! the seed workload 414 → 412 ms (97 %); 10,000 jobs at 1,000, 100 ms,
//! 1.34 → 1.27 s (75 → 79 %) for 0.93 → 1.09 s of CPU: there the server
//! shares the two cores, and each wave still waits for it.
//!
//! What it costs is CPU where the server is in the same process and the
//! network is loopback: the harness's tables (`cargo bench` at 4ed407a,
//! which made the change, against a198d71) read 72 → 93 µs a request
//! at 1,000 jobs, 0 ms, concurrency 100, 171 → 188 µs at 1,000, 59 → 66 µs
//! at 10,000 jobs × 1,000 (scale), 288 → 319 µs on the seed workload, and
//! 140 → 127 µs at concurrency 10. Each runtime now waits for its own
//! events, so the readiness events of a burst are split between two
//! `epoll_wait`s instead of batched in one (`strace -f -c` of `compare
//! --jobs 1000 -c 100 --latency 0ms -s tokio --runs 3`: 2,897 calls
//! against 2,186), and every runtime keeps a blocking pool of its own.
//! Against nginx (the tmpfs table) the CPU did not rise.
//!
//! All of this was measured on two cores only. On more, each runtime has
//! a smaller share of the workers, every run starts one thread per extra
//! runtime (no more than there are jobs) and every runtime holds
//! [`crate::OPEN_FILES_PER_RUNTIME`] files, which the open-files check
//! of `fetchlab download` and the harness counts.
//!
//! A work-stealing runtime is not that. Measured when the default was one
//! current-thread runtime:
//!
//! | 1,000 jobs, 0 ms latency, concurrency 20 | current-thread | multi-thread (2 workers) |
//! |---|---|---|
//! | CPU per request | 78–90 µs | 95–115 µs |
//! | requests per second (median) | 15,600–17,500 | 11,400–11,800 |
//! | connections opened in 5 runs (limit 20) | 20 | 36 |
//!
//! Work stealing costs cross-thread wake-ups (one I/O driver, polled by
//! whichever worker parks, wakes tasks on the others) and lets a job
//! start on one worker before another has returned a connection to the
//! shared pool. In the tmpfs benchmark above it bought time with 40 %
//! more CPU (C=20: 0.070 s / 0.099 s against one runtime's 0.072 s /
//! 0.069 s). At 10,000 jobs, concurrency 1,000, 100 ms it was 5 % faster
//! than one runtime (1.17 vs 1.24 s, efficiency 0.85 vs 0.81) for 11 %
//! more CPU and 30–55 surplus connections. [`crate::Flavor::MultiThread`]
//! stays offered; [`crate::Flavor::CurrentThread`] too, and HTTP/2 runs on
//! it by default: its one client multiplexes every request on one
//! connection, where each shard's client would open its own.
//!
//! The sections below that measure "the runtime thread" were measured on
//! one current-thread runtime (`examples/waves.rs` still runs that
//! flavour): each shard's thread does the same work for its share.
//!
//! # 10,000 jobs at concurrency 1,000, 100 ms: where the time goes
//!
//! `examples/waves.rs` runs that workload into a `HashStore` against a
//! `fetchlab serve --files 1000 --delay 100ms` child of the shell and
//! reads the threads' `schedstat` (time run, time waiting for a CPU).
//! Three runs on the shared 2-core machine while it was quiet (load
//! average under 2), release build, after the in-place saving of
//! `offload`: wall 1.28–1.36 s against the ideal 1.00 s; the runtime
//! thread ran 739–899 ms (74–90 µs per request) and waited for a CPU only
//! 11–30 ms, so about 0.4 s of the makespan it was idle, waiting for
//! responses; the server's threads ran 330–431 ms and waited 245–392 ms
//! for a CPU. The timeline says where the 0.3 s goes:
//!
//! - the first wave: 1,000 connects and requests go out over 63–71 ms,
//!   and the first response ends at 177–185 ms, 77–85 ms after its
//!   100 ms; later waves start 101–113 ms apart;
//! - the last wave's 1,000 responses end over 99–105 ms: one runtime
//!   thread handles them one after the other (1,000 × 74–90 µs), and no
//!   wave can end sooner than its own responses are handled. So the
//!   makespan is about 10 × 100 ms plus the first wave's delay plus one
//!   wave of client CPU.
//!
//! The first wave's delay has a cause in the fetcher: every new task
//! makes its connect before any connected task is polled again, so no
//! request goes out before the 1,000th connect (strace). Yielding after
//! each of the first spawns fixed it (the first responses ended at
//! ~102 ms; this example's wall went 1.39–1.44 s → 1.20–1.27 s, and
//! `many-in-flight.sh` read 89 %), and it was taken out again: jobs that
//! end during the start race their connections' return, the pool opens
//! more connections than workers, and against a server that accepts as
//! many as there are workers the extra ones wait out the read timeout
//! (`run_all` has the figures).
//!
//! How the surplus arises, counted with a connector layer that logged
//! each connect with the jobs spawned and finished so far (300 workers,
//! 2 ms, the test named in `run_all`; 306–315 connections): a start that
//! yields is slower than the jobs, so early jobs reuse the connections
//! of finished ones and only ~20–30 connections exist when the spawner
//! reaches worker 300. The permits freed meanwhile then start a burst of
//! jobs at once, each of whose checkouts races a connect against the
//! connections coming back (hyper-util's pool keeps whichever loses as an
//! idle one): 280 connects in one burst. Without the yields the first 300
//! jobs all connect before any can finish, so exactly 300 connections
//! exist and every later job finds one idle.
//!
//! Yielding after *every* spawn, not just the first ones, removes the
//! burst: 21–38 connections for those 300 workers (the spawner, one job
//! per turn, is then slower than 2 ms jobs, so far fewer than 300 run at
//! once), the crate's 78
//! conformance cases pass (also with two CPU-bound processes beside
//! them), and at 10,000 × 1,000 the first wave ends by 226–242 ms (against
//! 324–327 ms) and the slowest job takes 141–147 ms (against 279–280 ms).
//! But each spawn then waits for a turn of the I/O driver: the runtime
//! thread ran 1,145–1,180 ms against 1,035–1,078 ms, and the wall did not
//! improve (`examples/waves.rs` 1.40–1.56 s against 1.37–1.40 s; `compare
//! -s tokio --runs 3` median 1.35–1.39 s against 1.36–1.42 s). So the
//! fetcher does not yield.
//!
//! Boxing each job's future (core's
//! `AsyncRun::job`) took the runtime thread to 818–878 ms in another
//! series (it copied ~8.7 KiB of future state about a dozen times per
//! job). Of the runtime thread's samples then, the kernel (TCP, the
//! loopback's delivery to the server) is ~36 % and SHA-256 ~17 %: ~44 µs
//! of each request's ~84 µs before reqwest, hyper, tokio and core do
//! anything.
//!
//! For an efficiency of 0.90 (1.11 s) the first wave's delay and the last
//! wave's spread together would have to fit in 0.11 s: under ~50 µs of
//! client CPU per request on that one thread, with the server answering
//! the first wave on time on the core left to it. The in-place saving
//! and the writes without a copy (`offload`) did not move `fetchlab
//! compare --jobs 10000 -c 1000 --latency 100ms -s tokio,async-std --runs
//! 3` beyond the noise (tokio 1.31 → 1.36 s, async-std 1.17 → 1.18 s,
//! back to back). Of the runtime thread's samples in `perf record`,
//! SHA-256 of the bodies (the `HashStore`'s verification, ~14 µs per
//! request) is 16–19 %, `malloc`/`free` 8–10 % and `memmove` 3–5 %; the
//! rest is the kernel's TCP send and receive, hyper and tokio.
//!
//! What the stack alone reaches there, without fetchlab or reqwest:
//! `examples/bare_client.rs` runs 1,000 tasks on the same current-thread
//! runtime, each with one hyper HTTP/1 connection of its own and no pool,
//! store, timeout or check, against the same server child
//! (`benches/scale/many-in-flight.sh` puts its rows under the strategies'
//! in `results/many-in-flight.md`). In the runs of 2026-12-01 on the
//! shared 2-core machine:
//!
//! - all 1,000 connecting before any request leaves (the order the
//!   fetcher keeps, above): 78–86 %, at 50–66 µs of client CPU a job;
//! - each request leaving as its worker connects: 88–91 %, and still
//!   88–92 % without the SHA-256 (36–44 µs a job). With one connection per
//!   worker this start cannot open a surplus connection; with reqwest's
//!   shared pool it does (above).
//!
//! So 0.90 is the ceiling of hyper itself on this machine, not a margin
//! above it. The rest of 1.00 is the machine: the server child's threads
//! share the two cores with the client and wait for a CPU about as long as
//! they run (its `schedstat`), which stretches the 100 ms of each wave.
//! Under reqwest, whose pool needs the connect-first start, the floor is
//! the 78–86 % row, and the fetcher's ~90 µs a job (reqwest's request,
//! pool and body layers, core's attempt: `perf stat` of libc's `malloc`
//! and `realloc` counts ~82 a job in `examples/waves.rs` against ~12 in
//! the bare client) takes it to the 73–75 % of the table. Closing that
//! needs a client that owns one connection per worker and does a job's
//! HTTP work in ~55 µs: not reqwest.
//!
//! One runtime per core (the default since this section was measured;
//! see "Runtime flavour") splits that work: each runtime connects its 500
//! workers and handles its half of each wave on its own core. `compare
//! --jobs 10000 -c 1000 --latency 100ms -s tokio --runs 5`, two series
//! each, back to back: 1.25–1.27 s (79–80 %) against one runtime's
//! 1.32–1.36 s (74–76 %), for 1.01–1.09 s of CPU against 0.95–1.07 s;
//! `benches/scale/many-in-flight.sh` read 1.30 s (77 %) and 1.27 s (79 %)
//! in two passes. The server shares the two cores with both runtimes now,
//! so the ceiling above stands: hyper alone, in the same start, read
//! 81–85 % in those passes.
//!
//! # Bounded concurrency: `JoinSet` + `Semaphore`
//!
//! reqwest caps nothing, so the fetcher does. `buffer_unordered` and
//! "spawn a task once a semaphore permit is free" cost about the same CPU
//! (the task costs ~8 µs more per request), but differ in connections:
//!
//! | connections opened | `buffer_unordered` | `JoinSet` + `Semaphore` |
//! |---|---|---|
//! | 1,000 jobs, 100 ms, concurrency 100 | 171–218 | 101 |
//! | 10,000 jobs, 100 ms, concurrency 1,000 | 1,700–2,000 | 1,001 |
//!
//! hyper-util's pool races a checkout against a new connect; a connect
//! that loses finishes in the background and joins the pool. A finished
//! connection returns to the pool only when a task spawned by hyper-util
//! sees it ready. `buffer_unordered` starts the next job inside the same
//! poll that finished the last one, before that task ran, so the job finds
//! no idle connection and connects; a freshly spawned job task queues
//! behind it and finds the connection idle. Dropping the response as soon
//! as its body ends (before the blocking commit) matters too. The
//! conformance case `connections_are_reused_at_high_concurrency` guards
//! this, and `connections_stay_within_the_limit_when_jobs_end_during_the_start`
//! holds it when jobs end while the first workers still start.
//!
//! # Body writes: `spawn_blocking` per 64 KiB batch
//!
//! (Written once, in core's
//! [`offload`](fetchlab_core::backend::offload), for both async backends;
//! measured here.) Compared with one blocking task per body fed by a bounded channel
//! (1,000 jobs, 0 ms, concurrency 20): 13,400 vs 11,700 requests/s and
//! 82 vs 97 µs CPU per request into a `HashStore`; into a `DirStore` the
//! disk dominated and the channel was not better in 3 runs of 4. The
//! channel also holds a blocking thread for each body in flight, so at
//! concurrency 1,000 it would need up to tokio's 512 blocking threads.
//!
//! Saving a body shorter than a batch on the runtime thread instead was
//! tried for a `DirStore` that syncs nothing: `strace -f -c` of `fetchlab
//! download -c 20` of 1,000 files against `fetchlab serve` counted 4,937
//! `futex` and 16,156 syscalls in all before, 1 `futex` and 9,809 syscalls
//! after — but on ext4 the run took 0.745 s against 0.525 s for the same
//! files synced through the pool (`benches/disk/nginx-vs-peers.sh`), so a
//! `DirStore` on a disk keeps the hand-off (see `offload`). On tmpfs or
//! ramfs, where nothing waits, an atomic `DirStore` saves in place: 1,000
//! files at concurrency 20 into `/dev/shm` took 71–74 ms of CPU instead of
//! 94–100 ms (numbers and command in `offload`).
//!
//! A `HashStore` saves small bodies in place (hashing 24 KB takes about as
//! long on the runtime thread as the hand-off did): at 10,000 jobs,
//! concurrency 1,000, 100 ms, CPU per request fell from ~109 to ~91 µs
//! and `futex` calls from 71,320 to 8,124 (numbers in `offload`).
//!
//! # Memory per download in flight
//!
//! 10,000 jobs, concurrency 1,000, 100 ms; growth of peak RSS per
//! download in flight, by body size (all bodies the same size):
//!
//! | body | 1 KB | 8 KiB | 16 KiB | 40 KiB | corpus (8–40 KB) |
//! |---|---|---|---|---|---|
//! | tokio + reqwest | 47 KiB | 67 KiB | 95 KiB | 154–156 KiB | 100–110 KiB |
//! | async-std + surf (our pool) | 49 KiB | 49 KiB | 51 KiB | 53 KiB | 46–59 KiB |
//!
//! So the 64 KiB target holds only for small bodies here. The growth is
//! hyper's: its adaptive read buffer starts at 8 KiB and doubles while
//! reads fill it (up to ~400 KiB), per connection, and reqwest exposes no
//! bound. It is not ours: flushing every chunk instead of 64 KiB batches
//! made it worse (201 vs 154 KiB at 40 KiB), capping tokio's blocking
//! threads at 8 or 2 and `MALLOC_ARENA_MAX=1` changed it by under 10 %.
//! async-h1 reads through a fixed 8 KiB buffer and we through 16 KiB.
//!
//! Looked for again under reqwest 0.13.5, with the same answer: its
//! `ClientBuilder` sets no hyper buffer size, and its connector layer must
//! return reqwest's private `Conn` (a sealed type whose fields only
//! reqwest can set), so it cannot wrap the socket to shape reads. The
//! levers are hyper-util's `http1_read_buf_exact_size` /
//! `http1_max_buf_size`, reachable only by building the client on
//! hyper-util directly.
//!
//! hyper alone holds as much: `examples/bare_client.rs` (one hyper
//! connection per worker, nothing else; `results/many-in-flight.md`) adds
//! 65–77 KiB of peak RSS per worker with hyper's defaults and 37–40 KiB
//! with `max_buf_size` 16 KiB, at 10,000 jobs of the corpus, 1,000 in
//! flight. So no layer above hyper can bring a reqwest client under
//! 64 KiB here; only that hyper setting can.
//!
//! A heap profile confirms it (heaptrack, `fetchlab compare --jobs 10000
//! -c 1000 --latency 100ms -s tokio --runs 1`, the client's share of the
//! heap at its peak, per download in flight): hyper's read buffers
//! (`poll_read_from_io`) 52 KiB, core's body batch 13 KiB, hyper's
//! per-connection dispatch channel 9 KiB, the job's task 9 KiB, hyper's
//! write buffer 8 KiB — about 91 KiB in all.
//!
//! What they would buy was measured outside the crate, with one small
//! program that runs the fetcher's pattern (current-thread runtime,
//! `JoinSet` + `Semaphore`, each body read chunk by chunk and dropped)
//! once over reqwest and once over hyper-util's legacy client with each
//! setting: 10,000 jobs of the corpus, concurrency 1,000, against
//! `fetchlab serve --latency 100ms -f 1000`; growth of peak RSS per
//! download in flight (2 runs each, a shared 2-core machine):
//!
//! | client | reqwest 0.13 | hyper-util, defaults | `max_buf_size` 64 KiB | 32 KiB | 16 KiB | 8 KiB | `read_buf_exact_size` 8 KiB |
//! |---|---|---|---|---|---|---|---|
//! | KiB per download | 90.1, 90.8 | 84.0 | 79.5 | 68.2 | 46.1, 46.5 | 32.9, 35.5 | 33.9, 33.2 |
//!
//! So the lever exists, but it is not free. hyper's read-buffer bound is
//! also its bound on a response head (`TooLarge` once the buffer is full
//! without a whole head): under 64 KiB per download needs a bound of at
//! most 16 KiB, which would refuse heads of 16–64 KiB that every other
//! backend accepts up to core's
//! [`MAX_HEAD_BYTES`](fetchlab_core::backend::MAX_HEAD_BYTES) (64 KiB), and
//! a 64 KiB bound saves 5 %. And it costs large bodies CPU: four 64 MiB
//! bodies at concurrency 4 on loopback (`fetchlab serve -f 4 --min-size
//! 64MiB --max-size 64MiB`) took 0.05–0.06 s of client CPU over reqwest
//! (whose buffer grows to ~400 KiB), 0.11–0.12 s with a 16 KiB bound and
//! 0.13–0.14 s with 8 KiB. Replacing reqwest would also mean rebuilding
//! what it gives here (the rustls connector, per-read timeouts, proxy-free
//! pooling, its error classes in `failure`). Hence the tokio backend stays
//! on reqwest with hyper's adaptive buffer, and the 64 KiB target holds
//! for bodies up to ~8 KiB only; async-std (our own pool over async-h1,
//! fixed buffers) is the strategy for many small downloads in little
//! memory. What the rest costs: the task of one job is an
//! 8.7 KB future; 2,000 jobs at concurrency 1,000 (`compare`, 100 ms,
//! `HashStore`) grow the peak RSS by 43 KiB per download with 1 KiB
//! bodies, 65 KiB with 8 KiB, 95 KiB with 24 KiB, 108 KiB with 40 KiB, and
//! 80–90 KiB with the corpus; `download` into a `DirStore` (10,000 files,
//! concurrency 1,000 against 100) 97–101 KiB. Of the page faults of that
//! download, 37 % are hyper's read buffer growing (`poll_read_from_io`).
//! Writing each chunk straight to the file instead of holding the body
//! until it ends (no batch buffer at all) left it at 97–101 KiB: at the
//! peak, most downloads wait for a head, not for their body.
//!
//! # TLS: Mozilla's compiled-in roots, on *ring*, configured here
//!
//! reqwest 0.13's own rustls set-up builds rustls-platform-verifier's
//! verifier whenever no CA is given, and on Linux that reads the
//! platform's store (the bundle and ~150 files under `/etc/ssl/certs`)
//! while the client is built, even for a list of `http://` URLs; it also
//! brings aws-lc-rs, while every other backend and the test server use
//! *ring*. So `client` builds the rustls configuration itself and hands it
//! to reqwest (`tls_backend_preconfigured`, with reqwest's
//! `rustls-no-provider` feature): *ring*, TLS 1.2 and 1.3, and by default
//! the roots of the `webpki-roots` crate — the same Mozilla roots the ureq
//! backends trust (`RootCerts::WebPki`) — so every backend trusts the same
//! roots on every machine, and a CA installed only in the system's store
//! needs `--cacert`. They are compiled-in trust anchors, so nothing is
//! read or parsed and no lazy loading is needed. `fetchlab download -s
//! tokio` of one 8–40 KB file from `fetchlab serve` on loopback,
//! `perf stat -r 10 -e task-clock` (release build, shared 2-core machine,
//! two interleaved rounds):
//!
//! | | tokio before | tokio after | threads |
//! |---|---|---|---|
//! | task-clock | 5.03, 5.16 ms | 1.50, 1.60 ms | 1.56–1.88 ms |
//! | syscalls (`strace -f -c`) | 1,033 | 122 | |
//! | `/etc/ssl` accesses (`strace -f`) | 440 | 0 | |
//!
//! The release binary shrank from 77 to 67 MB. *ring* costs large TLS
//! bodies nothing measurable: four 64 MiB bodies over HTTPS at
//! concurrency 4 into tmpfs took 405 and 411 ms of task-clock with
//! aws-lc-rs, 391 and 417 ms with *ring* (`perf stat -r 5`, two rounds).
//!
//! # HTTP/2 flow control: hyper's fixed windows, set explicitly
//!
//! With HTTP/2 every request is a stream on one connection, so the
//! connection window is shared by all streams in flight. hyper offers its
//! fixed defaults (2 MiB per stream, 5 MiB per connection) or an adaptive
//! window grown from BDP pings. Measured: 1,000 files of 8–40 KB (the
//! corpus, 24.9 MB), concurrency 20, against `fetchlab serve --rtt 50ms
//! --tls -f 1000`, `fetchlab download -s tokio-h2` (debug build, a shared
//! 2-core machine), wall time of 3 runs each, interleaved:
//!
//! | windows | runs (s) | median |
//! |---|---|---|
//! | fixed 2 MiB / 5 MiB | 4.41, 5.11, 4.22; 4.26, 4.52, 4.60 | 4.47 |
//! | adaptive (BDP) | 4.60, 4.97, 4.45 | 4.60 |
//!
//! No difference beyond the noise: 20 streams × 40 KB never fill even
//! the 5 MiB connection window, so the window does not limit these
//! transfers, and the adaptive window's pings only add frames. The fixed
//! windows are chosen, set explicitly (so a change of hyper's defaults
//! does not silently change the measurements). For large files at a high
//! bandwidth-delay product the adaptive window is the one to measure again.
//!
//! # Interim responses: the one head tokio cannot bound
//!
//! Every backend refuses a response head past core's
//! [`MAX_HEAD_BYTES`](fetchlab_core::backend::MAX_HEAD_BYTES) as a protocol
//! failure; hyper refuses a long header line or too many headers itself.
//! But hyper skips interim `1xx` responses (a server sending
//! `100 Continue` forever) without any bound, and reqwest 0.13 gives no
//! way to count them: its connection type (`Conn`) is private, so a
//! connector layer cannot wrap the socket, and it does not pass request
//! extensions (hyper's `on_informational` callback) on to hyper. So on
//! that flood the tokio backend fails with a *timeout* (retried once), in
//! bounded memory (hyper drops each interim head), nothing saved — and
//! later than the total timeout: hyper parses the flood in polls that run
//! for seconds on the current-thread runtime, so the timer fires late, and
//! a connection whose response was abandoned is read until the server
//! gives up. Measured against the hostile server (256 MiB per connection):
//! 22 s and 145 MB read for two attempts of a 3 s total timeout, peak RSS
//! +1.7 MB. The conformance case `continue_flood_is_refused` asserts this
//! outcome for tokio and `Protocol` for every other backend.
