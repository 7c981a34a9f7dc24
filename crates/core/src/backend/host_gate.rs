//! The per-host limit ([`crate::Settings::per_host`]): at most N requests
//! in flight to one host, beside the run's overall `concurrency`.
//!
//! A [`HostGate`] holds one counting semaphore per host (`host:port` of the
//! job's URL, the port filled in from the scheme). [`super::run_blocking`]
//! and [`super::run_async`] take a slot before each attempt and give it
//! back when the attempt ends, so a job waiting out a retry backoff holds
//! no slot. A redirect followed inside an attempt stays under the slot of
//! the job's own host.
//!
//! The semaphores are [`async_lock::Semaphore`]s, which serve both forms:
//! a thread waits with [`HostGate::enter_blocking`] (parked until a slot is
//! free), a task with [`HostGate::enter`] (a future woken by the release,
//! on any executor — core names no runtime). A gate lives for one run and
//! keeps one small entry per distinct host it has seen.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_lock::{Semaphore, SemaphoreGuardArc};
use url::Url;

use crate::job::Job;
use crate::settings::Settings;

/// How many connections to one host a run can use at once: the per-host
/// limit, else the concurrency. Backends size their client's pool of idle
/// connections per host with it.
pub fn connections_per_host(settings: &Settings) -> usize {
    settings.per_host().unwrap_or(settings.concurrency())
}

/// A slot taken from a [`HostGate`]; the host's slot is free again when it
/// is dropped.
#[derive(Debug)]
#[must_use = "the slot is given back when dropped"]
pub struct HostSlot {
    _guard: Option<SemaphoreGuardArc>,
}

/// Limits the requests in flight per host for one run. Shared by every
/// worker or task of the run.
#[derive(Debug, Default)]
pub struct HostGate {
    /// `None`: no per-host limit.
    limit: Option<usize>,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl HostGate {
    /// A gate letting at most `limit` requests to one host through at once
    /// (`None`: no limit, every `enter` returns at once).
    pub fn new(limit: Option<usize>) -> Self {
        Self {
            limit,
            hosts: Mutex::default(),
        }
    }

    /// The limit per host.
    pub fn limit(&self) -> Option<usize> {
        self.limit
    }

    /// Waits (parking this thread) until `job`'s host has a free slot.
    pub fn enter_blocking(&self, job: &Job) -> HostSlot {
        HostSlot {
            _guard: self.semaphore(job).map(|s| s.acquire_arc_blocking()),
        }
    }

    /// Waits until `job`'s host has a free slot.
    pub async fn enter(&self, job: &Job) -> HostSlot {
        let semaphore = self.semaphore(job);
        let guard = match semaphore {
            Some(semaphore) => Some(semaphore.acquire_arc().await),
            None => None,
        };
        HostSlot { _guard: guard }
    }

    fn semaphore(&self, job: &Job) -> Option<Arc<Semaphore>> {
        let limit = self.limit?;
        // A poisoned map is still a valid map: every insert completes.
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        let semaphore = hosts
            .entry(host_key(job.url()))
            .or_insert_with(|| Arc::new(Semaphore::new(limit)));
        Some(Arc::clone(semaphore))
    }
}

/// The host a job's requests count against: `host:port`, with the
/// scheme's default port when none is written. A URL that does not parse
/// (its attempt will fail anyway) counts as its own text.
pub fn host_key(url: &str) -> String {
    match Url::parse(url) {
        Ok(parsed) => match (parsed.host_str(), parsed.port_or_known_default()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            _ => url.to_owned(),
        },
        Err(_) => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn pools_follow_the_per_host_limit() {
        let settings = Settings::builder().concurrency(12).build().unwrap();
        assert_eq!(connections_per_host(&settings), 12);
        let settings = settings.to_builder().per_host(Some(2)).build().unwrap();
        assert_eq!(connections_per_host(&settings), 2);
    }

    #[test]
    fn hosts_are_keyed_by_host_and_port() {
        assert_eq!(host_key("http://127.0.0.2:8080/a"), "127.0.0.2:8080");
        assert_eq!(host_key("http://example.invalid/a"), "example.invalid:80");
        assert_eq!(
            host_key("https://u:p@example.invalid/a"),
            "example.invalid:443"
        );
        assert_eq!(host_key("not a url"), "not a url");
    }

    #[test]
    fn no_more_than_the_limit_enter_one_host_and_others_are_not_held_up() {
        let gate = HostGate::new(Some(2));
        let a = Job::with_name("http://127.0.0.1:1/x", "x");
        let b = Job::with_name("http://127.0.0.2:1/y", "y");
        let inside = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..6 {
                scope.spawn(|| {
                    let _slot = gate.enter_blocking(&a);
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    inside.fetch_sub(1, Ordering::SeqCst);
                });
            }
            // Another host has its own slots, even while the first is full.
            let _first = gate.enter_blocking(&b);
            let _second = gate.enter_blocking(&b);
        });
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn without_a_limit_every_enter_returns_at_once() {
        let gate = HostGate::new(None);
        let job = Job::with_name("http://127.0.0.1:1/x", "x");
        let slots: Vec<HostSlot> = (0..100).map(|_| gate.enter_blocking(&job)).collect();
        assert_eq!(slots.len(), 100);
        assert!(gate.hosts.lock().unwrap().is_empty());
    }
}
