//! Streaming a ureq response body into the store, chunk by chunk.

use std::io::{self, Read};

use fetchlab_core::{BodyWriter, Failure, FailureKind, Settings};

use super::classify;

/// Size of the buffer a body is copied through. Bodies are never held whole
/// in memory: at most this much (plus ureq's input buffer) per transfer.
pub const CHUNK_BYTES: usize = 16 * 1024;

/// Largest error body (404, 5xx) read to its end so that its connection goes
/// back to the pool; a larger one is dropped with its connection.
pub const DRAIN_LIMIT: u64 = 64 * 1024;

/// Copies `reader` into `writer` and commits it.
///
/// This is [`BodyWriter::copy_from`] with ureq's error rules:
/// [`fetchlab_core::transfer::classify_io_error`] cannot see the ureq errors
/// (timeouts, protocol errors) that ureq's reader wraps in `io::Error`, and
/// ureq reports a connection closed or reset before `Content-Length` bytes as
/// `UnexpectedEof`, which is a truncated body, not a local I/O failure.
pub fn save(
    reader: &mut dyn Read,
    mut writer: BodyWriter,
    settings: &Settings,
) -> Result<u64, Failure> {
    let mut buf = vec![0; CHUNK_BYTES];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return writer.finish(),
            Ok(n) => writer.write(&buf[..n])?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_failure(e, writer.written(), settings)),
        }
    }
}

fn read_failure(err: io::Error, written: u64, settings: &Settings) -> Failure {
    if err.kind() == io::ErrorKind::UnexpectedEof {
        Failure::new(
            FailureKind::Truncated,
            format!("connection closed after {written} body bytes: {err}"),
        )
    } else {
        classify::body_failure(err, settings)
    }
}

/// Reads a small error body to its end, so that ureq returns the connection
/// to its pool instead of closing it. Errors are ignored: the attempt's
/// outcome is already decided, and a connection in doubt is simply dropped.
pub fn drain(reader: &mut dyn Read, content_length: Option<u64>) {
    if content_length.is_some_and(|len| len > DRAIN_LIMIT) {
        return;
    }
    let _ = io::copy(&mut reader.take(DRAIN_LIMIT + 1), &mut io::sink());
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fails(io::ErrorKind, &'static [u8]);

    impl Read for Fails {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.1.is_empty() {
                return Err(self.0.into());
            }
            let n = self.1.len().min(buf.len());
            buf[..n].copy_from_slice(&self.1[..n]);
            self.1 = &self.1[n..];
            Ok(n)
        }
    }

    fn writer(expected: Option<u64>) -> BodyWriter {
        let store = fetchlab_core::HashStore::default();
        let job = fetchlab_core::Job::with_name("http://127.0.0.1/a", "a");
        let sink = fetchlab_core::Store::begin(&store, &job).unwrap();
        BodyWriter::new(sink, expected, 1 << 20)
    }

    #[test]
    fn early_close_is_truncation() {
        let mut reader = Fails(io::ErrorKind::UnexpectedEof, b"half");
        let failure = save(&mut reader, writer(Some(8)), &Settings::default()).unwrap_err();
        assert_eq!(failure.kind, FailureKind::Truncated);
        assert!(
            failure.detail.contains("after 4 body bytes"),
            "{}",
            failure.detail
        );
    }

    #[test]
    fn wrapped_timeout_stays_a_timeout() {
        struct TimesOut;
        impl Read for TimesOut {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(ureq::Error::Timeout(ureq::Timeout::PerRead).into_io())
            }
        }
        let failure = save(&mut TimesOut, writer(None), &Settings::default()).unwrap_err();
        assert_eq!(failure.kind, FailureKind::Timeout);
    }

    #[test]
    fn whole_body_is_saved() {
        let mut reader: &[u8] = b"complete";
        assert_eq!(
            save(&mut reader, writer(Some(8)), &Settings::default()).unwrap(),
            8
        );
    }
}
