//! The accept loop: HTTP/1.1 connections with the timeouts and the connection cap of
//! the contract, and a graceful drain at shutdown.
//!
//! `axum::serve` holds every connection for as long as the client likes, so a few
//! thousand idle or trickling sockets exhaust the process's descriptors. Here:
//! - a request's headers must arrive within `header_timeout` (hyper's header timer, which
//!   also runs while a kept-alive connection waits for its next request);
//! - its body within `body_timeout` of the request's arrival, in all ([`DeadlineBody`]);
//! - a connection with no bytes in either direction for `idle_timeout` is closed
//!   ([`IdleIo`]: also a client that stops reading its response or sending its body);
//! - past `max_connections` open connections a new one is closed at once, and counted in
//!   `accountd_connections_refused_total`;
//! - a request hyper cannot parse is answered in the contract's error format
//!   ([`ParseErrorRewrite`]), not with hyper's empty body.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt as _;

use crate::config::LimitsConfig;
use crate::http::error::ApiError;

/// Descriptors kept back from the connection cap for the database pool, files, mail and
/// social-login calls: an eighth of the limit, at least this many.
const RESERVED_DESCRIPTORS: u64 = 64;

/// How long the loop pauses after `accept` fails (out of descriptors, mostly), so that it
/// does not spin while connections close.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

impl ConnectionLimits {
    /// The configured limits; an unset connection cap is derived from `descriptors`.
    pub fn new(limits: &LimitsConfig, descriptors: u64) -> Self {
        let derived = || {
            let reserved = (descriptors / 8).max(RESERVED_DESCRIPTORS);
            usize::try_from(descriptors.saturating_sub(reserved).max(1)).unwrap_or(usize::MAX)
        };
        Self {
            header_timeout: Duration::from_secs(u64::from(limits.header_timeout_seconds)),
            body_timeout: Duration::from_secs(u64::from(limits.body_timeout_seconds)),
            idle_timeout: Duration::from_secs(u64::from(limits.idle_timeout_seconds)),
            max_connections: limits.max_connections.map_or_else(derived, |cap| cap as usize),
        }
    }
}

/// Raises the soft limit on open descriptors to the hard limit: the usual soft limit of
/// 1,024 is far below what a server's connections need.
pub fn raise_descriptor_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::debug!(limit, "open-descriptor limit"),
        Err(error) => tracing::warn!(%error, "cannot raise the open-descriptor limit"),
    }
}

