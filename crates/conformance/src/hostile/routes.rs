//! The routes of the [`super::HostileServer`]: one misbehaviour each.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::OnceLock;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{Asked, Shared};

/// An endless route stops after this many bytes even if the client is
/// still reading: far more than any limit a client should apply, so a
/// client that reaches it never refused.
pub const ENDLESS_CAP: u64 = 256 << 20;

/// How large [`Route::Gzip`]'s body is once decoded (it is sent as about
/// 64 KiB of gzip).
pub const GZIP_DECODED_BYTES: usize = 64 << 20;

/// How long a stalling route holds the connection before giving up.
const HOLD: Duration = Duration::from_secs(20);

/// One misbehaviour. The URL of a route is `/<path>/<file name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `HTTP/1.1 200 OK\r\nX: aaaa…`, the header line never ending.
    EndlessHeadLine,
    /// `HTTP/1.1 200 OOOO…`, the status line never ending.
    EndlessStatusLine,
    /// 100,000 short headers (about 1.4 MB of head), then a 5-byte body.
    ManyHeaders,
    /// `HTTP/1.1 100 Continue` again and again, never a final status.
    ContinueFlood,
    /// Part of a head, then nothing (the connection stays open).
    StallInHead,
    /// A small gzip body (`Content-Encoding: gzip`) that decodes to
    /// [`GZIP_DECODED_BYTES`] bytes of zeros.
    Gzip,
    /// `Content-Length: 5` and `Content-Length: 7`, then 7 bytes.
    ConflictingLengths,
    /// `Content-Length: -1`.
    NegativeLength,
    /// `Content-Length: 99999999999999999999999` (more than 64 bits).
    HugeLength,
    /// `Content-Length: 3` together with `Transfer-Encoding: chunked`
    /// and a chunked body of 5 bytes, `hello`.
    LengthWithChunked,
    /// A chunked body that never ends.
    EndlessChunked,
    /// A body with no length that never ends (`Connection: close`).
    EndlessCloseDelimited,
    /// `206 Partial Content` to a request without `Range`.
    UnaskedPartial,
    /// Status 999.
    Status999,
    /// An HTTP/0.9 reply: a body and no status line.
    Http09,
    /// `204 No Content` with no length, the connection kept open.
    NoContent,
    /// `Content-Disposition: attachment; filename="../../<name>"` on a
    /// 5-byte body, `hello`.
    Disposition,
    /// A redirect to `file:///etc/passwd`.
    RedirectToFile,
    /// A redirect to `ftp://127.0.0.1/x`.
    RedirectToFtp,
    /// A redirect to [`Route::RedirectLoopB`], which redirects back here.
    RedirectLoopA,
    /// The other half of [`Route::RedirectLoopA`].
    RedirectLoopB,
    /// A redirect to `http://127.0.0.1:<port>/<file name>`: another port
    /// (another server), still `http`.
    RedirectToPort(u16),
    /// A plain 5-byte body, `hello`.
    Hello,
    /// Not hostile: [`validated_body`] with `ETag: `[`VALIDATED_ETAG`],
    /// honouring `Range` when `If-Range` is absent or matches (a `206`),
    /// else the whole body (a `200`), as RFC 9110 §13.1.5 says.
    Validated,
    /// [`validated_body`] with its `ETag`, ignoring `Range` (always `200`).
    ValidatedNoRange,
}

/// The strong `ETag` [`Route::Validated`] sends.
pub const VALIDATED_ETAG: &str = "\"fetchlab-v1\"";

/// The 3 MiB body [`Route::Validated`] sends: the same bytes every time.
pub fn validated_body() -> &'static [u8] {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    BODY.get_or_init(|| {
        (0..3u32 << 20)
            .map(|i| (i.wrapping_mul(31) >> 3) as u8)
            .collect()
    })
}

/// The plain body several routes send.
pub const HELLO: &[u8] = b"hello";

/// The gzip body [`Route::Gzip`] sends: [`GZIP_DECODED_BYTES`] zeros,
/// compressed once per process.
pub fn gzip_body() -> &'static [u8] {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    BODY.get_or_init(|| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..GZIP_DECODED_BYTES / zeros.len() {
            // Writing into a Vec cannot fail.
            encoder.write_all(&zeros).expect("in-memory gzip");
        }
        encoder.finish().expect("in-memory gzip")
    })
}

