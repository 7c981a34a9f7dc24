//! `fetchlab compare` (also bare `fetchlab`): every chosen strategy, and
//! every `--command` or `--peers` tool, on one workload against the slow
//! server, through the harness, as one table.
//!
//! The harness starts the server (as `fetchlab serve` in a child process,
//! this very binary), runs each strategy `--runs` times, verifies every body
//! against the corpus, and builds the table; this module turns options into
//! a workload, shows progress on standard error, prints the table on
//! standard output and writes the exports.

use std::path::Path;
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use fetchlab_harness::command::peers;
use fetchlab_harness::export::{self, Format};
use fetchlab_harness::workload::MAX_HOSTS;
use fetchlab_harness::{
    CommandSpec, CompareOptions, Connection, Event, HarnessError, Host, ResultTable, Scenario,
    ServerSource, Strategy, Workload,
};

use crate::cli::CompareArgs;
use crate::exit::Outcome;
use crate::run_bar::RunBar;

/// Runs `fetchlab compare`; a bare `fetchlab` runs two tables: the book's
/// slow server (100 ms a response), then the same files from a host 50 ms
/// away ([`network_seed`]).
pub fn run(args: CompareArgs) -> Result<Outcome> {
    if args.calibrate {
        return calibrate(&args);
    }
    let workload = workload(&args)?;
    let outcome = run_table(&args, "fetchlab compare", workload.clone())?;
    if !args.with_network_table || outcome != Outcome::Success {
        return Ok(outcome);
    }
    println!();
    run_table(
        &args,
        "the same files from a host 50 ms away (modelled network, no server delay)",
        network_seed(workload),
    )
}

/// `--calibrate`: the model against the quoted real-TCP times, written to
/// `results/calibration.md`.
fn calibrate(args: &CompareArgs) -> Result<Outcome> {
    let exe = std::env::current_exe().context("cannot find this program to run the server")?;
    let bar = Mutex::new(RunBar::new());
    let on_event = |event: &Event<'_>| show(&bar, event);
    let runs = usize::try_from(args.runs).unwrap_or(usize::MAX);
    let result = fetchlab_harness::calibration::run(&exe, runs, &on_event);
    finish(&bar);
    let markdown = result?.markdown();
    std::fs::create_dir_all("results").context("cannot create results/")?;
    std::fs::write("results/calibration.md", &markdown)
        .context("cannot write results/calibration.md")?;
    println!("{markdown}");
    Ok(Outcome::Success)
}

/// `workload` without its server delay, over a modelled 50 ms network.
fn network_seed(workload: Workload) -> Workload {
    workload.with_server(|s| {
        s.with_latency(std::time::Duration::ZERO)
            .with_rtt(std::time::Duration::from_millis(50))
    })
}

fn run_table(args: &CompareArgs, title: &str, workload: Workload) -> Result<Outcome> {
    workload.validate()?;
    let scenario = Scenario::custom("compare", title, workload);
    let bar = Mutex::new(RunBar::new());
    let mut missing_peers = Vec::new();
    let options = CompareOptions {
        strategies: strategies(args),
        commands: commands(args, &mut |note| missing_peers.push(note))?,
        time_limit: *args.time_limit,
        runs: usize::try_from(args.runs).unwrap_or(usize::MAX),
        server: ServerSource::Child(
            std::env::current_exe().context("cannot find this program to run the server")?,
        ),
        command: command_line(),
        programs: crate::strategy::programs(),
    };
    for note in &missing_peers {
        show(&bar, &Event::Note(note));
    }
    let on_event = |event: &Event<'_>| show(&bar, event);
    let mut table = match fetchlab_harness::compare(&scenario, &options, &on_event) {
        Err(err @ HarnessError::Verification { .. }) => {
            finish(&bar);
            eprintln!("fetchlab: {err}");
            return Ok(Outcome::Failed);
        }
        other => {
            finish(&bar);
            other?
        }
    };
    table.notes.extend(missing_peers);
    println!("{title}: {}", scenario.question);
    println!("{}", table.render_summary());
    export_all(args, &table)?;
    Ok(Outcome::from_success(all_jobs_succeeded(&table)))
}

