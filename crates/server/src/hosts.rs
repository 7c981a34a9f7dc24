//! [`Hosts`]: several [`TestServer`]s in one process, one per loopback
//! address (`127.0.0.1`, `127.0.0.2`, …), each with its own configuration
//! (latency, network, faults) and its own counters, so one URL list can
//! span hosts and a test can read the peak in flight per host — and, the
//! same on every host, the peak across all of them
//! ([`Stats::hosts_peak_in_flight`]).

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use crate::config::ServerConfig;
use crate::server::TestServer;
use crate::stats::{Gauge, Stats};

/// Several hosts, served at once; dropping it stops them all.
#[derive(Debug)]
pub struct Hosts {
    servers: Vec<TestServer>,
}

impl Hosts {
    /// The loopback address of host `index`: `127.0.0.(index + 1)`.
    /// Fails past `127.0.0.254`.
    pub fn address(index: usize) -> io::Result<IpAddr> {
        u8::try_from(index + 1)
            .ok()
            .filter(|&last| last < 255)
            .map(|last| IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "at most 254 loopback hosts")
            })
    }

    /// Starts one host per configuration, host `i` at [`Hosts::address`]`(i)`
    /// on `port` (0: a free port each). Their requests in flight are also
    /// counted together ([`Stats::hosts_peak_in_flight`]).
    pub fn start(configs: Vec<ServerConfig>, port: u16) -> io::Result<Hosts> {
        let gauge = Arc::new(Gauge::default());
        let servers = configs
            .into_iter()
            .enumerate()
            .map(|(i, config)| {
                let addr = SocketAddr::new(Self::address(i)?, port);
                TestServer::bind_in_group(addr, config, Arc::clone(&gauge))
            })
            .collect::<io::Result<Vec<_>>>()?;
        Ok(Hosts { servers })
    }

    /// The hosts, in order.
    pub fn servers(&self) -> &[TestServer] {
        &self.servers
    }

    /// Every host's counters, in order (`peak_in_flight` is the peak per
    /// host, `hosts_peak_in_flight` the peak across them all).
    pub fn stats(&self) -> Vec<Stats> {
        self.servers.iter().map(TestServer::stats).collect()
    }

    /// Every corpus file's URL on every host, host by host.
    pub fn urls(&self) -> Vec<String> {
        self.servers
            .iter()
            .flat_map(|s| s.corpus().names().into_iter().map(|n| s.url(&n)))
            .collect()
    }

    /// Stops every host once the caller is done (through their stop handles).
    pub fn wait(self) {
        for server in self.servers {
            server.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_distinct_loopback_addresses() {
        assert_eq!(Hosts::address(0).unwrap().to_string(), "127.0.0.1");
        assert_eq!(Hosts::address(7).unwrap().to_string(), "127.0.0.8");
        assert!(Hosts::address(254).is_err());
    }
}
