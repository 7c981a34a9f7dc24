//! The per-request random draw: jitter, injected error, injected fault.
//!
//! Each request's draw comes from its own generator, seeded with the
//! configured seed mixed with the request's sequence number, so the same
//! config and the same request order give the same injections.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::ServerConfig;
use crate::fault::Fault;
use crate::prng::mix;

/// What happens to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Draw {
    /// Latency plus jitter, before the response head.
    pub delay: Duration,
    /// An error status to answer with (corpus requests only).
    pub error: Option<u16>,
    /// A fault to inject (corpus requests only; never with an error).
    pub fault: Option<Fault>,
}

/// The draw for the request numbered `sequence`.
pub(crate) fn draw(config: &ServerConfig, sequence: u64) -> Draw {
    let mut rng = StdRng::seed_from_u64(config.seed ^ mix(sequence.wrapping_add(1)));
    let jitter_nanos = u64::try_from(config.jitter.as_nanos()).unwrap_or(u64::MAX);
    let jitter = Duration::from_nanos(rng.random_range(0..=jitter_nanos));
    // Draw everything every time, so one setting never shifts another's sequence.
    let (error_roll, fault_roll): (f64, f64) = (rng.random(), rng.random());
    let (error_pick, fault_pick): (u32, u32) = (rng.random(), rng.random());
    let error = (error_roll < config.error_rate)
        .then(|| pick(&config.error_statuses, error_pick))
        .flatten();
    let fault = (error.is_none() && fault_roll < config.fault_rate)
        .then(|| pick(&config.faults, fault_pick))
        .flatten();
    Draw {
        delay: config.latency.saturating_add(jitter),
        error,
        fault,
    }
}

fn pick<T: Copy>(items: &[T], roll: u32) -> Option<T> {
    (!items.is_empty()).then(|| items[roll as usize % items.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ServerConfig {
        ServerConfig::default()
            .with_latency(Duration::from_millis(100))
            .with_jitter(Duration::from_millis(50))
            .with_error_rate(0.25)
            .with_fault_rate(0.25)
    }

    #[test]
    fn same_seed_same_sequence() {
        let (config, other) = (config(), config().with_seed(1));
        let a: Vec<Draw> = (0..200).map(|i| draw(&config, i)).collect();
        let b: Vec<Draw> = (0..200).map(|i| draw(&config, i)).collect();
        assert_eq!(a, b);
        let c: Vec<Draw> = (0..200).map(|i| draw(&other, i)).collect();
        assert_ne!(a, c);
    }

    #[test]
    fn rates_and_bounds_are_respected() {
        let config = config();
        let draws: Vec<Draw> = (0..4000).map(|i| draw(&config, i)).collect();
        assert!(
            draws
                .iter()
                .all(|d| (100..=150).contains(&d.delay.as_millis()))
        );
        let errors = draws.iter().filter(|d| d.error.is_some()).count();
        let faults = draws.iter().filter(|d| d.fault.is_some()).count();
        // 25 % errors; 25 % of the remaining 75 % faulted: generous bounds.
        assert!((800..1200).contains(&errors), "{errors}");
        assert!((550..950).contains(&faults), "{faults}");
        assert!(
            draws
                .iter()
                .flat_map(|d| d.error)
                .all(|s| s == 500 || s == 503)
        );
        assert!(draws.iter().all(|d| d.error.is_none() || d.fault.is_none()));
    }

    #[test]
    fn zero_rates_inject_nothing() {
        let plain = ServerConfig::default();
        assert!((0..1000).map(|i| draw(&plain, i)).all(|d| d
            == Draw {
                delay: Duration::ZERO,
                error: None,
                fault: None
            }));
    }
}