/// The path of every route but [`Route::RedirectToPort`] (which is
/// `redirect-to-port/<port>`).
const PATHS: [(Route, &str); 24] = {
    use Route::*;
    [
        (EndlessHeadLine, "endless-head-line"),
        (EndlessStatusLine, "endless-status-line"),
        (ManyHeaders, "many-headers"),
        (ContinueFlood, "continue-flood"),
        (StallInHead, "stall-in-head"),
        (Gzip, "gzip"),
        (ConflictingLengths, "conflicting-lengths"),
        (NegativeLength, "negative-length"),
        (HugeLength, "huge-length"),
        (LengthWithChunked, "length-with-chunked"),
        (EndlessChunked, "endless-chunked"),
        (EndlessCloseDelimited, "endless-close-delimited"),
        (UnaskedPartial, "unasked-partial"),
        (Status999, "status-999"),
        (Http09, "http-0.9"),
        (NoContent, "no-content"),
        (Disposition, "disposition"),
        (RedirectToFile, "redirect-to-file"),
        (RedirectToFtp, "redirect-to-ftp"),
        (RedirectLoopA, "redirect-loop-a"),
        (RedirectLoopB, "redirect-loop-b"),
        (Hello, "hello"),
        (Validated, "validated"),
        (ValidatedNoRange, "validated-no-range"),
    ]
};

const REDIRECT_TO_PORT: &str = "redirect-to-port";

impl Route {
    /// The path of the route, without the leading `/` or the file name.
    pub fn path(&self) -> String {
        if let Route::RedirectToPort(port) = self {
            return format!("{REDIRECT_TO_PORT}/{port}");
        }
        PATHS
            .iter()
            .find(|(route, _)| route == self)
            .map(|(_, path)| (*path).to_owned())
            .unwrap_or_default()
    }

    /// The route a request path names (`/<path>/<file name>`), if any.
    pub fn parse(path: &str) -> Option<Route> {
        let mut segments = path.trim_start_matches('/').split('/');
        let first = segments.next()?;
        if first == REDIRECT_TO_PORT {
            return segments.next()?.parse().ok().map(Route::RedirectToPort);
        }
        PATHS
            .iter()
            .find(|(_, name)| *name == first)
            .map(|(route, _)| *route)
    }
}

/// The file name at the end of a request path.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or_default()
}

