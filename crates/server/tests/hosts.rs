//! Several hosts in one process: distinct loopback addresses, each with its
//! own latency and its own counters.

mod common;

use std::time::{Duration, Instant};

use common::{agent, get};
use fetchlab_server::{Hosts, ServerConfig};

#[test]
fn each_host_has_its_address_latency_and_counters() {
    let configs: Vec<ServerConfig> = [0u64, 150]
        .into_iter()
        .map(|ms| ServerConfig::default().with_latency(Duration::from_millis(ms)))
        .collect();
    let hosts = Hosts::start(configs, 0).unwrap();
    let [fast, slow] = hosts.servers() else {
        panic!("two hosts")
    };
    assert!(fast.base_url().starts_with("http://127.0.0.1:"));
    assert!(slow.base_url().starts_with("http://127.0.0.2:"));
    let name = &fast.corpus().names()[0];
    let agent = agent();
    let start = Instant::now();
    assert_eq!(get(&agent, &slow.url(name)).status, 200);
    assert!(start.elapsed() >= Duration::from_millis(150));
    for _ in 0..3 {
        assert_eq!(get(&agent, &fast.url(name)).status, 200);
    }
    let stats = hosts.stats();
    assert_eq!((stats[0].requests, stats[1].requests), (3, 1));
    assert_eq!((stats[0].peak_in_flight, stats[1].peak_in_flight), (1, 1));
    assert_eq!(hosts.urls().len(), 160);
}

#[test]
fn the_hosts_count_their_requests_in_flight_together() {
    let latency = Duration::from_secs(2);
    let configs = vec![ServerConfig::default().with_latency(latency); 2];
    let hosts = Hosts::start(configs, 0).unwrap();
    let urls: Vec<String> = hosts
        .servers()
        .iter()
        .map(|s| s.url(&s.corpus().names()[0]))
        .collect();
    // One request on each host, both waiting out the same 2 s delay.
    std::thread::scope(|scope| {
        for url in &urls {
            scope.spawn(move || assert_eq!(get(&agent(), url).status, 200));
        }
    });
    let stats = hosts.stats();
    assert_eq!((stats[0].peak_in_flight, stats[1].peak_in_flight), (1, 1));
    assert_eq!(
        (stats[0].hosts_peak_in_flight, stats[1].hosts_peak_in_flight),
        (2, 2)
    );
    hosts.servers()[0].reset_stats();
    assert_eq!(hosts.stats()[1].hosts_peak_in_flight, 0, "reset together");
}
