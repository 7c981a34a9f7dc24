//! Name resolution for the agent without a thread per request.
//!
//! ureq resolves the URL's host before every request, pooled connection or
//! not, and its [`DefaultResolver`] runs the look-up on a new OS thread
//! whenever a timeout applies (to abandon a slow `getaddrinfo`). The agent
//! always has one (`timeout_global`), so every request started a thread:
//! 1,000 files cost 1,000 `clone3`. [`Resolver`] avoids that:
//!
//! - a host that is an IP literal (`127.0.0.1`, `[::1]`) is its own
//!   address: no look-up, no thread;
//! - a name is looked up with [`DefaultResolver`] (one thread, bounded by
//!   the timeout) and its addresses are reused for [`NAME_TTL`], so a run
//!   starts at most one look-up thread per name per [`NAME_TTL`] (plus
//!   one per worker that misses the same name at the same moment).
//!
//! The agent's IP family setting is applied to literals as ureq applies
//! it to looked-up addresses.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::Error;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{self, DefaultResolver, ResolvedSocketAddrs};
use ureq::unversioned::transport::NextTimeout;

/// How long the addresses of a looked-up name are reused.
pub const NAME_TTL: Duration = Duration::from_secs(30);

/// Most names remembered at once; past it the memory is cleared (a URL
/// list over more distinct hosts than this looks each up again).
const MAX_NAMES: usize = 1024;

/// The agent's resolver: see the module docs.
#[derive(Debug, Default)]
pub(crate) struct Resolver {
    names: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
    lookup: DefaultResolver,
}

impl Resolver {
    /// `uri`'s address when its host is an IP literal, filtered by the
    /// agent's IP family (`Some(Err)` when the family excludes it).
    fn literal(&self, uri: &Uri, config: &Config) -> Option<Result<ResolvedSocketAddrs, Error>> {
        let host = uri.host()?;
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let ip: IpAddr = bare.parse().ok()?;
        let port = uri.port_u16().or_else(|| match uri.scheme_str()? {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        })?;
        let mut addrs = resolver::Resolver::empty(self);
        let wanted = std::iter::once(SocketAddr::new(ip, port));
        config
            .ip_family()
            .keep_wanted(wanted)
            .for_each(|a| addrs.push(a));
        Some(if addrs.is_empty() {
            Err(Error::HostNotFound)
        } else {
            Ok(addrs)
        })
    }
}

impl resolver::Resolver for Resolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, Error> {
        if let Some(addrs) = self.literal(uri, config) {
            return addrs;
        }
        let Some(key) = uri.authority().map(|a| a.as_str().to_owned()) else {
            return self.lookup.resolve(uri, config, timeout);
        };
        let fresh = |at: &Instant| at.elapsed() < NAME_TTL;
        if let Ok(names) = self.names.lock()
            && let Some((_, addrs)) = names.get(&key).filter(|(at, _)| fresh(at))
        {
            return Ok(addrs.clone());
        }
        let addrs = self.lookup.resolve(uri, config, timeout)?;
        if let Ok(mut names) = self.names.lock() {
            if names.len() >= MAX_NAMES {
                names.clear();
            }
            names.insert(key, (Instant::now(), addrs.clone()));
        }
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use resolver::Resolver as _;
    use ureq::config::IpFamily;

    /// A five-second resolve timeout, as the agent's global one gives.
    fn timeout() -> NextTimeout {
        NextTimeout {
            after: ureq::unversioned::transport::time::Duration::Exact(Duration::from_secs(5)),
            reason: ureq::Timeout::Resolve,
            ..NextTimeout::default()
        }
    }

    fn resolve(url: &str, config: &Config) -> Result<Vec<SocketAddr>, Error> {
        let uri: Uri = url.parse().expect("valid uri");
        let addrs = Resolver::default().resolve(&uri, config, timeout())?;
        Ok(addrs.iter().copied().collect())
    }

    #[test]
    fn ip_literals_are_their_own_address() {
        let config = Config::default();
        let v4: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let v6: SocketAddr = "[::1]:80".parse().unwrap();
        let v6_tls: SocketAddr = "[::1]:443".parse().unwrap();
        assert_eq!(resolve("http://127.0.0.1:8080/a", &config).unwrap(), [v4]);
        assert_eq!(resolve("http://[::1]/a", &config).unwrap(), [v6]);
        assert_eq!(resolve("https://[::1]/a", &config).unwrap(), [v6_tls]);
    }

    #[test]
    fn the_ip_family_applies_to_literals() {
        let v4_only = Config::builder().ip_family(IpFamily::Ipv4Only).build();
        assert!(matches!(
            resolve("http://[::1]:1/a", &v4_only),
            Err(Error::HostNotFound)
        ));
        assert!(resolve("http://127.0.0.1:1/a", &v4_only).is_ok());
    }

    #[test]
    fn names_are_looked_up_and_remembered() {
        let resolver = Resolver::default();
        let uri: Uri = "http://localhost:8080/a".parse().unwrap();
        let config = Config::default();
        let Ok(first) = resolver.resolve(&uri, &config, timeout()) else {
            eprintln!("skipped: this machine cannot resolve localhost");
            return;
        };
        assert!(
            first
                .iter()
                .all(|a| a.port() == 8080 && a.ip().is_loopback())
        );
        let names = resolver.names.lock().unwrap();
        assert!(names.contains_key("localhost:8080"), "remembered");
    }
}