/// A finite response with a `Content-Length` and `Connection: close`.
fn simple(status: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

fn redirect(location: &str) -> Vec<u8> {
    simple("302 Found", &format!("Location: {location}\r\n"), b"")
}

/// Sends the response of `route` (a 404 for a path that names none).
pub(super) fn send(route: Option<Route>, out: &mut Out<'_>, asked: &Asked) -> io::Result<()> {
    use Route::*;
    let path = asked.path.as_str();
    let Some(route) = route else {
        return out.send(&simple("404 Not Found", "", b"no such route\n"));
    };
    match route {
        EndlessHeadLine => {
            out.send(b"HTTP/1.1 200 OK\r\nX: ")?;
            out.endless(&[b'a'; 64 * 1024])
        }
        EndlessStatusLine => {
            out.send(b"HTTP/1.1 200 ")?;
            out.endless(&[b'O'; 64 * 1024])
        }
        ManyHeaders => {
            out.send(b"HTTP/1.1 200 OK\r\n")?;
            let mut block = Vec::new();
            for i in 0..100_000u32 {
                block.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
                if block.len() >= 64 * 1024 {
                    out.send(&block)?;
                    block.clear();
                }
            }
            out.send(&block)?;
            out.send(b"Content-Length: 5\r\nConnection: close\r\n\r\nhello")
        }
        ContinueFlood => out.endless(&b"HTTP/1.1 100 Continue\r\n\r\n".repeat(2048)),
        StallInHead => {
            out.send(b"HTTP/1.1 200 OK\r\nContent-Le")?;
            out.hold(HOLD)
        }
        Gzip => out.send(&simple(
            "200 OK",
            "Content-Encoding: gzip\r\nContent-Type: application/octet-stream\r\n",
            gzip_body(),
        )),
        ConflictingLengths => out.send(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\nConnection: close\r\n\r\nabcdefg",
        ),
        NegativeLength => {
            out.send(b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\nConnection: close\r\n\r\nabc")
        }
        HugeLength => out.send(
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\nConnection: close\r\n\r\nabc",
        ),
        LengthWithChunked => out.send(
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        ),
        EndlessChunked => {
            out.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")?;
            let mut chunk = b"4000\r\n".to_vec();
            chunk.extend_from_slice(&[b'z'; 0x4000]);
            chunk.extend_from_slice(b"\r\n");
            out.endless(&chunk)
        }
        EndlessCloseDelimited => {
            out.send(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")?;
            out.endless(&[b'z'; 64 * 1024])
        }
        UnaskedPartial => out.send(&simple(
            "206 Partial Content",
            "Content-Range: bytes 0-4/5\r\n",
            HELLO,
        )),
        Status999 => out.send(&simple("999 Weird", "", HELLO)),
        Http09 => out.send(b"hello from 1991\n"),
        NoContent => {
            out.send(b"HTTP/1.1 204 No Content\r\n\r\n")?;
            out.hold(HOLD)
        }
        Disposition => out.send(&simple(
            "200 OK",
            &format!(
                "Content-Disposition: attachment; filename=\"../../{}\"\r\n",
                file_name(path)
            ),
            HELLO,
        )),
        RedirectToFile => out.send(&redirect("file:///etc/passwd")),
        RedirectToFtp => out.send(&redirect("ftp://127.0.0.1/x")),
        RedirectLoopA => out.send(&redirect(&format!(
            "/{}/{}",
            RedirectLoopB.path(),
            file_name(path)
        ))),
        RedirectLoopB => out.send(&redirect(&format!(
            "/{}/{}",
            RedirectLoopA.path(),
            file_name(path)
        ))),
        RedirectToPort(port) => out.send(&redirect(&format!(
            "http://127.0.0.1:{port}/{}",
            file_name(path)
        ))),
        Hello => out.send(&simple("200 OK", "", HELLO)),
        Validated | ValidatedNoRange => {
            let body = validated_body();
            let etag = format!("ETag: {VALIDATED_ETAG}\r\n");
            let unchanged = asked.if_range.as_deref().is_none_or(|v| v == VALIDATED_ETAG);
            match asked.range_from {
                Some(from) if route == Validated && unchanged && from < body.len() as u64 => {
                    let range = format!(
                        "{etag}Content-Range: bytes {from}-{}/{}\r\n",
                        body.len() - 1,
                        body.len()
                    );
                    out.send(&simple("206 Partial Content", &range, &body[from as usize..]))
                }
                _ => out.send(&simple("200 OK", &etag, body)),
            }
        }
    }
}

/// The client end of one connection, counting what is sent.
pub(super) struct Out<'a> {
    stream: TcpStream,
    shared: &'a Shared,
}

impl<'a> Out<'a> {
    pub fn new(stream: TcpStream, shared: &'a Shared) -> Self {
        Self { stream, shared }
    }

    fn stopped(&self) -> io::Result<()> {
        if self.shared.stop.load(Ordering::SeqCst) {
            Err(io::Error::other("server stopped"))
        } else {
            Ok(())
        }
    }

    /// Sends `bytes`, counting them.
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stopped()?;
        self.stream.write_all(bytes)?;
        self.shared
            .sent
            .fetch_add(bytes.len() as u64, Ordering::SeqCst);
        Ok(())
    }

    /// Sends `chunk` again and again until the client goes away, the server
    /// stops, or [`ENDLESS_CAP`] bytes went out.
    pub fn endless(&mut self, chunk: &[u8]) -> io::Result<()> {
        let mut sent = 0u64;
        while sent < ENDLESS_CAP {
            self.send(chunk)?;
            sent += chunk.len() as u64;
        }
        Ok(())
    }

    /// Holds the connection open, sending nothing, until the client closes
    /// it, the server stops, or `limit` passes.
    pub fn hold(&mut self, limit: Duration) -> io::Result<()> {
        let deadline = Instant::now() + limit;
        self.stream
            .set_read_timeout(Some(Duration::from_millis(50)))?;
        let mut buf = [0u8; 4096];
        while Instant::now() < deadline {
            self.stopped()?;
            match self.stream.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Ends the response: no more bytes from this side.
    pub fn close(self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_parses_back_from_its_path() {
        let mut routes: Vec<Route> = PATHS.iter().map(|(route, _)| *route).collect();
        routes.push(Route::RedirectToPort(8080));
        for route in routes {
            assert_eq!(
                Route::parse(&format!("/{}/x.bin", route.path())),
                Some(route)
            );
        }
        assert_eq!(Route::parse("/nowhere/x.bin"), None);
    }
}
