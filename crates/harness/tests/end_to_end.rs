//! A tiny comparison, end to end, against an in-process server: the
//! sequential backend downloads, the harness measures and verifies, the
//! table and the events say what happened.

use std::sync::Mutex;
use std::time::Duration;

use fetchlab_harness::{
    CompareOptions, Event, HarnessError, Scenario, ServerMode, ServerSource, Strategy, Workload,
    compare,
};

fn tiny() -> Workload {
    Workload::seed()
        .with_jobs(8)
        .with_concurrency(2)
        .with_server(|s| s.with_latency(Duration::from_millis(1)))
        .with_sizes(1000, 3000)
}

/// Options for `runs` runs of `strategies` against an in-process server.
fn in_process(strategies: Vec<Strategy>, runs: usize) -> CompareOptions {
    CompareOptions {
        strategies,
        runs,
        server: ServerSource::InProcess,
        command: "cargo test".into(),
        ..CompareOptions::default()
    }
}

#[derive(Default)]
struct Seen {
    runs: usize,
    jobs: usize,
    notes: Vec<String>,
    refused: Vec<String>,
}

fn record(seen: &Mutex<Seen>) -> impl Fn(&Event<'_>) + Send + Sync + '_ {
    move |event: &Event<'_>| {
        let mut seen = seen.lock().unwrap();
        match event {
            Event::RunFinished { .. } => seen.runs += 1,
            Event::JobFinished { done, .. } => seen.jobs = seen.jobs.max(*done),
            Event::Note(note) => seen.notes.push((*note).to_owned()),
            Event::Refused { reason, .. } => seen.refused.push((*reason).to_owned()),
            _ => {}
        }
    }
}

#[test]
fn sequential_is_measured_and_verified() {
    let scenario = Scenario::custom("tiny", "Tiny", tiny());
    let options = in_process(vec![Strategy::Sequential], 2);
    let seen = Mutex::new(Seen::default());
    let table = compare(&scenario, &options, &record(&seen)).unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.runs, 2);

    assert_eq!(table.rows.len(), 1);
    let row = &table.rows[0];
    assert_eq!(row.strategy, "sequential");
    assert_eq!((row.runs, row.times.len()), (2, 2));
    assert_eq!(row.counts.downloaded, 8);
    assert_eq!((row.counts.not_found, row.counts.errors), (0, 0));
    assert_eq!(row.requests, 8);
    assert!((8 * 1000..=8 * 3000).contains(&row.bytes), "{}", row.bytes);
    assert!(
        row.connections >= 1 && row.connections <= 8,
        "{}",
        row.connections
    );
    assert_eq!(
        row.server_peak_in_flight, 1,
        "sequential has one request in flight"
    );
    assert_eq!(row.server, ServerMode::InProcess);
    // 8 jobs at 1 ms on 2 perfect workers: 4 ms.
    assert!((row.ideal - 0.004).abs() < 1e-9, "{}", row.ideal);
    let efficiency = row.efficiency.unwrap();
    assert!(efficiency > 0.0 && efficiency < 1.5, "{efficiency}");
    assert!(row.time.min <= row.time.median && row.time.median <= row.time.max);
    assert!(row.cpu_per_request > 0.0);
    assert!(table.render_summary().contains("8 / 0 / 0"));
}

#[test]
fn a_missing_server_binary_falls_back_in_process_with_a_note() {
    let scenario = Scenario::custom("tiny", "Tiny", tiny().with_jobs(2));
    let options = CompareOptions {
        strategies: vec![Strategy::Sequential],
        runs: 1,
        server: ServerSource::Child("/nonexistent/fetchlab".into()),
        ..CompareOptions::default()
    };
    let seen = Mutex::new(Seen::default());
    let table = compare(&scenario, &options, &record(&seen)).unwrap();
    assert_eq!(table.rows[0].server, ServerMode::InProcess);
    assert_eq!(table.rows[0].counts.downloaded, 2);
    let notes = &seen.lock().unwrap().notes;
    assert!(notes.iter().any(|n| n.contains("in-process")), "{notes:?}");
}

/// Set in the child process of the open-files test, which runs under a
/// lowered limit.
const LOW_LIMIT_CHILD: &str = "FETCHLAB_TEST_LOW_NOFILE";

/// The limit (soft and hard) the child runs under: low enough that a few
/// hundred workers cannot fit, whatever the machine's own limit is.
const LOW_LIMIT: u64 = 256;

