//! The server a measurement runs against: `fetchlab serve` in a child
//! process when a binary is available, the in-process [`TestServer`]
//! otherwise, and the counters of one run from either.

use std::path::PathBuf;

use fetchlab_server::{Corpus, Stats, TestServer};

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

/// What the server counted during one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ServerCounters {
    /// Requests received.
    pub requests: u64,
    /// TCP connections accepted.
    pub connections: u64,
    /// Body bytes written.
    pub bytes_sent: u64,
    /// Most requests in flight at once. With a child server this is the peak
    /// since the server started (it is restarted for every strategy).
    pub peak_in_flight: u64,
}

enum Kind {
    Child {
        server: ChildServer,
        last: Stats,
        last_body: u64,
    },
    InProcess(TestServer),
}

/// A running server for one (point, strategy).
pub struct Served {
    kind: Kind,
    base_url: String,
}

impl Served {
    /// Starts a server for `workload` over `corpus` (a child is handed the
    /// corpus's spec and generates the same files). Checks
    /// the open-files limit for the mode it ends up in. A child that does not
    /// start is reported through `note` and replaced by an in-process server.
    pub fn start(
        source: &ServerSource,
        workload: &Workload,
        corpus: &Corpus,
        note: &mut dyn FnMut(String),
    ) -> Result<Served, HarnessError> {
        // A run never has more requests in flight than jobs.
        let in_flight = workload.concurrency.min(workload.jobs);
        if let ServerSource::Child(exe) = source {
            fdlimit::ensure(in_flight as u64, PER_DOWNLOAD_IN_MEMORY)?;
            match ChildServer::spawn(exe, &workload.server_config(corpus.clone())) {
                Ok(server) => return Self::from_child(server),
                Err(e) => note(format!(
                    "{e}; using an in-process server instead (its CPU and memory count as the client's)"
                )),
            }
        }
        // The server's end of every connection is in this process too.
        fdlimit::ensure(in_flight as u64, 2 * PER_DOWNLOAD_IN_MEMORY)?;
        let server = TestServer::start(workload.server_config(corpus.clone()))
            .map_err(|e| HarnessError::Server(format!("cannot start: {e}")))?;
        Ok(Served {
            base_url: server.base_url(),
            kind: Kind::InProcess(server),
        })
    }

    fn from_child(server: ChildServer) -> Result<Served, HarnessError> {
        let (last, last_body) = server.stats()?;
        Ok(Served {
            base_url: server.base_url().to_owned(),
            kind: Kind::Child {
                server,
                last,
                last_body,
            },
        })
    }

    /// Where it runs.
    pub fn mode(&self) -> ServerMode {
        match self.kind {
            Kind::Child { .. } => ServerMode::Child,
            Kind::InProcess(_) => ServerMode::InProcess,
        }
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
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
        if let Kind::InProcess(server) = &self.kind {
            server.reset_stats();
        }
    }

    /// The counters of the run since [`Served::before_run`].
    pub fn after_run(&mut self) -> Result<ServerCounters, HarnessError> {
        match &mut self.kind {
            Kind::InProcess(server) => Ok(counters(&server.stats())),
            Kind::Child {
                server,
                last,
                last_body,
            } => {
                let (now, body) = server.stats()?;
                // The stats request just made is counted (one request on one
                // connection); the body of the previous one was sent after
                // its snapshot. Neither belongs to the run.
                let run = ServerCounters {
                    requests: now.requests.saturating_sub(last.requests + 1),
                    connections: now.connections.saturating_sub(last.connections + 1),
                    bytes_sent: now.bytes_sent.saturating_sub(last.bytes_sent + *last_body),
                    // The stats request is in flight while it reads the
                    // peak, so a run without requests still shows 1.
                    peak_in_flight: if now.requests > last.requests + 1 {
                        now.peak_in_flight
                    } else {
                        0
                    },
                };
                (*last, *last_body) = (now, body);
                Ok(run)
            }
        }
    }
}

fn counters(stats: &Stats) -> ServerCounters {
    ServerCounters {
        requests: stats.requests,
        connections: stats.connections,
        bytes_sent: stats.bytes_sent,
        peak_in_flight: stats.peak_in_flight,
    }
}