/// The process's current limit on open descriptors.
pub fn descriptor_limit() -> u64 {
    rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops accepting and waits
/// for the requests in flight to finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    // hyper's cap of 100 header fields is kept: above it hyper puts its header arrays on
    // the heap for every request. A request past it gets 431 `request:headers_too_large`
    // through [`ParseErrorRewrite`], as one over the middleware's byte cap does.
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            metrics::counter!("accountd_connections_refused_total").increment(1);
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let body_timeout = limits.body_timeout;
        let served = Arc::new(AtomicBool::new(false));
        let io = IdleIo::new(stream, limits.idle_timeout, served.clone());
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            served.store(true, Ordering::Relaxed);
            request.extensions_mut().insert(ConnectInfo(peer));
            let request = request.map(|body| DeadlineBody::new(body, body_timeout));
            app.clone().oneshot(request)
        });
        let connection = http.serve_connection(TokioIo::new(io), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// A connection that fails once no byte has moved either way for `timeout`, and that
/// puts the contract's error body into hyper's answer to a request it could not parse.
///
/// The timer is moved lazily: a byte moving only notes the time, and the timer, when it
/// fires, is set again to that time plus `timeout`. Resetting it on every read and write
/// took the time driver's lock several times per request, which cost `GET /v1/me` a few
/// percent of its throughput.
struct IdleIo {
    stream: TcpStream,
    timeout: Duration,
    /// When a byte last moved either way.
    last_moved: Instant,
    deadline: Pin<Box<Sleep>>,
    rewrite: ParseErrorRewrite,
}

/// hyper answers a request it cannot parse (a garbage request line, bad header syntax,
/// more headers than its cap, a head over its buffer) by itself, with a bare head
/// (`400`, `414` or `431`, `content-length: 0`), and has no hook to change it. The only
/// place that sees that answer is the connection's IO, so it is rewritten here.
///
/// What tells hyper's answer from ours is that it comes before the service was ever
/// called on the connection: hyper answers a parse error only when no request is being
/// served, and nothing else is written before the first request. `served` is set by the
/// service, so none of our responses can be mistaken for hyper's, whatever its bytes;
/// matching the bytes alone could not promise that. The head is also checked to be
/// exactly such an answer, and once anything else is written the watch stops. The
/// price: a parse error on a connection that already served a request (kept alive or
/// pipelined) keeps hyper's empty body; the status is still right.
enum ParseErrorRewrite {
    /// Nothing written yet. The flag is shared with the service, which is polled on the
    /// connection's own task: an atomic only because the service must be `Send`.
    Watching(Arc<AtomicBool>),
    /// Writing the contract's answer in place of hyper's head. hyper is told its head is
    /// written only once the whole answer is out, so after a partial write it offers the
    /// same head again and the answer goes on from `written`.
    Replacing {
        answer: Vec<u8>,
        written: usize,
    },
    Off,
}

impl ParseErrorRewrite {
    /// Decides, on a write of `head` (everything hyper offers), whether it is hyper's
    /// answer to a parse error. The first write turns the watch off either way.
    fn inspect(&mut self, head: &[u8]) {
        let Self::Watching(served) = self else { return };
        if head.is_empty() {
            return;
        }
        let answer = if served.load(Ordering::Relaxed) { None } else { parse_error_answer(head) };
        *self = match answer {
            Some(answer) => Self::Replacing { answer, written: 0 },
            None => Self::Off,
        };
    }
}

/// The contract's answer to the request hyper refused with `head`, if `head` is exactly
/// such a refusal.
fn parse_error_answer(head: &[u8]) -> Option<Vec<u8>> {
    let head = std::str::from_utf8(head).ok()?;
    let rest = head.strip_prefix("HTTP/1.1 ")?.strip_suffix("\r\n\r\n")?;
    let (status_line, fields) = rest.split_once("\r\n").unwrap_or((rest, ""));
    let error = match status_line.split(' ').next()? {
        "400" => ApiError::malformed_request(),
        "414" => ApiError::uri_too_long(),
        "431" => ApiError::headers_too_large(),
        _ => return None,
    };
    let mut fields = fields.split("\r\n");
    if !fields.clone().any(|field| field.eq_ignore_ascii_case("content-length: 0")) {
        return None;
    }
    let date = fields.find(|field| field.get(..5).is_some_and(|name| name.eq_ignore_ascii_case("date:")));
    let status = error.status;
    let body = serde_json::to_vec(&error.into_body()).ok()?;
    let mut answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\
         x-content-type-options: nosniff\r\n",
        body.len()
    );
    if let Some(date) = date {
        answer.push_str(date);
        answer.push_str("\r\n");
    }
    answer.push_str("\r\n");
    let mut answer = answer.into_bytes();
    answer.extend_from_slice(&body);
    Some(answer)
}

impl IdleIo {
    fn new(stream: TcpStream, timeout: Duration, served: Arc<AtomicBool>) -> Self {
        Self {
            stream,
            timeout,
            last_moved: Instant::now(),
            deadline: Box::pin(tokio::time::sleep(timeout)),
            rewrite: ParseErrorRewrite::Watching(served),
        }
    }

    /// Writes the rest of the contract's answer, then reports hyper's head, of `head_len`
    /// bytes, as written. `None` when there is no answer to write.
    fn poll_write_answer(
        &mut self,
        cx: &mut Context<'_>,
        head_len: impl FnOnce() -> usize,
    ) -> Poll<Option<io::Result<usize>>> {
        let ParseErrorRewrite::Replacing { answer, written } = &mut self.rewrite else {
            return Poll::Ready(None);
        };
        while *written < answer.len() {
            match Pin::new(&mut self.stream).poll_write(cx, &answer[*written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Some(Err(io::ErrorKind::WriteZero.into()))),
                Poll::Ready(Ok(count)) => {
                    *written += count;
                    self.last_moved = Instant::now();
                }
                Poll::Ready(Err(error)) => return Poll::Ready(Some(Err(error))),
                Poll::Pending => return self.check_idle(cx).map(|error| Some(Err(error))),
            }
        }
        self.rewrite = ParseErrorRewrite::Off;
        Poll::Ready(Some(Ok(head_len())))
    }

