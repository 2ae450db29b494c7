//! Bodies passing through the relay, chunk by chunk, never gathered in memory: the caller's body
//! on its way to the provider, counted and cut off past the size limit; the provider's answer
//! on its way back, counted, cut off past the size limit or the call's deadline, and counted in
//! the connection's usage when it ends (or the caller goes away).

use crate::ids::ConnectionId;
use crate::plumb::Plumb;
use crate::relay::meter::Outcome;
use crate::time::now_ms;
use axum::body::Bytes;
use futures_core::Stream;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What the request body stream reports back to the handler.
#[derive(Default)]
pub struct Sent {
    pub bytes: AtomicU64,
    /// The body went past the limit and was cut off.
    pub too_large: AtomicBool,
}

/// The caller's body, streamed to the provider.
pub struct Upload {
    inner: axum::body::BodyDataStream,
    limit: u64,
    sent: Arc<Sent>,
}

impl Upload {
    pub fn new(body: axum::body::Body, limit: u64, sent: Arc<Sent>) -> Self {
        Self { inner: body.into_data_stream(), limit, sent }
    }
}

impl Stream for Upload {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                let total = self.sent.bytes.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
                if total > self.limit {
                    self.sent.too_large.store(true, Ordering::Relaxed);
                    return Poll::Ready(Some(Err("the request body is larger than the relay's limit".into())));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(Box::new(e)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The provider's answer, streamed to the caller. Counted in the connection's usage once, when
/// it is dropped: at its end, at an error, or when the caller hung up.
pub struct Download {
    inner: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    limit: u64,
    deadline: Pin<Box<tokio::time::Sleep>>,
    received: u64,
    plumb: Arc<Plumb>,
    connection: ConnectionId,
    status: u16,
    sent: Arc<Sent>,
    done: bool,
}

impl Download {
    pub fn new(
        response: reqwest::Response,
        limit: u64,
        deadline: tokio::time::Instant,
        plumb: Arc<Plumb>,
        connection: ConnectionId,
        sent: Arc<Sent>,
    ) -> Self {
        let status = response.status().as_u16();
        Self {
            inner: Box::pin(response.bytes_stream()),
            limit,
            deadline: Box::pin(tokio::time::sleep_until(deadline)),
            received: 0,
            plumb,
            connection,
            status,
            sent,
            done: false,
        }
    }
}

impl Stream for Download {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.done = true;
            tracing::info!(connection = %self.connection, "relayed answer cut off: the call ran past its time limit");
            return Poll::Ready(Some(Err("the relayed call ran past its time limit".into())));
        }
        match self.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                self.received += chunk.len() as u64;
                if self.received > self.limit {
                    self.done = true;
                    tracing::info!(connection = %self.connection, "relayed answer cut off: larger than the limit");
                    return Poll::Ready(Some(Err("the provider's answer is larger than the relay's limit".into())));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                self.done = true;
                Poll::Ready(Some(Err(Box::new(e))))
            }
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Download {
    fn drop(&mut self) {
        let outcome = Outcome {
            status: Some(self.status),
            bytes_sent: self.sent.bytes.load(Ordering::Relaxed),
            bytes_received: self.received,
            ..Default::default()
        };
        self.plumb.record_relay_call(&self.connection, outcome, now_ms());
    }
}
