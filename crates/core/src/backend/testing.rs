//! Test doubles for core's own tests: a scripted transport (blocking and
//! async), an inline runtime, and a minimal executor.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Duration;

use crate::outcome::{Failure, FailureKind};

use super::transport::{
    AsyncBody, AsyncRuntime, AsyncTransport, BlockingBody, BlockingTransport, Head, Request,
};

/// One scripted response.
#[derive(Debug, Clone)]
pub struct Reply {
    head: Head,
    body: Vec<u8>,
    cut_after: Option<usize>,
}

impl Reply {
    pub fn status(status: u16, body: &[u8]) -> Self {
        Self {
            head: Head {
                status,
                content_length: Some(body.len() as u64),
                ..Head::default()
            },
            body: body.to_vec(),
            cut_after: None,
        }
    }

    pub fn ok(body: &[u8]) -> Self {
        Self::status(200, body)
    }

    pub fn redirect(location: &str) -> Self {
        let mut reply = Self::status(302, b"moved");
        reply.head.location = Some(location.to_owned());
        reply
    }

    pub fn partial(body: &[u8], range: &str) -> Self {
        let mut reply = Self::status(206, body);
        reply.head.content_range = Some(range.to_owned());
        reply
    }

    pub fn retry_after(mut self, seconds: &str) -> Self {
        self.head.retry_after = Some(seconds.to_owned());
        self
    }

    /// The connection closes after `n` body bytes.
    pub fn cut_after(mut self, n: usize) -> Self {
        self.cut_after = Some(n);
        self
    }
}

#[derive(Debug, Default)]
struct Log {
    urls: Vec<String>,
    headers: Vec<Vec<(&'static str, String)>>,
    /// Per body: (read at all, read to its end).
    bodies: Vec<(bool, bool)>,
}

/// A transport answering with its replies in order, the last one repeated.
#[derive(Debug, Clone)]
pub struct Fake {
    replies: Vec<Reply>,
    log: Arc<Mutex<Log>>,
}

impl Fake {
    pub fn new(replies: Vec<Reply>) -> Self {
        Self {
            replies,
            log: Arc::default(),
        }
    }

    pub fn urls(&self) -> Vec<String> {
        self.log.lock().unwrap().urls.clone()
    }

    pub fn headers(&self) -> Vec<Vec<(&'static str, String)>> {
        self.log.lock().unwrap().headers.clone()
    }

    pub fn all_drained(&self) -> bool {
        self.log.lock().unwrap().bodies.iter().all(|&(_, end)| end)
    }

    pub fn any_read(&self) -> bool {
        self.log
            .lock()
            .unwrap()
            .bodies
            .iter()
            .any(|&(read, _)| read)
    }

    fn respond(&self, request: Request<'_>) -> Result<(Head, FakeBody), Failure> {
        let mut log = self.log.lock().unwrap();
        log.urls.push(request.url.to_string());
        log.headers.push(request.headers.to_vec());
        let index = log.urls.len() - 1;
        let Some(reply) = self.replies.get(index).or(self.replies.last()) else {
            return Err(Failure::new(FailureKind::Connect, "no reply scripted"));
        };
        log.bodies.push((false, false));
        let body = FakeBody {
            reply: reply.clone(),
            pos: 0,
            log: Arc::clone(&self.log),
            index,
        };
        Ok((reply.head.clone(), body))
    }
}

pub struct FakeBody {
    reply: Reply,
    pos: usize,
    log: Arc<Mutex<Log>>,
    index: usize,
}

impl FakeBody {
    fn next(&mut self, max: usize) -> Result<Vec<u8>, Failure> {
        let mut log = self.log.lock().unwrap();
        log.bodies[self.index].0 = true;
        let end = self.reply.cut_after.unwrap_or(self.reply.body.len());
        if self.pos >= end {
            if self.reply.cut_after.is_some() {
                return Err(Failure::new(FailureKind::Truncated, "connection closed"));
            }
            log.bodies[self.index].1 = true;
            return Ok(Vec::new());
        }
        let n = max.min(end - self.pos);
        let chunk = self.reply.body[self.pos..self.pos + n].to_vec();
        self.pos += n;
        Ok(chunk)
    }
}

impl BlockingTransport for Fake {
    type Body = FakeBody;

    fn send(&self, request: Request<'_>) -> Result<(Head, FakeBody), Failure> {
        self.respond(request)
    }
}

impl BlockingBody for FakeBody {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Failure> {
        let chunk = self.next(buf.len())?;
        buf[..chunk.len()].copy_from_slice(&chunk);
        Ok(chunk.len())
    }
}

impl AsyncTransport for Fake {
    type Body = FakeBody;

    async fn send(&self, request: Request<'_>) -> Result<(Head, FakeBody), Failure> {
        self.respond(request)
    }
}

impl AsyncBody for FakeBody {
    type Chunk<'a> = Vec<u8>;

    async fn chunk(&mut self) -> Result<Option<Vec<u8>>, Failure> {
        let chunk = self.next(3)?;
        Ok((!chunk.is_empty()).then_some(chunk))
    }
}

/// Runs blocking work inline and sleeps on a helper thread.
#[derive(Debug, Default)]
pub struct InlineRuntime {
    blocking: AtomicUsize,
}

impl InlineRuntime {
    pub fn blocking_calls(&self) -> usize {
        self.blocking.load(Ordering::SeqCst)
    }
}

impl AsyncRuntime for InlineRuntime {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        let done = Arc::new(AtomicBool::new(false));
        let mut started = false;
        std::future::poll_fn(move |cx| {
            if done.load(Ordering::SeqCst) {
                return Poll::Ready(());
            }
            if !started {
                started = true;
                let (done, waker) = (Arc::clone(&done), cx.waker().clone());
                thread::spawn(move || {
                    thread::sleep(duration);
                    done.store(true, Ordering::SeqCst);
                    waker.wake();
                });
            }
            Poll::Pending
        })
    }

    async fn spawn_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, String> {
        self.blocking.fetch_add(1, Ordering::SeqCst);
        Ok(work())
    }
}

struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` to completion on this thread.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}
