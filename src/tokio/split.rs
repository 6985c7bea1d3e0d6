//! The two halves of a split [`WebSocketStream`], for a reading task and
//! a writing task.
//!
//! Both halves share the stream's state behind a mutex that is only taken
//! inside a poll function (never across an `await`), for the length of one
//! non-blocking step. Either half may touch the transport in either
//! direction (the read half writes pongs and the close reply; the write
//! half reads while it waits for the close handshake), so neither hands the
//! transport its own waker: the [`wakers`](super::wakers) slots wake every
//! half that waits on a resource, and a half that makes progress the other
//! one waits for (output written, the connection's state changed) wakes it.

use core::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::string::String;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite};
use futures_core::Stream;
use futures_sink::Sink;

use super::WebSocketStream;
use super::driver::Driver;
use super::wakers::{Half, Poller, Wakers};
use crate::layer;
use crate::{CloseFrame, Message, State};

/// One of the driver's write-side poll functions.
type Step<S> = fn(&mut Driver<S>, &mut Context<'_>, Poller<'_>) -> Poll<Result<(), layer::Error>>;

struct Shared<S> {
    driver: Mutex<Driver<S>>,
    wakers: Wakers,
}

impl<S> Shared<S> {
    fn lock(&self) -> MutexGuard<'_, Driver<S>> {
        self.driver.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs one poll step for `half`, then wakes the other half if the step
    /// made progress it waits for.
    fn poll<R>(
        &self,
        half: Half,
        cx: &mut Context<'_>,
        step: impl FnOnce(&mut Driver<S>, &mut Context<'_>, Poller<'_>) -> Poll<R>,
    ) -> Poll<R> {
        let mut driver = self.lock();
        let before = driver.progress();
        let result = step(&mut driver, cx, Poller::Shared(&self.wakers, half));
        let after = driver.progress();
        drop(driver);
        let wake = match half {
            Half::Read => after.frees_writer(before),
            Half::Write => after.wakes_reader(before),
        };
        if wake {
            self.wakers.wake_other(half);
        }
        result
    }
}

pub(crate) fn split<S>(driver: Driver<S>) -> (ReadHalf<S>, WriteHalf<S>) {
    let shared = Arc::new(Shared {
        driver: Mutex::new(driver),
        wakers: Wakers::new(),
    });
    (
        ReadHalf {
            shared: shared.clone(),
        },
        WriteHalf { shared },
    )
}

/// The reading half of a [`WebSocketStream`] (from
/// [`split`](WebSocketStream::split)): data messages as a
/// [`Stream`](futures_core::Stream) or with [`next`](Self::next).
///
/// It also writes what reading calls for, automatic pongs and the reply to
/// the peer's close, so pongs go out while only this half is polled. As
/// with the whole stream, keep a task reading for as long as the
/// connection lives. Cancel safe, like [`WebSocketStream::next`].
pub struct ReadHalf<S> {
    shared: Arc<Shared<S>>,
}

/// The writing half of a [`WebSocketStream`] (from
/// [`split`](WebSocketStream::split)): a [`Sink`](futures_sink::Sink) of
/// messages, or [`send`](Self::send) and [`close`](Self::close).
pub struct WriteHalf<S> {
    shared: Arc<Shared<S>>,
}

impl<S> ReadHalf<S> {
    /// The peer's close frame, once it arrived.
    #[must_use]
    pub fn close_frame(&self) -> Option<CloseFrame> {
        self.shared.lock().peer_close().cloned()
    }

    /// Where the connection is in its life.
    #[must_use]
    pub fn state(&self) -> State {
        self.shared.lock().conn.state()
    }

    /// The subprotocol the handshake agreed on, if any.
    #[must_use]
    pub fn protocol(&self) -> Option<String> {
        self.shared.lock().conn.protocol().map(String::from)
    }

    /// Bytes of output queued and not yet written to the transport.
    #[must_use]
    pub fn queued_output(&self) -> usize {
        self.shared.lock().queued_output()
    }

    /// Whether `write` is the other half of the same stream.
    #[must_use]
    pub fn is_pair_of(&self, write: &WriteHalf<S>) -> bool {
        Arc::ptr_eq(&self.shared, &write.shared)
    }

