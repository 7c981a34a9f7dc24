//! The server a measurement runs against: `fetchlab serve` in a child
//! process when a binary is available, an in-process [`TestServer`] per
//! host ([`Hosts`]) otherwise, and the counters of one run from either,
//! added up and host by host.

use std::path::PathBuf;

use fetchlab_server::{Corpus, Hosts, Stats, TestServer};

use crate::child::ChildServer;
use crate::error::HarnessError;
use crate::fdlimit::{self, PER_DOWNLOAD_IN_MEMORY};
use crate::workload::Workload;

/// Where the test server should run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerSource {
    /// `fetchlab serve` from this binary, in a child process, so that its CPU
    /// time and memory are not counted as the client's. Falls back to
    /// [`ServerSource::InProcess`] (with a note) if it does not start.
    Child(PathBuf),
    /// A [`TestServer`] in this process.
    InProcess,
}

/// Where the server of a measurement actually ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServerMode {
    /// In a child process: CPU and memory figures are the client's alone.
    Child,
    /// In the client's process: CPU and memory include the server's.
    InProcess,
}

impl ServerMode {
    /// `child` or `in-process`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Child => "child",
            Self::InProcess => "in-process",
        }
    }
}

/// What one host counted during one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HostCounters {
    /// Requests received.
    pub requests: u64,
    /// TCP connections accepted.
    pub connections: u64,
    /// Body bytes written.
    pub bytes_sent: u64,
    /// Most requests in flight at once on this host. With a child server
    /// this is the peak since the server started (it is restarted for every
    /// strategy).
    pub peak_in_flight: u64,
}

/// What the server counted during one run: its hosts' counts added up,
/// and each host's.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ServerCounters {
    /// Requests received, on every host.
    pub requests: u64,
    /// TCP connections accepted, on every host.
    pub connections: u64,
    /// Body bytes written, on every host.
    pub bytes_sent: u64,
    /// Most requests in flight at once on all hosts together (the server's
    /// [`Stats::hosts_peak_in_flight`]); with a child server, since it
    /// started, as [`HostCounters::peak_in_flight`].
    pub peak_in_flight: u64,
    /// Every host's own counts, in host order.
    #[serde(default)]
    pub hosts: Vec<HostCounters>,
}

impl ServerCounters {
    /// The counts of `hosts` added up, with `peak_in_flight` the peak on
    /// all of them at once (not the sum of their peaks, which need not
    /// coincide).
    pub fn of_hosts(hosts: Vec<HostCounters>, peak_in_flight: u64) -> ServerCounters {
        let sum = |f: fn(&HostCounters) -> u64| hosts.iter().map(f).sum();
        ServerCounters {
            requests: sum(|h| h.requests),
            connections: sum(|h| h.connections),
            bytes_sent: sum(|h| h.bytes_sent),
            peak_in_flight,
            hosts,
        }
    }
}

/// A host's last `/_stats` snapshot and the size of the body that carried it.
type Snapshot = (Stats, u64);

enum Kind {
    Child {
        server: ChildServer,
        last: Vec<Snapshot>,
    },
    InProcess(Hosts),
}

/// A running server for one (point, strategy): one host, or as many as
/// the workload spans ([`Workload::hosts`]).
pub struct Served {
    kind: Kind,
    base_urls: Vec<String>,
    ca_pem: Option<String>,
}

impl Served {
    /// Starts a server for `workload` over `corpus` (a child is handed the
    /// corpus's spec and generates the same files), one host per
    /// [`Workload::server_configs`]. Checks the open-files limit for the
    /// mode it ends up in. A child that does not start is reported through
    /// `note` and replaced by an in-process server.
    pub fn start(
        source: &ServerSource,
        workload: &Workload,
        corpus: &Corpus,
        note: &mut dyn FnMut(String),
    ) -> Result<Served, HarnessError> {
        // A run never has more requests in flight than jobs.
        let in_flight = workload.concurrency.min(workload.jobs);
        let configs = workload.server_configs(corpus);
        if let ServerSource::Child(exe) = source {
            fdlimit::ensure(in_flight as u64, PER_DOWNLOAD_IN_MEMORY)?;
            match ChildServer::spawn(exe, &configs) {
                Ok(server) => return Self::from_child(server),
                Err(e) => note(format!(
                    "{e}; using an in-process server instead (its CPU and memory count as the client's)"
                )),
            }
        }
        // The server's end of every connection is in this process too.
        fdlimit::ensure(in_flight as u64, 2 * PER_DOWNLOAD_IN_MEMORY)?;
        let hosts = Hosts::start(configs, 0)
            .map_err(|e| HarnessError::Server(format!("cannot start: {e}")))?;
        let pems: Vec<&str> = hosts
            .servers()
            .iter()
            .filter_map(TestServer::ca_pem)
            .collect();
        Ok(Served {
            base_urls: hosts.servers().iter().map(TestServer::base_url).collect(),
            ca_pem: (!pems.is_empty()).then(|| pems.concat()),
            kind: Kind::InProcess(hosts),
        })
    }

