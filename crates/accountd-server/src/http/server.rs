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
//!   `accountd_connections_refused_total`.

use std::future::Future;
use std::io;
use std::pin::Pin;
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
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let request = request.map(|body| DeadlineBody::new(body, body_timeout));
            app.clone().oneshot(request)
        });
        let connection = http.serve_connection(TokioIo::new(IdleIo::new(stream, limits.idle_timeout)), service);
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

/// A connection that fails once no byte has moved either way for `timeout`.
struct IdleIo {
    stream: TcpStream,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl IdleIo {
    fn new(stream: TcpStream, timeout: Duration) -> Self {
        Self { stream, timeout, deadline: Box::pin(tokio::time::sleep(timeout)) }
    }

    fn moved(&mut self) {
        self.deadline.as_mut().reset(Instant::now() + self.timeout);
    }

    /// Called when the stream is not ready: an error once the deadline has passed.
    fn check_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        ready!(self.deadline.as_mut().poll(cx));
        Poll::Ready(io::Error::new(io::ErrorKind::TimedOut, "connection idle"))
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
    fn the_default_cap_leaves_descriptors_for_everything_else() {
        let limits = Config::default().limits;
        assert_eq!(ConnectionLimits::new(&limits, 1024).max_connections, 896);
        assert_eq!(ConnectionLimits::new(&limits, 256).max_connections, 192);
        assert_eq!(ConnectionLimits::new(&limits, 1_048_576).max_connections, 917_504);
        let configured = LimitsConfig { max_connections: Some(10), ..limits };
        assert_eq!(ConnectionLimits::new(&configured, 1024).max_connections, 10);
    }
}
