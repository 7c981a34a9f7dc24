//! Routes → responses: files (ranged, chunked, range-blind), statuses,
//! flaky paths, redirects, the index and the stats.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{
    ACCEPT_RANGES, CONTENT_RANGE, CONTENT_TYPE, ETAG, HeaderName, LAST_MODIFIED, LOCATION,
};

use crate::corpus::CorpusFile;
use crate::inject::Draw;
use crate::pace::Pace;
use crate::range::{self, RangeReply};
use crate::responder::{Payload, Reply, Responder, content_type};
use crate::routes::{Route, encode};
use crate::stats::Ticket;

/// How a file is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileMode {
    /// `Content-Length`, `Range` honoured.
    Ranged,
    /// `Content-Length`, `Range` ignored.
    NoRange,
    /// Chunked, no `Content-Length`, `Range` ignored.
    Chunked,
}

impl Responder {
    /// Answers `route`; `draw` holds the random injections (used on corpus
    /// paths only), `ticket` the request's numbers.
    pub(crate) async fn respond(mut self, route: Route, draw: Draw, ticket: Ticket) -> Reply {
        let shared = std::sync::Arc::clone(&self.shared);
        let file = |name: &str| shared.file(name);
        match route {
            Route::File(name) => match (file(&name), draw.error, draw.fault) {
                (None, ..) => self.not_found(),
                (Some(_), Some(status), _) => {
                    let retry_after = self.configured_retry_after(status);
                    self.error(status, retry_after)
                }
                (Some((f, _)), None, Some(fault)) => self.fault(fault, &f).await,
                (Some(f), None, None) => self.file(&f, FileMode::Ranged),
            },
            Route::Index => self.index(),
            Route::Stats => self.stats(),
            Route::Status(status) => self.status(status),
            Route::Flaky(failures, name) => match file(&name) {
                None => self.not_found(),
                Some(_) if ticket.path_count <= failures => {
                    let retry_after = self.configured_retry_after(503);
                    self.error(503, retry_after)
                }
                Some(f) => self.file(&f, FileMode::Ranged),
            },
            Route::Fault(fault, name) => match file(&name) {
                None => self.not_found(),
                Some((f, _)) => self.fault(fault, &f).await,
            },
            Route::Redirect(hops, name) => match file(&name) {
                None => self.not_found(),
                Some(f) if hops == 0 => self.file(&f, FileMode::Ranged),
                Some((f, _)) if hops == 1 => self.redirect(format!("/{}", encode(&f.name))),
                Some((f, _)) => {
                    self.redirect(format!("/redirect/{}/{}", hops - 1, encode(&f.name)))
                }
            },
            Route::NoLength(name) => match file(&name) {
                None => self.not_found(),
                Some(f) => self.file(&f, FileMode::Chunked),
            },
            Route::NoRange(name) => match file(&name) {
                None => self.not_found(),
                Some(f) => self.file(&f, FileMode::NoRange),
            },
            Route::Change(name) if self.post => match self.shared.change_content(&name) {
                None => self.not_found(),
                Some(f) => self.text(200, format!("{}\n", f.sha256), &[]),
            },
            Route::Change(_) => self.text(405, "405 Method Not Allowed: POST only\n".into(), &[]),
            Route::BadRequest(why) => self.text(400, format!("{why}\n"), &[]),
            Route::NotFound => self.not_found(),
        }
    }

