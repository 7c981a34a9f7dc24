//! The per-request entry point: count, delay, route, respond.

use std::convert::Infallible;
use std::sync::Arc;

use http::header::{HOST, RANGE};
use http::{Method, Request};
use hyper::body::Incoming;

use crate::config::ServerConfig;
use crate::conn::ConnCtl;
use crate::inject;
use crate::reply::{Reply, Responder};
use crate::routes;
use crate::stats::{Counters, FlightGuard};

/// State shared by every connection of one server.
pub(crate) struct Shared {
    /// What to serve and how.
    pub config: ServerConfig,
    /// The live counters.
    pub counters: Arc<Counters>,
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
    let guard = FlightGuard::enter(&shared.counters);
    let draw = inject::draw(&shared.config, ticket.sequence);
    let host = host(&req, &ctl);
    let responder = Responder {
        head: req.method() == Method::HEAD,
        range: req
            .headers()
            .get(RANGE)
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
    if !draw.delay.is_zero() {
        tokio::time::sleep(draw.delay).await;
    }
    let route = routes::parse(&responder.path);
    Ok(responder.respond(route, draw, ticket).await)
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
