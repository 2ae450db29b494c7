//! Accepting connections: hyper's HTTP/1 server under the limits a public service needs, which
//! `axum::serve` does not set (it runs without a timer, so hyper's header timeout is off).
//!
//! - a client must send a request's headers within `header_timeout`, or the connection closes
//!   (a connection that stalls mid-headers, or sits idle between requests, stops holding a
//!   descriptor);
//! - a request, body included, must be answered within `request_timeout` (408 otherwise; the
//!   layer is in [`super::router`]);
//! - at most `max_connections` are open at once: beyond that, new ones wait in the listen
//!   backlog instead of exhausting the process's descriptors (20,000 idle connections once
//!   left health checks and token fetches unanswered and the key file unreadable);
//! - `TCP_NODELAY` on every accepted socket: with Nagle's algorithm on, the first write of a
//!   streamed body waited for the client's delayed ACK, about 40 ms per static file on a reused
//!   connection;
//! - each request carries the peer's address (`ConnectInfo<SocketAddr>`), which
//!   [`super::client`] turns into the client's address.

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// The most a request line and its headers may take (431 beyond it).
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// The limits [`serve`] applies to connections.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    pub max_connections: usize,
    /// How long a graceful shutdown waits for requests in flight.
    pub drain_timeout: Duration,
}

impl Limits {
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            header_timeout: config.header_timeout,
            max_connections: config.max_connections,
            drain_timeout: config.shutdown_grace,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets requests in flight finish
/// (up to the drain timeout) and returns.
pub async fn serve(listener: TcpListener, router: Router, limits: Limits, shutdown: impl Future<Output = ()>) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A permit first: at the limit, connections wait in the kernel's backlog.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, or a connection reset before it was accepted: wait a
                    // moment rather than spin on the error.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        spawn_connection(stream, peer, &router, permit, &stopping, limits);
    }
    // Connections the kernel completed before the signal wait in the backlog; closing the
    // listener would reset them, and their clients would see a failure for a request Plumb
    // never read. Each is served its one request (a new connection is not idle, so the
    // graceful shutdown below lets its first request through).
    while let Ok(permit) = permits.clone().try_acquire_owned() {
        match tokio::time::timeout(Duration::ZERO, listener.accept()).await {
            Ok(Ok((stream, peer))) => spawn_connection(stream, peer, &router, permit, &stopping, limits),
            _ => break,
        }
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection holds a permit until it ends: having them all back means all are done.
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.drain_timeout, permits.acquire_many(all)).await.is_err() {
        tracing::warn!("shutting down with requests still in flight after {:?}", limits.drain_timeout);
    }
}

/// Serves one accepted connection in a task of its own until it closes, or until `stopping`
/// turns true, when it finishes the request in progress and closes.
fn spawn_connection(
    stream: TcpStream,
    peer: std::net::SocketAddr,
    router: &Router,
    permit: tokio::sync::OwnedSemaphorePermit,
    stopping: &watch::Receiver<bool>,
    limits: Limits,
) {
    prepare(&stream);
    let router = router.clone();
    let mut stopping = stopping.clone();
    tokio::spawn(async move {
        let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            // The request line and headers: far more than any real client sends.
            .max_header_size(MAX_HEADER_BYTES)
            .serve_connection(TokioIo::new(stream), service);
        let mut connection = std::pin::pin!(connection);
        let stop_now = tokio::select! {
            // The connection first: a request already in its socket is read before a stop.
            biased;
            _ = connection.as_mut() => false,
            // `Ref` is dropped here: it must not live across the await below.
            stopped = stopping.wait_for(|stop| *stop) => stopped.is_ok(),
        };
        if stop_now {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
        drop(permit);
    });
}

/// Socket options for an accepted connection.
fn prepare(stream: &TcpStream) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!("cannot set TCP_NODELAY: {e}");
    }
}

/// Raises the soft limit on open files to the hard limit, where the OS allows, and returns the
/// limit in force: the connection limit must stay below it.
pub fn raise_open_files_limit() -> Option<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed by pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    Some(limit.rlim_cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_sockets_send_small_writes_at_once() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (_client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let (stream, _) = accepted.unwrap();
        assert!(!stream.nodelay().unwrap(), "the default this guards against");
        prepare(&stream);
        assert!(stream.nodelay().unwrap());
    }

    #[test]
    fn the_open_files_limit_is_raised_to_the_hard_limit() {
        let limit = raise_open_files_limit().unwrap();
        let mut now = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: as above.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut now) }, 0);
        assert_eq!(now.rlim_cur, now.rlim_max);
        assert_eq!(limit, now.rlim_cur);
    }
}
