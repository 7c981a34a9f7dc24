//! The per-request entry point: count, delay, route, respond.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use http::header::{CONNECTION, HOST, HeaderValue, IF_RANGE, RANGE};
use http::{Method, Request, Version};
use hyper::body::Incoming;

use crate::config::ServerConfig;
use crate::conn::ConnCtl;
use crate::corpus::CorpusFile;
use crate::inject;
use crate::prng::{mix, pseudo_random_bytes};
use crate::responder::{Reply, Responder};
use crate::routes;
use crate::stats::{Counters, FlightGuard};
use crate::wire::Network;

/// State shared by every connection of one server.
pub(crate) struct Shared {
    /// What to serve and how.
    pub config: ServerConfig,
    /// The live counters.
    pub counters: Arc<Counters>,
    /// The model's clock and bottleneck, when the model is on.
    pub network: Option<Arc<Network>>,
    /// The TLS acceptor, when TLS is on.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// Files whose content was changed since start, with their version.
    pub changed: Mutex<HashMap<String, (CorpusFile, u64)>>,
}

impl Shared {
    /// The file served as `name` now, and its content version (0 as generated).
    pub(crate) fn file(&self, name: &str) -> Option<(CorpusFile, u64)> {
        let changed = self.changed.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = changed.get(name) {
            return Some(f.clone());
        }
        self.config.corpus.get(name).map(|f| (f.clone(), 0))
    }

    /// Gives `name` new bytes of the same length (a new ETag and
    /// Last-Modified); returns the new file, or `None` if there is no such file.
    pub(crate) fn change_content(&self, name: &str) -> Option<CorpusFile> {
        let (file, version) = self.file(name)?;
        let version = version + 1;
        let name_hash = name.bytes().fold(0u64, |h, b| mix(h ^ u64::from(b)));
        let seed = self.config.seed ^ mix(version) ^ name_hash;
        let new = if file.is_streamed() {
            CorpusFile::streamed(name, seed, file.len())
        } else {
            CorpusFile::new(name, pseudo_random_bytes(seed, file.body.len()))
        };
        let mut changed = self.changed.lock().unwrap_or_else(|e| e.into_inner());
        changed.insert(name.to_owned(), (new.clone(), version));
        Some(new)
    }
}

/// Handles one request: counts it, holds it in flight, waits the drawn
/// latency, then answers its route.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    ctl: Arc<ConnCtl>,
    req: Request<Incoming>,
) -> Result<Reply, Infallible> {
    let path = req.uri().path().to_owned();
    let ticket = shared.counters.on_request(&path);
    if req.version() == Version::HTTP_2 {
        shared.counters.on_h2_stream();
    }
    let guard = FlightGuard::enter_on(
        &shared.counters,
        Some(Arc::clone(&ctl.in_flight)),
        ctl.release.clone(),
    );
    let draw = inject::draw(&shared.config, ticket.sequence);
    let host = host(&req, &ctl);
    // Said aloud, as nginx does: some clients (wget2) close an HTTP/1.1
    // connection whose response does not say `keep-alive`.
    let keep_alive = req.version() == Version::HTTP_11
        && !req.headers().get_all(CONNECTION).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.to_ascii_lowercase().contains("close"))
        });
    let responder = Responder {
        head: req.method() == Method::HEAD,
        post: req.method() == Method::POST,
        range: req
            .headers()
            .get(RANGE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        if_range: req
            .headers()
            .get(IF_RANGE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        query: req.uri().query().map(str::to_owned),
        host,
        path,
        guard: Some(guard),
        shared,
        ctl,
    };
    drop(req);
    let route = routes::parse(&responder.path);
    // The counters answer at once: a harness reads them between runs (one
    // request per host), and the server's think time would only slow it.
    if !draw.delay.is_zero() && route != routes::Route::Stats {
        tokio::time::sleep(draw.delay).await;
    }
    let mut reply = responder.respond(route, draw, ticket).await;
    if keep_alive {
        reply
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("keep-alive"));
    }
    Ok(reply)
}

/// `host[:port]` for absolute URLs: the request's authority or `Host`
/// header when it looks sane, else the connection's local address.
fn host(req: &Request<Incoming>, ctl: &ConnCtl) -> String {
    let given = req
        .uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| {
            req.headers()
                .get(HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
        });
    match given {
        Some(h) if is_sane_host(&h) => h,
        _ => ctl.local_addr.to_string(),
    }
}

fn is_sane_host(h: &str) -> bool {
    !h.is_empty()
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_sanity() {
        assert!(is_sane_host("127.0.0.1:8080"));
        assert!(is_sane_host("[::1]:80"));
        assert!(is_sane_host("localhost"));
        assert!(!is_sane_host("evil.com/path"));
        assert!(!is_sane_host("a b"));
        assert!(!is_sane_host(""));
    }
}
