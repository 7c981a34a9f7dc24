//! The network-model options, shared by `fetchlab serve` and
//! `fetchlab compare`: one spelling for `--rtt`, `--bottleneck`, `--loss`.

use clap::Args;
use fetchlab_server::NetworkModel;
use humantime::Duration;

/// The server's modelled network between it and its clients.
#[derive(Debug, Clone, Args)]
pub struct NetworkArgs {
    /// Model a network of this round-trip time, for every client: a TCP
    /// handshake round trip on a new connection, one round trip per
    /// request, bodies in slow-start flights (10 × 1448 B, doubling per
    /// round trip); 0s is plain loopback.
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub rtt: Duration,

    /// A bottleneck of this many bytes per second shared by all
    /// connections (part of the network model).
    #[arg(long, value_name = "SIZE", value_parser = super::parse_bytes)]
    pub bottleneck: Option<u64>,

    /// Share of 1448-byte segments lost (part of the network model): each
    /// loss costs a round trip and halves the window; a lost tail an RTO.
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = super::parse_rate)]
    pub loss: f64,
}

impl NetworkArgs {
    /// The model these options describe.
    pub fn model(&self) -> NetworkModel {
        NetworkModel {
            rtt: *self.rtt,
            bottleneck: self.bottleneck,
            loss: self.loss,
        }
    }
}
