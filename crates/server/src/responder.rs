//! The [`Responder`] of one request and its low-level reply builders:
//! status + headers + payload, `HEAD` handling, takeovers.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue, RETRY_AFTER};
use http::{Response, StatusCode};

use crate::body::ResponseBody;
use crate::conn::{ConnCtl, Ending, Takeover};
use crate::pace::{Pace, Source};
use crate::service::Shared;
use crate::stats::{Counters, FlightGuard};

/// The response type of every request.
pub(crate) type Reply = Response<ResponseBody>;

/// What follows a response head.
pub(crate) enum Payload {
    /// Nothing.
    None,
    /// A buffer, sent at the configured bandwidth.
    Bytes(Bytes),
    /// A stream at `pace`; `known_len` sends `Content-Length`, else chunked.
    Stream {
        /// The bytes.
        source: Source,
        /// How fast.
        pace: Pace,
        /// Whether to announce the length.
        known_len: bool,
    },
}

/// Everything a handler needs to answer one request.
pub(crate) struct Responder {
    pub shared: Arc<Shared>,
    pub ctl: Arc<ConnCtl>,
    /// `HEAD` request: heads only.
    pub head: bool,
    /// `POST` request (control routes only).
    pub post: bool,
    /// The `Range` header, if any.
    pub range: Option<String>,
    /// The `If-Range` header, if any.
    pub if_range: Option<String>,
    /// `host[:port]` for absolute URLs.
    pub host: String,
    /// The request path (no query).
    pub path: String,
    /// The query string, if any.
    pub query: Option<String>,
    /// The in-flight guard, handed to the body (or a takeover).
    pub guard: Option<FlightGuard>,
}

impl Responder {
    /// `https` on a TLS connection, else `http`.
    pub(crate) fn scheme(&self) -> &'static str {
        if self.ctl.tls { "https" } else { "http" }
    }

    pub(crate) fn counters(&self) -> Arc<Counters> {
        Arc::clone(&self.shared.counters)
    }

    /// A response with `status`, `headers` and `payload`; `Content-Length`
    /// is set for every payload of known length (also for `HEAD`).
    pub(crate) fn reply(
        &mut self,
        status: u16,
        headers: &[(HeaderName, String)],
        payload: Payload,
    ) -> Reply {
        let bandwidth = Pace::from_bandwidth(self.shared.config.bandwidth);
        let length = match &payload {
            Payload::None => None,
            Payload::Bytes(b) => Some(b.len() as u64),
            Payload::Stream {
                source, known_len, ..
            } => known_len.then(|| source.len()),
        };
        let (counters, guard) = (self.counters(), self.guard.take());
        let body = match payload {
            _ if self.head => ResponseBody::empty(counters, guard),
            Payload::None => ResponseBody::empty(counters, guard),
            Payload::Bytes(b) if bandwidth == Pace::Unlimited => {
                ResponseBody::full(b, counters, guard)
            }
            Payload::Bytes(b) => {
                ResponseBody::stream(Source::Bytes(b), bandwidth, true, counters, guard)
            }
            Payload::Stream {
                source,
                pace,
                known_len,
            } => ResponseBody::stream(source, pace, known_len, counters, guard),
        };
        let mut response = Response::new(body);
        *response.status_mut() =
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let map = response.headers_mut();
        for (name, value) in headers {
            // Values are built here from safe parts; an invalid one is dropped.
            if let Ok(value) = HeaderValue::from_str(value) {
                map.insert(name.clone(), value);
            }
        }
        if let Some(len) = length {
            map.insert(CONTENT_LENGTH, HeaderValue::from(len));
        }
        response
    }

    /// A `text/plain` response.
    pub(crate) fn text(
        &mut self,
        status: u16,
        text: String,
        extra: &[(HeaderName, String)],
    ) -> Reply {
        let mut headers = vec![(CONTENT_TYPE, "text/plain; charset=utf-8".to_owned())];
        headers.extend_from_slice(extra);
        self.reply(status, &headers, Payload::Bytes(Bytes::from(text)))
    }

    /// An error status with a short text body; `Retry-After` (seconds) when given.
    pub(crate) fn error(&mut self, status: u16, retry_after: Option<u64>) -> Reply {
        let extra: Vec<(HeaderName, String)> = retry_after
            .map(|s| (RETRY_AFTER, s.to_string()))
            .into_iter()
            .collect();
        let reason = StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        self.text(status, format!("{status} {reason}\n"), &extra)
    }

    /// The configured `Retry-After` for `status` (429 and 503 only).
    pub(crate) fn configured_retry_after(&self, status: u16) -> Option<u64> {
        let wanted = matches!(status, 429 | 503);
        self.shared
            .config
            .retry_after
            .filter(|_| wanted)
            .map(whole_seconds)
    }

    /// Arms a takeover with `bytes` (of which `body_bytes` count as body)
    /// and returns the dummy response hyper will try to write.
    pub(crate) fn takeover(&mut self, bytes: Bytes, body_bytes: usize, ending: Ending) -> Reply {
        self.shared.counters.add_bytes(body_bytes);
        self.ctl.arm(Takeover {
            bytes,
            ending,
            guard: self.guard.take(),
        });
        Response::new(ResponseBody::empty(self.counters(), None))
    }
}

/// A duration in whole seconds, rounded up (a client waits at least that long).
pub(crate) fn whole_seconds(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// The `Content-Type` for a file name, from its extension.
pub(crate) fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("svg") => "image/svg+xml",
        Some("txt" | "csv" | "md") => "text/plain; charset=utf-8",
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("json") => "application/json",
        Some("pdf") => "application/pdf",
        Some("zip") => "application/zip",
        Some("gz") => "application/gzip",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_up() {
        assert_eq!(whole_seconds(Duration::from_secs(2)), 2);
        assert_eq!(whole_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::ZERO), 0);
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("zzpic23110_s.jpg"), "image/jpeg");
        assert_eq!(content_type("file00001.bin"), "application/octet-stream");
        assert_eq!(content_type("README.TXT"), "text/plain; charset=utf-8");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }
}