    fn from_child(server: ChildServer) -> Result<Served, HarnessError> {
        let last = (0..server.base_urls().len())
            .map(|host| server.stats(host))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Served {
            base_urls: server.base_urls().to_vec(),
            ca_pem: server.ca_pem().map(str::to_owned),
            kind: Kind::Child { server, last },
        })
    }

    /// With TLS, the PEM of the certificate authority (one per host) the
    /// server's certificates are signed by: what every client of the run
    /// trusts.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Where it runs.
    pub fn mode(&self) -> ServerMode {
        match self.kind {
            Kind::Child { .. } => ServerMode::Child,
            Kind::InProcess(_) => ServerMode::InProcess,
        }
    }

    /// The first host's `http://127.0.0.1:PORT/`.
    pub fn base_url(&self) -> &str {
        // `Hosts` and the child both have at least one host (a workload's
        // server configurations are never empty).
        self.base_urls.first().map_or("", String::as_str)
    }

    /// Every host's base URL, in host order.
    pub fn base_urls(&self) -> &[String] {
        &self.base_urls
    }

    /// The child server's process id (`None` in process), so that a
    /// measurement of the client's process tree can leave it out.
    pub fn child_pid(&self) -> Option<u32> {
        match &self.kind {
            Kind::Child { server, .. } => Some(server.pid()),
            Kind::InProcess(_) => None,
        }
    }

    /// Zeroes the in-process counters before a run (a child's are read as
    /// differences instead).
    pub fn before_run(&mut self) {
        if let Kind::InProcess(hosts) = &self.kind {
            hosts.servers().iter().for_each(TestServer::reset_stats);
        }
    }

    /// The counters of the run since [`Served::before_run`].
    pub fn after_run(&mut self) -> Result<ServerCounters, HarnessError> {
        match &mut self.kind {
            Kind::InProcess(hosts) => {
                let stats = hosts.stats();
                let peak = all_hosts_peak(&stats);
                Ok(ServerCounters::of_hosts(
                    stats.iter().map(counters).collect(),
                    peak,
                ))
            }
            Kind::Child { server, last } => {
                let mut now = Vec::with_capacity(last.len());
                for host in 0..last.len() {
                    now.push(server.stats(host)?);
                }
                let hosts: Vec<HostCounters> =
                    last.iter().zip(&now).map(|(l, n)| since(l, n)).collect();
                // As for each host: the stats requests alone show a peak of 1.
                let ran = hosts.iter().any(|h| h.requests > 0);
                let peak = match ran {
                    true => all_hosts_peak(now.iter().map(|(stats, _)| stats)),
                    false => 0,
                };
                *last = now;
                Ok(ServerCounters::of_hosts(hosts, peak))
            }
        }
    }
}

/// The peak in flight on all hosts at once (every host reports the same;
/// the largest is taken in case one was read later).
fn all_hosts_peak<'a>(stats: impl IntoIterator<Item = &'a Stats>) -> u64 {
    stats
        .into_iter()
        .map(|s| s.hosts_peak_in_flight)
        .max()
        .unwrap_or(0)
}

/// A child host's counts between two `/_stats` snapshots.
fn since((last, last_body): &Snapshot, (now, _): &Snapshot) -> HostCounters {
    // The stats request just made is counted (one request on one
    // connection); the body of the previous one was sent after its
    // snapshot. Neither belongs to the run.
    HostCounters {
        requests: now.requests.saturating_sub(last.requests + 1),
        connections: now.connections.saturating_sub(last.connections + 1),
        bytes_sent: now.bytes_sent.saturating_sub(last.bytes_sent + last_body),
        // The stats request is in flight while it reads the peak, so a
        // run without requests still shows 1.
        peak_in_flight: if now.requests > last.requests + 1 {
            now.peak_in_flight
        } else {
            0
        },
    }
}

fn counters(stats: &Stats) -> HostCounters {
    HostCounters {
        requests: stats.requests,
        connections: stats.connections,
        bytes_sent: stats.bytes_sent,
        peak_in_flight: stats.peak_in_flight,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_hosts_add_up_and_keep_their_own_counts() {
        let host = |requests, peak| HostCounters {
            requests,
            connections: 1,
            bytes_sent: 10,
            peak_in_flight: peak,
        };
        let total = ServerCounters::of_hosts(vec![host(3, 2), host(5, 4)], 5);
        assert_eq!(
            (total.requests, total.connections, total.bytes_sent),
            (8, 2, 20)
        );
        assert_eq!(total.peak_in_flight, 5, "the peak at once, not the sum");
        assert_eq!(total.hosts.len(), 2);
    }

    #[test]
    fn an_in_process_server_serves_every_host_of_the_workload() {
        use std::time::Duration;
        let workload = Workload::seed().with_jobs(4).with_hosts(vec![
            crate::workload::Host::latency(Duration::ZERO),
            crate::workload::Host::latency(Duration::from_millis(1)),
        ]);
        let corpus = Corpus::generate(&workload.corpus_spec());
        let mut served =
            Served::start(&ServerSource::InProcess, &workload, &corpus, &mut drop).unwrap();
        assert_eq!(served.mode(), ServerMode::InProcess);
        let urls = served.base_urls().to_vec();
        assert_eq!(urls.len(), 2);
        assert!(urls[0].starts_with("http://127.0.0.1:"), "{urls:?}");
        assert!(urls[1].starts_with("http://127.0.0.2:"), "{urls:?}");
        served.before_run();
        let counts = served.after_run().unwrap();
        assert_eq!(counts.hosts, vec![HostCounters::default(); 2]);
    }
}
