//! The accept loop survives running out of file descriptors (EMFILE).
//! In its own test binary: it lowers the process-wide descriptor limit.
#![cfg(unix)]

mod common;

use std::net::TcpStream;
use std::time::Duration;

use common::raw_get;
use fetchlab_server::{ServerConfig, TestServer};

fn set_soft_limit(limit: libc::rlim_t) -> libc::rlimit {
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain libc calls with valid pointers to stack values.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut old), 0);
        let new = libc::rlimit {
            rlim_cur: limit.min(old.rlim_max),
            rlim_max: old.rlim_max,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &new), 0);
    }
    old
}

#[test]
fn accept_loop_survives_emfile() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let name = server.corpus().names()[0].clone();
    let old = set_soft_limit(96);
    // Fill the descriptor table with client sockets; the server, in the same
    // process, then cannot accept the connections the kernel has queued.
    let mut clients = Vec::new();
    while clients.len() < 200 {
        match TcpStream::connect(server.addr()) {
            Ok(s) => clients.push(s),
            Err(_) => break,
        }
    }
    assert!(clients.len() < 200, "the limit was not reached");
    std::thread::sleep(Duration::from_millis(300));
    drop(clients);
    let raw = raw_get(
        server.addr(),
        &format!("/{name}"),
        usize::MAX,
        Duration::from_secs(10),
    );
    // SAFETY: restores the limit read above.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &old) };
    let head = raw
        .head()
        .expect("a response after the descriptors came back");
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert!(server.stats().connections >= 2);
}