    /// Puts the stream back together; fails (handing both back) if the
    /// halves come from different streams.
    pub fn reunite(self, write: WriteHalf<S>) -> Result<WebSocketStream<S>, ReuniteError<S>> {
        if !self.is_pair_of(&write) {
            return Err(ReuniteError(self, write));
        }
        drop(write);
        match Arc::try_unwrap(self.shared) {
            Ok(shared) => {
                let driver = shared
                    .driver
                    .into_inner()
                    .unwrap_or_else(PoisonError::into_inner);
                Ok(WebSocketStream::from_driver(driver))
            }
            // Unreachable: the two halves held the only references.
            Err(shared) => {
                let write = WriteHalf {
                    shared: shared.clone(),
                };
                Err(ReuniteError(ReadHalf { shared }, write))
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> ReadHalf<S> {
    /// The next text or binary message, as [`WebSocketStream::next`]
    /// returns it. Cancel safe.
    pub async fn next(&mut self) -> Option<Result<Message, layer::Error>> {
        poll_fn(|cx| self.poll_message(cx)).await
    }

    fn poll_message(&self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, layer::Error>>> {
        self.shared.poll(Half::Read, cx, |driver, cx, poller| {
            driver.poll_next(cx, poller)
        })
    }
}

impl<S> WriteHalf<S> {
    /// Where the connection is in its life.
    #[must_use]
    pub fn state(&self) -> State {
        self.shared.lock().conn.state()
    }

    /// Bytes of output queued and not yet written to the transport.
    #[must_use]
    pub fn queued_output(&self) -> usize {
        self.shared.lock().queued_output()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WriteHalf<S> {
    /// Queues `message` and writes what the transport takes; waits only
    /// while more than the write limit of output is left, as
    /// [`WebSocketStream::send`] does. Cancel safe once polled.
    pub async fn send(&mut self, message: Message) -> Result<(), layer::Error> {
        self.shared.lock().start_send(message)?;
        poll_fn(|cx| self.poll_step(cx, Driver::poll_sent)).await
    }

    /// Writes and flushes all queued output.
    pub async fn flush(&mut self) -> Result<(), layer::Error> {
        poll_fn(|cx| self.poll_step(cx, Driver::poll_flush)).await
    }

    /// Queues this end's close frame (unless the connection is already past
    /// open) and waits until the close handshake is complete and the
    /// transport closed, as [`WebSocketStream::close`] does. It reads while
    /// it waits (data that arrives after the close frame is discarded by
    /// the connection anyway), so it finishes even if the read half is no
    /// longer polled.
    pub async fn close(&mut self, frame: Option<CloseFrame>) -> Result<(), layer::Error> {
        self.shared.lock().start_close(frame)?;
        poll_fn(|cx| self.poll_step(cx, Driver::poll_done)).await
    }

    fn poll_step(&self, cx: &mut Context<'_>, step: Step<S>) -> Poll<Result<(), layer::Error>> {
        self.shared.poll(Half::Write, cx, step)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for ReadHalf<S> {
    type Item = Result<Message, layer::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_message(cx)
    }
}

/// As the [`Sink`] of [`WebSocketStream`]: `poll_close` closes the
/// connection (with no close code) and waits for the close handshake.
impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Message> for WriteHalf<S> {
    type Error = layer::Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.poll_step(cx, Driver::poll_ready)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
        self.shared.lock().start_send(item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.poll_step(cx, Driver::poll_flush)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.shared.lock().start_close(None)?;
        self.poll_step(cx, Driver::poll_done)
    }
}

impl<S> fmt::Debug for ReadHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadHalf").finish_non_exhaustive()
    }
}

impl<S> fmt::Debug for WriteHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteHalf").finish_non_exhaustive()
    }
}

/// Two halves that are not of the same stream, handed back by
/// [`ReadHalf::reunite`].
pub struct ReuniteError<S>(pub ReadHalf<S>, pub WriteHalf<S>);

impl<S> fmt::Debug for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ReuniteError").finish_non_exhaustive()
    }
}

impl<S> fmt::Display for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the halves are not of the same WebSocket stream")
    }
}

impl<S> std::error::Error for ReuniteError<S> {}