    fn moved(&mut self) {
        self.last_moved = Instant::now();
    }

    /// Called when the stream is not ready: an error once nothing has moved for `timeout`.
    fn check_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        loop {
            ready!(self.deadline.as_mut().poll(cx));
            let due = self.last_moved + self.timeout;
            if Instant::now() >= due {
                return Poll::Ready(io::Error::new(io::ErrorKind::TimedOut, "connection idle"));
            }
            // Something moved since the timer was set: wait for the rest of the timeout.
            self.deadline.as_mut().reset(due);
        }
    }
}

impl AsyncRead for IdleIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(result) => {
                this.moved();
                Poll::Ready(result)
            }
            Poll::Pending => this.check_idle(cx).map(Err),
        }
    }
}

impl AsyncWrite for IdleIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.rewrite.inspect(buf);
        if let Some(result) = ready!(this.poll_write_answer(cx, || buf.len())) {
            return Poll::Ready(result);
        }
        match Pin::new(&mut this.stream).poll_write(cx, buf) {
            Poll::Ready(result) => {
                this.moved();
                Poll::Ready(result)
            }
            Poll::Pending => this.check_idle(cx).map(Err),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let ParseErrorRewrite::Watching(_) = this.rewrite {
            // hyper's head is one slice; a write of several is anything but.
            let mut written = bufs.iter().filter(|buf| !buf.is_empty());
            match (written.next(), written.next()) {
                (Some(head), None) => this.rewrite.inspect(head),
                (Some(_), Some(_)) => this.rewrite = ParseErrorRewrite::Off,
                (None, _) => {}
            }
        }
        if let Some(result) = ready!(this.poll_write_answer(cx, || bufs.iter().map(|buf| buf.len()).sum())) {
            return Poll::Ready(result);
        }
        match Pin::new(&mut this.stream).poll_write_vectored(cx, bufs) {
            Poll::Ready(result) => {
                this.moved();
                Poll::Ready(result)
            }
            Poll::Pending => this.check_idle(cx).map(Err),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// A request body that fails unless it has arrived by a deadline counted from the
/// request's arrival. The timer is made only when the body is not there at once, so a
/// request without a body costs nothing.
pub struct DeadlineBody {
    inner: Incoming,
    deadline: Instant,
    timer: Option<Pin<Box<Sleep>>>,
}

impl DeadlineBody {
    fn new(inner: Incoming, timeout: Duration) -> Self {
        Self { inner, deadline: Instant::now() + timeout, timer: None }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
struct BodyTimedOut;

impl Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        let deadline = this.deadline;
        let timer = this.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        ready!(timer.as_mut().poll(cx));
        Poll::Ready(Some(Err(BodyTimedOut.into())))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn only_hypers_bare_refusal_of_a_request_is_rewritten() {
        let answer = parse_error_answer(b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Mon, 30 Nov 2026 06:00:00 GMT\r\n\r\n")
            .map(|answer| String::from_utf8(answer).unwrap())
            .unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "{head}");
        assert!(head.contains("\r\nconnection: close\r\n") && head.contains("\r\ndate: Mon, 30 Nov 2026 06:00:00 GMT"));
        assert!(head.contains(&format!("\r\ncontent-length: {}\r\n", body.len())), "{head}");
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["code"], "request:headers_too_large");
        assert_eq!(body["status"], 431);

        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
        assert!(parse_error_answer(ours).is_none());
        assert!(parse_error_answer(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(parse_error_answer(b"HTTP/1.1 400 Bad Request\r\n").is_none());
    }

    #[test]
    fn the_default_cap_leaves_descriptors_for_everything_else() {
        let limits = Config::default().limits;
        assert_eq!(ConnectionLimits::new(&limits, 1024).max_connections, 896);
        assert_eq!(ConnectionLimits::new(&limits, 256).max_connections, 192);
        assert_eq!(ConnectionLimits::new(&limits, 1_048_576).max_connections, 917_504);
        let configured = LimitsConfig { max_connections: Some(10), ..limits };
        assert_eq!(ConnectionLimits::new(&configured, 1024).max_connections, 10);
    }
}
