//! The strategies a user can pick by name. The list and how each backend is
//! built belong to the strategy registry ([`fetchlab_strategies::Strategy`]);
//! this clap enum only adds the command-line spelling and the help text.

use clap::ValueEnum;
use fetchlab_strategies::{Programs, Strategy};

/// A download strategy, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyName {
    /// One request at a time (ureq): the baseline.
    Sequential,
    /// A pool of OS threads, one blocking request each (ureq).
    Threads,
    /// A sized rayon pool of blocking requests (ureq).
    Rayon,
    /// Async tasks on one current-thread tokio runtime per core (reqwest).
    Tokio,
    /// Async tasks on one tokio runtime over HTTP/2, one multiplexed
    /// connection (reqwest).
    TokioH2,
    /// Async tasks on async-std (surf).
    AsyncStd,
    /// Child fetchlab processes, one shard of the list each, running the
    /// thread pool (ureq).
    Processes,
}

/// The programs a strategy may start: this very executable, for the
/// `processes` strategy's children (none when the system cannot say
/// where it is; `processes` then refuses to build, saying so).
pub fn programs() -> Programs {
    std::env::current_exe()
        .map(Programs::fetchlab)
        .unwrap_or_default()
}

impl StrategyName {
    /// The registry's strategy of this name.
    pub fn strategy(self) -> Strategy {
        match self {
            Self::Sequential => Strategy::Sequential,
            Self::Threads => Strategy::Threads,
            Self::Rayon => Strategy::Rayon,
            Self::Tokio => Strategy::Tokio,
            Self::TokioH2 => Strategy::TokioH2,
            Self::AsyncStd => Strategy::AsyncStd,
            Self::Processes => Strategy::Processes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_agree_with_the_registry() {
        for name in StrategyName::value_variants() {
            let spelled = name.to_possible_value().map(|v| v.get_name().to_owned());
            assert_eq!(spelled.as_deref(), Some(name.strategy().name()));
        }
        assert_eq!(StrategyName::value_variants().len(), Strategy::ALL.len());
    }
}