/// The `--command` rows, then the `--peers` found on PATH (a note for each
/// one that is not). A name used twice, or a strategy's name, is refused.
fn commands(args: &CompareArgs, note: &mut dyn FnMut(String)) -> Result<Vec<CommandSpec>> {
    let mut specs = Vec::new();
    for text in &args.commands {
        let spec = CommandSpec::parse(text)?;
        if spec.needs_tls() && !args.tls {
            bail!(
                "--command {}: {{cacert}} needs a TLS server; add --tls",
                spec.name
            );
        }
        specs.push(spec);
    }
    if let Some(list) = &args.peers {
        for peer in peers::parse_list(list)? {
            match peer.resolve_for(args.tls) {
                Ok(spec) => specs.push(spec),
                Err(missing) => note(missing),
            }
        }
    }
    let mut names: Vec<&str> = Strategy::ALL.iter().map(|s| s.name()).collect();
    for spec in &specs {
        if names.contains(&spec.name.as_str()) {
            bail!(
                "the row name {:?} is used twice; name each --command differently",
                spec.name
            );
        }
        names.push(&spec.name);
    }
    Ok(specs)
}

/// The workload the options describe, on top of the seed workload.
fn workload(args: &CompareArgs) -> Result<Workload> {
    let size = |bytes: u64| usize::try_from(bytes).context("file size too large for this machine");
    Ok(Workload::seed()
        .with_jobs(args.jobs)
        .with_concurrency(usize::try_from(args.concurrency).unwrap_or(usize::MAX))
        .with_server(|s| {
            s.with_latency(*args.latency)
                .with_jitter(*args.jitter)
                .with_error_rate(args.error_rate)
                .with_network(args.network.model())
                .with_tls(args.tls)
                .with_seed(args.seed)
        })
        .with_connection(Connection {
            http2: args.http2,
            keep_alive: !args.no_keepalive,
        })
        .with_sizes(size(args.min_size)?, size(args.max_size)?)
        .with_hosts(hosts(args)?)
        .with_per_host(per_host(args)?))
}

/// The hosts `--hosts`, `--host-latency` and `--host-rtt` describe; none
/// (the workload's one host) for a bare `--hosts 1`.
fn hosts(args: &CompareArgs) -> Result<Vec<Host>> {
    let count = args.hosts;
    if count == 0 {
        bail!("--hosts 0: at least one host is needed");
    }
    if count > MAX_HOSTS {
        bail!("--hosts {count}: at most {MAX_HOSTS} (127.0.0.1 … 127.0.0.{MAX_HOSTS})");
    }
    for (flag, given) in [
        ("--host-latency", args.host_latency.len()),
        ("--host-rtt", args.host_rtt.len()),
    ] {
        if given != 0 && given != count {
            let hosts = if count == 1 { "host" } else { "hosts" };
            bail!(
                "{flag} gives {given} values for {count} {hosts}; give one per host (--hosts {given}?)"
            );
        }
    }
    if count == 1 && args.host_latency.is_empty() && args.host_rtt.is_empty() {
        return Ok(Vec::new());
    }
    Ok((0..count)
        .map(|i| Host {
            latency: args.host_latency.get(i).map(|d| **d),
            rtt: args.host_rtt.get(i).map(|d| **d),
            ..Host::default()
        })
        .collect())
}

/// `--per-host`, checked.
fn per_host(args: &CompareArgs) -> Result<Option<usize>> {
    match args.per_host {
        Some(0) => bail!("--per-host 0: at least one request per host must be allowed"),
        limit => Ok(limit),
    }
}

/// The chosen strategies, or all of them.
fn strategies(args: &CompareArgs) -> Vec<Strategy> {
    if args.strategies.is_empty() {
        return Strategy::ALL.to_vec();
    }
    let mut chosen: Vec<Strategy> = Vec::new();
    for strategy in args.strategies.iter().map(|s| s.strategy()) {
        if !chosen.contains(&strategy) {
            chosen.push(strategy);
        }
    }
    chosen
}

/// The command line as typed, recorded in every export.
fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::iter::once("fetchlab".to_owned())
        .chain(args)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Progress on standard error: a bar (or a line) per run, and the
