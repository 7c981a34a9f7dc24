//! The connection policy of a workload, end to end against an in-process
//! server: HTTPS (the server's CA trusted by every strategy and given to
//! command rows as `{cacert}`), HTTP/2 (rows that cannot are refused with
//! their reason), keep-alive off (one connection per request, counted by
//! the server).

mod common;

use common::prepared;
use std::time::Duration;

use fetchlab_harness::command::peers::Peer;
use fetchlab_harness::{
    CommandSpec, CompareOptions, ResultTable, Row, Scenario, ServerSource, Strategy, Workload,
    compare,
};

/// Every strategy that runs in this process (`processes` needs the
/// `fetchlab` binary for its children; the CLI tests cover it).
const IN_PROCESS: [Strategy; 6] = [
    Strategy::Sequential,
    Strategy::Threads,
    Strategy::Rayon,
    Strategy::Tokio,
    Strategy::TokioH2,
    Strategy::AsyncStd,
];

fn tiny() -> Workload {
    Workload::seed()
        .with_jobs(8)
        .with_concurrency(2)
        .with_server(|s| s.with_latency(Duration::ZERO))
        .with_sizes(1000, 3000)
}

fn run(workload: Workload, strategies: &[Strategy], commands: Vec<CommandSpec>) -> ResultTable {
    let scenario = Scenario::custom("connection", "Connection", workload);
    let options = CompareOptions {
        strategies: strategies.to_vec(),
        commands,
        runs: 1,
        server: ServerSource::InProcess,
        command: "cargo test".into(),
        ..CompareOptions::default()
    };
    compare(&scenario, &options, &|_| {}).unwrap()
}

fn row<'a>(table: &'a ResultTable, name: &str) -> &'a Row {
    table
        .rows
        .iter()
        .find(|r| r.strategy == name)
        .unwrap_or_else(|| panic!("no row {name}"))
}

fn assert_verified(row: &Row) {
    assert_eq!(row.outcome(), "verified", "{}", row.strategy);
    assert_eq!(row.counts.downloaded, 8, "{}", row.strategy);
    assert_eq!(row.requests, 8, "{}", row.strategy);
}

#[test]
fn over_tls_every_https_backend_verifies_and_async_std_is_refused() {
    let workload = tiny().with_server(|s| s.with_tls(true));
    assert!(workload.label().contains("HTTPS"), "{}", workload.label());
    let table = run(workload, &IN_PROCESS, Vec::new());
    assert_eq!(table.rows.len(), IN_PROCESS.len());
    for strategy in IN_PROCESS {
        let row = row(&table, strategy.name());
        if strategy == Strategy::AsyncStd {
            let reason = row.refused.as_deref().expect("async-std refuses TLS");
            assert!(reason.contains("TLS"), "{reason}");
            continue;
        }
        assert_verified(row);
        // Kept connections: at most one per worker for the blocking
        // clients, which put a connection back before the worker asks for
        // the next. hyper (tokio) puts it back on the connection's own task,
        // so on a loaded machine a worker's next request can find the pool
        // still empty and open another; what holds there is reuse, fewer
        // connections than requests.
        let most = match strategy {
            Strategy::Tokio => row.requests - 1,
            _ => 2,
        };
        assert!(
            (1..=most).contains(&row.connections),
            "{}: {} connections for {} requests",
            row.strategy,
            row.connections,
            row.requests
        );
    }
    assert_eq!(row(&table, "tokio-h2").connections, 1);
}

#[test]
fn http2_runs_where_it_can_and_http1_only_backends_say_why() {
    for tls in [false, true] {
        let table = run(
            tiny().with_http2(true).with_server(|s| s.with_tls(tls)),
            &IN_PROCESS,
            Vec::new(),
        );
        for strategy in IN_PROCESS {
            let row = row(&table, strategy.name());
            match strategy {
                Strategy::Tokio | Strategy::TokioH2 => {
                    assert_verified(row);
                    // Every request a stream on one connection.
                    assert_eq!(row.connections, 1, "{} tls {tls}", row.strategy);
                }
                _ => {
                    let reason = row.refused.as_deref().expect("refused");
                    assert!(reason.contains("HTTP/2"), "{strategy} tls {tls}: {reason}");
                }
            }
        }
    }
}

#[test]
fn keep_alive_off_opens_one_connection_per_request() {
    let workload = tiny().with_keep_alive(false);
    assert!(workload.label().contains("keep-alive off"));
    let table = run(workload, &IN_PROCESS, Vec::new());
    for strategy in IN_PROCESS {
        let row = row(&table, strategy.name());
        if strategy == Strategy::TokioH2 {
            let reason = row.refused.as_deref().expect("h2 needs a kept connection");
            assert!(reason.contains("keep-alive off"), "{reason}");
            continue;
        }
        assert_verified(row);
        assert_eq!(row.connections, row.requests, "{}", row.strategy);
    }
    // And over TLS, a handshake per request.
    let table = run(
        tiny()
            .with_keep_alive(false)
            .with_server(|s| s.with_tls(true)),
        &[Strategy::Threads, Strategy::Tokio],
        Vec::new(),
    );
    for row in &table.rows {
        assert_verified(row);
        assert_eq!(row.connections, 8, "{}", row.strategy);
    }
}

#[test]
fn cacert_is_the_servers_ca_for_a_command_row() {
    let workload = tiny().with_server(|s| s.with_tls(true));
    let files = prepared(&workload);
    let source = shlex::try_quote(&files.path().display().to_string())
        .unwrap()
        .into_owned();
    // Copies the files only when {cacert} is a PEM certificate.
    let template = format!(
        "ca=sh -c 'grep -q \"BEGIN CERTIFICATE\" \"$0\" && cp {source}/* \"$1\"' {{cacert}} {{out}}"
    );
    let mut commands = vec![CommandSpec::parse(&template).unwrap()];
    let curl = Peer::by_name("curl").unwrap().resolve_for(true);
    match &curl {
        Ok(spec) => {
            assert!(spec.needs_tls());
            commands.push(spec.clone());
        }
        Err(missing) => println!("curl row skipped: {missing}"),
    }
    let table = run(workload, &[], commands);
    let ca = row(&table, "ca");
    assert_eq!(ca.outcome(), "verified");
    assert_eq!(ca.counts.downloaded, 8);
    if curl.is_ok() {
        // A real HTTPS client that trusts only {cacert}.
        let curl = row(&table, "curl");
        assert_eq!(curl.outcome(), "verified");
        assert_eq!(curl.requests, 8);
    }
    // Without TLS the placeholder is refused by name.
    let plain = CommandSpec::parse("x=cat {cacert}").unwrap();
    let scenario = Scenario::custom("plain", "Plain", tiny());
    let options = CompareOptions {
        strategies: Vec::new(),
        commands: vec![plain],
        runs: 1,
        server: ServerSource::InProcess,
        command: "cargo test".into(),
        ..CompareOptions::default()
    };
    let err = compare(&scenario, &options, &|_| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("TLS"), "{err}");
}