    /// Serves `file` (at content `version`) in `mode`, at the configured
    /// bandwidth, with its validators.
    pub(crate) fn file(&mut self, (file, version): &(CorpusFile, u64), mode: FileMode) -> Reply {
        let len = file.len();
        let (etag, modified) = validators(file, *version);
        let mut headers = vec![
            (CONTENT_TYPE, content_type(&file.name).to_owned()),
            (ETAG, etag.clone()),
            (LAST_MODIFIED, modified.clone()),
        ];
        let range = match mode {
            FileMode::Ranged => {
                headers.push((ACCEPT_RANGES, "bytes".to_owned()));
                let current = match self.if_range.as_deref().map(str::trim) {
                    None => true,
                    // A strong comparison: a weak tag never matches.
                    Some(v) if v.starts_with('"') => v == etag,
                    Some(v) => v == modified,
                };
                let range = if current { self.range.as_deref() } else { None };
                range::resolve(range, len)
            }
            FileMode::NoRange | FileMode::Chunked => RangeReply::Full,
        };
        let (status, start, count) = match range {
            RangeReply::Full => (200, 0, len),
            RangeReply::Partial { start, end } => {
                headers.push((CONTENT_RANGE, format!("bytes {start}-{end}/{len}")));
                (206, start, end - start + 1)
            }
            RangeReply::Unsatisfiable => {
                headers.push((CONTENT_RANGE, format!("bytes */{len}")));
                return self.text(416, "416 Range Not Satisfiable\n".to_owned(), &headers[1..]);
            }
        };
        let payload = match (mode, file.is_streamed()) {
            (FileMode::Ranged | FileMode::NoRange, false) => {
                Payload::Bytes(file.bytes(start, count))
            }
            (mode, _) => Payload::Stream {
                source: file.source(start, count),
                pace: Pace::from_bandwidth(self.shared.config.bandwidth),
                known_len: mode != FileMode::Chunked,
            },
        };
        self.reply(status, &headers, payload)
    }

    /// `/status/<code>/…`: always `status`; `?retry-after=S` overrides the
    /// configured `Retry-After` (and is sent with any status).
    fn status(&mut self, status: u16) -> Reply {
        let retry_after = query_param(self.query.as_deref(), "retry-after")
            .and_then(|s| s.parse().ok())
            .or_else(|| self.configured_retry_after(status));
        if matches!(status, 204 | 304) {
            let headers: Vec<(HeaderName, String)> = retry_after
                .map(|s| (http::header::RETRY_AFTER, s.to_string()))
                .into_iter()
                .collect();
            return self.reply(status, &headers, Payload::None);
        }
        self.error(status, retry_after)
    }

    /// A 302 to `path` on this server (absolute URL).
    pub(crate) fn redirect(&mut self, path: String) -> Reply {
        let location = format!("{}://{}{}", self.scheme(), self.host, path);
        self.redirect_to(location)
    }

    /// A 302 to `location`, verbatim.
    pub(crate) fn redirect_to(&mut self, location: String) -> Reply {
        let body = format!("302 Found: {location}\n");
        self.text(302, body, &[(LOCATION, location)])
    }

    fn not_found(&mut self) -> Reply {
        let body = format!("404 Not Found: {}\n", self.path);
        self.text(404, body, &[])
    }

    fn index(&mut self) -> Reply {
        let base = format!("{}://{}/", self.scheme(), self.host);
        let mut lines = String::new();
        for url in self.shared.config.corpus.urls(&base) {
            lines.push_str(&url);
            lines.push('\n');
        }
        self.text(200, lines, &[])
    }

    fn stats(&mut self) -> Reply {
        let json = serde_json::to_string(&self.shared.counters.snapshot()).unwrap_or_default();
        let headers = [(CONTENT_TYPE, "application/json".to_owned())];
        self.reply(200, &headers, Payload::Bytes(Bytes::from(json)))
    }
}

/// The date every file's `Last-Modified` starts from (2026-01-01T00:00:00Z);
/// each content change adds a second.
const FIRST_MODIFIED: Duration = Duration::from_secs(1_767_225_600);

/// A file's strong `ETag` (from its SHA-256) and `Last-Modified`.
pub(crate) fn validators(file: &CorpusFile, version: u64) -> (String, String) {
    let etag = format!("\"{}\"", &file.sha256[..32.min(file.sha256.len())]);
    let when = SystemTime::UNIX_EPOCH + FIRST_MODIFIED + Duration::from_secs(version);
    (etag, httpdate::fmt_http_date(when))
}

/// The value of `name` in a query string (`a=1&b=2`), if present.
fn query_param<'q>(query: Option<&'q str>, name: &str) -> Option<&'q str> {
    query?.split('&').find_map(|pair| {
        pair.split_once('=')
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params() {
        assert_eq!(query_param(Some("retry-after=3"), "retry-after"), Some("3"));
        assert_eq!(
            query_param(Some("a=1&retry-after=7"), "retry-after"),
            Some("7")
        );
        assert_eq!(query_param(Some("a=1"), "retry-after"), None);
        assert_eq!(query_param(None, "retry-after"), None);
    }
}