/// harness's notes and refusals. Each (re)start of the server is not worth
/// a line: the harness notes when it falls back to an in-process server.
fn show(bar: &Mutex<RunBar>, event: &Event<'_>) {
    // A panic while holding the lock cannot corrupt a progress bar.
    let mut bar = bar
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match event {
        Event::RunStarted {
            strategy,
            run,
            runs,
            jobs,
        } => {
            bar.start(&format!("{strategy} run {run}/{runs}"), *jobs);
        }
        Event::JobFinished { done, .. } => bar.set_position(*done),
        Event::RunFinished { .. } => bar.finish(),
        Event::Refused { strategy, reason } => {
            bar.println(&format!("{strategy}: refused: {reason}"))
        }
        Event::CommandStarted {
            name,
            run,
            runs,
            jobs,
        } => {
            // A command reports no progress: the bar only shows it is running.
            bar.start(&format!("{name} run {run}/{runs}"), *jobs);
        }
        Event::CommandFinished {
            name, measurement, ..
        } => {
            bar.finish();
            if let Some(failure) = &measurement.failure {
                bar.println(&format!("{name}: FAILED: {failure}"));
            }
        }
        Event::Note(note) => bar.println(&format!("note: {note}")),
        _ => {}
    }
}

fn finish(bar: &Mutex<RunBar>) {
    bar.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .finish();
}

/// Writes the table to every `--export-*` file asked for.
fn export_all(args: &CompareArgs, table: &ResultTable) -> Result<()> {
    let exports = [
        (&args.export_markdown, Format::Markdown),
        (&args.export_csv, Format::Csv),
        (&args.export_json, Format::Json),
    ];
    for (path, format) in exports {
        if let Some(path) = path {
            write(path, format, table)?;
        }
    }
    Ok(())
}

fn write(path: &Path, format: Format, table: &ResultTable) -> Result<()> {
    export::write_to(path, format, table)
        .with_context(|| format!("cannot export to {}", path.display()))
}

/// Whether every measured run saved every job, and every command row
/// passed.
fn all_jobs_succeeded(table: &ResultTable) -> bool {
    table
        .rows
        .iter()
        .filter(|row| row.refused.is_none())
        .all(|row| row.failed.is_none() && row.counts.not_found == 0 && row.counts.errors == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_compare_runs_the_seed_workload_with_every_strategy() {
        let args = CompareArgs::defaults();
        assert_eq!(workload(&args).unwrap(), Workload::seed());
        assert_eq!(strategies(&args), Strategy::ALL);
    }

    #[test]
    fn the_second_default_table_is_the_seed_at_50ms_rtt() {
        let w = network_seed(Workload::seed());
        assert!(w.server.latency.is_zero());
        assert_eq!(w.server.network.rtt, std::time::Duration::from_millis(50));
        assert_eq!((w.jobs, w.concurrency), (80, 20));
    }

    #[test]
    fn hosts_get_their_own_latencies_and_the_per_host_limit() {
        let mut args = CompareArgs::defaults();
        args.hosts = 3;
        args.host_latency = ["10ms", "20ms", "40ms"]
            .iter()
            .map(|t| t.parse().unwrap())
            .collect();
        args.per_host = Some(2);
        let w = workload(&args).unwrap();
        let latencies: Vec<Option<u128>> = w
            .hosts
            .iter()
            .map(|h| h.latency.map(|l| l.as_millis()))
            .collect();
        assert_eq!(latencies, [Some(10), Some(20), Some(40)]);
        assert_eq!(w.per_host, Some(2));
        assert!(w.hosts.iter().all(|h| h.rtt.is_none()));
        // Without host lists, N hosts share the workload's latency.
        args.host_latency.clear();
        assert_eq!(workload(&args).unwrap().host_count(), 3);
        args.hosts = 1;
        assert!(workload(&args).unwrap().hosts.is_empty());
    }

    #[test]
    fn rtt_bottleneck_and_loss_are_the_servers_network_model() {
        let mut args = CompareArgs::defaults();
        args.network.rtt = "50ms".parse().unwrap();
        args.network.bottleneck = Some(1 << 20);
        args.network.loss = 0.01;
        let network = workload(&args).unwrap().server.network;
        assert_eq!(network.rtt, std::time::Duration::from_millis(50));
        assert_eq!(network.bottleneck, Some(1 << 20));
        assert_eq!(network.loss, 0.01);
    }

    #[test]
    fn tls_is_the_servers_http2_and_no_keepalive_the_workloads_connection() {
        let mut args = CompareArgs::defaults();
        let plain = workload(&args).unwrap();
        assert_eq!(plain.connection, Connection::default());
        assert!(!plain.server.tls);
        (args.tls, args.http2, args.no_keepalive) = (true, true, true);
        let w = workload(&args).unwrap();
        assert!(w.server.tls && w.connection.http2 && !w.connection.keep_alive);
    }
}
