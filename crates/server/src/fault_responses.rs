//! Each [`Fault`] as a response: lying heads, resets, stalls, drips,
//! oversized bodies, garbage, bad redirects.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::CONTENT_TYPE;

use crate::conn::Ending;
use crate::corpus::CorpusFile;
use crate::fault::Fault;
use crate::pace::{Pace, Source};
use crate::prng::{mix, pseudo_random_bytes};
use crate::responder::{Payload, Reply, Responder, content_type};
use crate::routes::encode;

/// Body size of [`Fault::Oversized`] and [`Fault::OversizedChunked`]: 64 MiB.
pub const OVERSIZED_LEN: u64 = 64 * 1024 * 1024;

/// The most body bytes [`Fault::ResetMidBody`] and [`Fault::ShortBody`]
/// send before ending (half the file, up to this).
const HALF_BODY_CAP: u64 = 64 * 1024 * 1024;

/// [`Fault::SlowDrip`]: bytes per step.
const DRIP_CHUNK: usize = 16;

/// [`Fault::SlowDrip`]: time between steps.
const DRIP_EVERY: Duration = Duration::from_millis(200);

/// How [`Fault::Garbage`] starts: an SSH banner, which no HTTP client parses.
const GARBAGE_BANNER: &[u8] = b"SSH-2.0-garbage\r\n";

/// Bytes of noise after the banner.
const GARBAGE_NOISE: usize = 256;

impl Responder {
    /// Answers with `fault`, using `file` for names and body sizes.
    pub(crate) async fn fault(&mut self, fault: Fault, file: &CorpusFile) -> Reply {
        match fault {
            Fault::ResetBeforeHeaders => self.takeover(Bytes::new(), 0, Ending::Reset),
            Fault::ResetMidBody => self.half_body(file, Ending::Reset),
            Fault::ShortBody => self.half_body(file, Ending::Fin),
            Fault::Stall => {
                tokio::time::sleep(self.shared.config.stall).await;
                self.takeover(Bytes::new(), 0, Ending::Fin)
            }
            Fault::SlowDrip => self.slow_drip(file),
            Fault::Oversized => self.oversized(true),
            Fault::OversizedChunked => self.oversized(false),
            Fault::Garbage => {
                let mut bytes = BytesMut::from(GARBAGE_BANNER);
                bytes.extend_from_slice(&pseudo_random_bytes(
                    mix(self.shared.config.seed),
                    GARBAGE_NOISE,
                ));
                self.takeover(bytes.freeze(), 0, Ending::Fin)
            }
            Fault::RedirectLoop => {
                let path = match &self.query {
                    Some(q) => format!("{}?{q}", self.path),
                    None => self.path.clone(),
                };
                self.redirect(path)
            }
            Fault::RedirectScheme => {
                self.redirect_to(format!("ftp://127.0.0.1:1/{}", encode(&file.name)))
            }
        }
    }

    /// A head announcing all of `file`, half its body, then `ending`.
    fn half_body(&mut self, file: &CorpusFile, ending: Ending) -> Reply {
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: {}\r\ncontent-length: {}\r\naccept-ranges: bytes\r\n\r\n",
            content_type(&file.name),
            file.len()
        );
        // Half, but never more than a buffer a takeover can hold.
        let half = file.bytes(0, (file.len() / 2).min(HALF_BODY_CAP));
        let mut bytes = BytesMut::from(head.as_bytes());
        bytes.extend_from_slice(&half);
        self.takeover(bytes.freeze(), half.len(), ending)
    }

    fn slow_drip(&mut self, file: &CorpusFile) -> Reply {
        let pace = Pace::Drip {
            chunk: DRIP_CHUNK,
            every: DRIP_EVERY,
        };
        let headers = [(CONTENT_TYPE, content_type(&file.name).to_owned())];
        let payload = Payload::Stream {
            source: file.source(0, file.len()),
            pace,
            known_len: true,
        };
        self.reply(200, &headers, payload)
    }

    fn oversized(&mut self, known_len: bool) -> Reply {
        let pace = Pace::from_bandwidth(self.shared.config.bandwidth);
        let headers = [(CONTENT_TYPE, content_type("").to_owned())];
        let payload = Payload::Stream {
            source: Source::Pattern(OVERSIZED_LEN),
            pace,
            known_len,
        };
        self.reply(200, &headers, payload)
    }
}