#[test]
fn a_concurrency_above_the_open_files_limit_is_refused_before_any_request() {
    if std::env::var_os(LOW_LIMIT_CHILD).is_some() {
        return refused_under_the_low_limit();
    }
    // Run this very test again in a child whose soft and hard limits are
    // both LOW_LIMIT (an unprivileged process cannot raise a hard limit),
    // so the refusal is tested on every machine.
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "a_concurrency_above_the_open_files_limit_is_refused_before_any_request",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(LOW_LIMIT_CHILD, "1");
    // SAFETY: setrlimit is async-signal-safe and touches only the child.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, || {
            let limit = libc::rlimit {
                rlim_cur: LOW_LIMIT as libc::rlim_t,
                rlim_max: LOW_LIMIT as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The child really ran the check (and not zero tests).
    assert!(stdout.contains("refused at the low limit"), "{stdout}");
    assert!(stdout.contains("1 passed"), "{stdout}");
}

/// In the child: 300 workers cannot fit under 256 descriptors.
fn refused_under_the_low_limit() {
    let limit = fetchlab_harness::raise_fd_limit();
    assert_eq!((limit.soft, limit.hard), (LOW_LIMIT, LOW_LIMIT));
    let workload = tiny().with_jobs(300).with_concurrency(300).with_sizes(1, 1);
    let scenario = Scenario::custom("huge", "Huge", workload);
    let options = CompareOptions {
        strategies: vec![Strategy::Threads],
        runs: 1,
        ..CompareOptions::default()
    };
    let seen = Mutex::new(Seen::default());
    let err = compare(&scenario, &options, &record(&seen)).unwrap_err();
    assert!(matches!(err, HarnessError::FdLimit(_)), "{err}");
    let message = err.to_string();
    assert!(message.contains("open-files limit is 256"), "{message}");
    assert!(message.contains("ulimit -n"), "{message}");
    let seen = seen.lock().unwrap();
    assert_eq!((seen.runs, seen.jobs), (0, 0), "no run started");
    println!("refused at the low limit: {message}");
}

#[test]
fn a_backend_ceiling_becomes_a_refused_row() {
    let scenario = Scenario::custom("wide", "Wide", tiny().with_concurrency(100_000));
    let options = CompareOptions {
        strategies: vec![Strategy::Threads],
        runs: 1,
        ..CompareOptions::default()
    };
    let seen = Mutex::new(Seen::default());
    let table = compare(&scenario, &options, &record(&seen)).unwrap();
    let reason = table.rows[0].refused.as_deref().unwrap();
    assert!(reason.contains("ceiling"), "{reason}");
    assert_eq!(seen.lock().unwrap().refused.len(), 1);
}

/// With the network model on, the ideal is the modelled floor, and a real
/// client against the modelled server never beats it (a bound, not a
/// timing: the floor pays only what the server itself imposes).
#[test]
fn the_modelled_floor_is_below_every_measured_run_at_20ms_rtt() {
    let workload = tiny()
        .with_concurrency(4)
        .with_sizes(10_000, 30_000)
        .with_server(|s| {
            s.with_latency(Duration::ZERO)
                .with_rtt(Duration::from_millis(20))
        });
    let scenario = Scenario::custom("rtt", "RTT 20 ms", workload);
    let options = in_process(
        vec![Strategy::Sequential, Strategy::Threads, Strategy::Tokio],
        1,
    );
    let seen = Mutex::new(Seen::default());
    let table = compare(&scenario, &options, &record(&seen)).unwrap();
    assert_eq!(table.rows.len(), 3);
    // A handshake and a round per request at the very least.
    let lowest = 2.0 * 0.020;
    for row in &table.rows {
        assert_eq!(row.counts.downloaded, 8, "{}", row.strategy);
        assert!(row.ideal >= lowest, "{}: ideal {}", row.strategy, row.ideal);
        assert!(
            row.ideal <= row.time.min,
            "{}: ideal {} > fastest run {}",
            row.strategy,
            row.ideal,
            row.time.min
        );
        assert!(row.efficiency.is_some_and(|e| e <= 1.0), "{}", row.strategy);
    }
    assert!(
        !table.notes.iter().any(|n| n.starts_with("ideal wrong")),
        "{:?}",
        table.notes
    );
}

/// A URL list over three hosts, with and without a per-host limit: every
/// host gets its round-robin share, and under the limit no host sees more
/// requests at once than it allows (the jobs allow reaching it).
#[test]
fn a_url_list_spanning_hosts_is_counted_host_by_host() {
    use fetchlab_harness::Host;
    let hosts = vec![
        Host::latency(Duration::from_millis(1)),
        Host::latency(Duration::from_millis(5)),
        Host::latency(Duration::from_millis(10)),
    ];
    let base = tiny()
        .with_jobs(12)
        .with_concurrency(6)
        .with_hosts(hosts.clone());
    for per_host in [None, Some(2)] {
        let workload = base.clone().with_per_host(per_host);
        let scenario = Scenario::custom("hosts", "Hosts", workload);
        let options = in_process(vec![Strategy::Threads, Strategy::Tokio], 1);
        let seen = Mutex::new(Seen::default());
        let table = compare(&scenario, &options, &record(&seen)).unwrap();
        assert!(table.has_hosts());
        for row in &table.rows {
            assert_eq!(row.counts.downloaded, 12, "{}", row.strategy);
            assert_eq!(row.hosts.len(), 3, "{}", row.strategy);
            let requests: Vec<u64> = row.hosts.iter().map(|h| h.requests).collect();
            assert_eq!(requests, [4, 4, 4], "round-robin shares: {}", row.strategy);
            // All hosts at once: at most the workers, at most the hosts' peaks added.
            let peaks: u64 = row.hosts.iter().map(|h| h.peak_in_flight).sum();
            assert!(row.server_peak_in_flight <= peaks.min(6), "{row:?}");
            let busiest = row
                .hosts
                .iter()
                .map(|h| h.peak_in_flight)
                .max()
                .unwrap_or(0);
            assert!(row.server_peak_in_flight >= busiest, "{row:?}");
            if let Some(limit) = per_host {
                for host in &row.hosts {
                    assert!(host.peak_in_flight <= limit as u64, "{row:?}");
                    assert!(host.connections >= 1, "{row:?}");
                }
            }
            // The 10 ms host's 4 jobs: 2 rounds of 2 under the limit.
            let ideal = if per_host.is_some() { 0.020 } else { 0.010 };
            assert!(row.ideal >= ideal - 1e-9, "{} < {ideal}", row.ideal);
        }
    }
}
