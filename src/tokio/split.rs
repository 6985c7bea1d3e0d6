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
//! Every change under the lock, a poll or a queued message alike, goes
//! through that one decision ([`Shared::step`]).

use core::fmt;
use std::boxed::Box;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite};
use futures_core::Stream;
use futures_sink::Sink;

use super::WebSocketStream;
use super::driver::Driver;
use super::try_send_error::TrySendError;
use super::wakers::{Half, Poller, Wakers};
use crate::layer;
use crate::{CloseFrame, Message, PreparedMessage, State};

/// One of the driver's write-side poll functions.
type Step<S> = fn(&mut Driver<S>, &mut Context<'_>, Poller<'_>) -> Poll<Result<(), layer::Error>>;

struct Shared<S> {
    driver: Mutex<Driver<S>>,
    wakers: Wakers,
    /// Fixed by the handshake: read without the lock.
    protocol: Option<Box<str>>,
    /// The peer's close frame, copied out of the driver once it arrived,
    /// so that both halves lend it as the whole stream does.
    peer_close: OnceLock<CloseFrame>,
}

impl<S> Shared<S> {
    /// The driver. A panic while a half held the lock (in the transport, or
    /// a waker) left it in the middle of a step: the connection is then
    /// given up on, as after a transport failure, so both halves report an
    /// error (the read half once, then `None`) instead of panicking or
    /// going on with a half-done step.
    fn lock(&self) -> MutexGuard<'_, Driver<S>> {
        match self.driver.lock() {
            Ok(driver) => driver,
            Err(poisoned) => {
                let mut driver = poisoned.into_inner();
                driver.give_up_after_panic();
                self.driver.clear_poison();
                driver
            }
        }
    }

    /// Runs `change` on the driver for `half`, then wakes the other half if
    /// the change made progress it waits for (or if `change` panicked: the
    /// other half then finds the connection given up).
    fn step<R>(&self, half: Half, change: impl FnOnce(&mut Driver<S>) -> R) -> R {
        let wake_on_panic = WakeOtherOnPanic(&self.wakers, half);
        let mut driver = self.lock();
        let before = driver.progress();
        let result = change(&mut driver);
        let after = driver.progress();
        if self.peer_close.get().is_none()
            && let Some(frame) = driver.peer_close()
        {
            let _ = self.peer_close.set(frame.clone());
        }
        drop(driver);
        core::mem::forget(wake_on_panic);
        let wake = match half {
            Half::Read => after.frees_writer(before),
            Half::Write => after.wakes_reader(before),
        };
        if wake {
            self.wakers.wake_other(half);
        }
        result
    }

    /// One poll step for `half` (see [`step`](Self::step)).
    fn poll<R>(
        &self,
        half: Half,
        cx: &mut Context<'_>,
        poll: impl FnOnce(&mut Driver<S>, &mut Context<'_>, Poller<'_>) -> Poll<R>,
    ) -> Poll<R> {
        self.step(half, |driver| {
            poll(driver, cx, Poller::Shared(&self.wakers, half))
        })
    }
}

/// Wakes the other half when dropped, which only happens if the step it
/// guards panicked (it is forgotten otherwise).
struct WakeOtherOnPanic<'a>(&'a Wakers, Half);

impl Drop for WakeOtherOnPanic<'_> {
    fn drop(&mut self) {
        self.0.wake_other(self.1);
    }
}

impl<S> WebSocketStream<S> {
    /// Splits the stream into a reading and a writing half, for two tasks
    /// (see [`ReadHalf`] and [`WriteHalf`]), **the read half first**:
    ///
    /// ```
    /// use rfc6455::tokio::WebSocketStream;
    /// use rfc6455::{Config, Connection, Message};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), rfc6455::tokio::Error> {
    /// let (ours, theirs) = tokio::io::duplex(4096);
    /// let server = Connection::server(Config::default());
    /// let ws = WebSocketStream::from_connection(ours, server);
    /// let client = Connection::client(Config::default());
    /// let mut peer = WebSocketStream::from_connection(theirs, client);
    ///
    /// let (mut read, mut write) = ws.split();
    /// write.send(Message::from("ping?")).await?;
    /// peer.send(Message::from("pong!")).await?;
    /// assert_eq!(peer.next().await.transpose()?, Some(Message::from("ping?")));
    /// assert_eq!(read.next().await.transpose()?, Some(Message::from("pong!")));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// The order is tokio's (`TcpStream::split` and `into_split`,
    /// `tokio::io::split`: read, then write). `futures::StreamExt::split`
    /// has the other order, sink first: `let (write, read) =
    /// StreamExt::split(ws)` also works on this stream (it is a `Stream`
    /// and a `Sink`), and gives futures' generic halves instead of these.
    /// With `StreamExt` in scope, `ws.split()` still calls this method (an
    /// inherent method comes first), so tokio-tungstenite's `let (write,
    /// read) = ws.split();` compiles here with each half under the other's
    /// name, and the first `write.send(..)` does not (a `ReadHalf` has no
    /// `send`): swap the names.
    pub fn split(self) -> (ReadHalf<S>, WriteHalf<S>) {
        split(self.into_driver())
    }
}

fn split<S>(driver: Driver<S>) -> (ReadHalf<S>, WriteHalf<S>) {
    let peer_close = OnceLock::new();
    if let Some(frame) = driver.peer_close() {
        let _ = peer_close.set(frame.clone());
    }
    let shared = Arc::new(Shared {
        protocol: driver.conn.protocol().map(Box::from),
        driver: Mutex::new(driver),
        wakers: Wakers::new(),
        peer_close,
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
///
/// # Dropping a half closes nothing
///
/// The halves share the connection and its transport, which stay open
/// while either half lives. Dropping this half leaves no one reading:
/// pings go unanswered (the peer's keepalive may then give up on the
/// connection) and the peer's close frame is only seen by a
/// [`WriteHalf::close`], which reads while it waits. Dropping the
/// [`WriteHalf`] leaves this half reading and answering pings and the
/// peer's close, but nothing more can be sent, this end's close frame
/// included. Once both are dropped, the transport is dropped without a
/// close frame, as when a [`WebSocketStream`] is dropped (the peer sees an
/// abrupt end, code 1006): call [`WriteHalf::close`] first.
///
/// # A panic in the other half
///
/// If a poll of either half panics while it holds the halves' lock (the
/// transport's or a waker's code panicked), the connection is given up on:
/// this half then returns an I/O error once, and `None` after, as after a
/// transport failure; it never panics in turn.
pub struct ReadHalf<S> {
    shared: Arc<Shared<S>>,
}

/// The writing half of a [`WebSocketStream`] (from
/// [`split`](WebSocketStream::split)): a [`Sink`](futures_sink::Sink) of
/// messages, or [`send`](Self::send), [`feed`](Self::feed),
/// [`flush`](Self::flush), [`ping`](Self::ping) and [`close`](Self::close).
///
/// # Dropping it does not close
///
/// Dropping this half sends no close frame and leaves the connection to
/// the [`ReadHalf`], which goes on reading and answering; what was
/// [`feed`](Self::feed) and not yet written is lost. Dropping both halves
/// drops the transport without a close frame (the peer sees an abrupt
/// end, code 1006). To end the connection, await [`close`](Self::close),
/// which sends this end's close frame and waits for the peer's (see
/// [`ReadHalf`] for what dropping the other half does).
///
/// # Compression holds the lock
///
/// With permessage-deflate, a message is compressed as it is queued, by
/// the connection (which keeps the compressor's state), so under the
/// halves' lock: a read half polled meanwhile waits for it, blocking its
/// thread for that long. The wait is bounded by one message: the time to
/// compress it, and a message is at most `Config::max_output_buffer` bytes
/// minus what is already queued (a larger send is refused before anything
/// is compressed). Where a reader's latency matters, send large messages in
/// pieces of your own, or lower `max_output_buffer` to bound every send.
/// Without compression, queuing copies nothing (a client copies the
/// message once, to mask it).
///
/// # A panic in the other half
///
/// As for [`ReadHalf`]: after a panic under the lock every call returns an
/// I/O error (the connection was given up on), never a panic.
pub struct WriteHalf<S> {
    shared: Arc<Shared<S>>,
}

impl<S> ReadHalf<S> {
    /// The peer's close frame, once it arrived (`None` before, and if the
    /// peer's close frame carried no code), as
    /// [`WebSocketStream::close_frame`].
    #[must_use]
    pub fn close_frame(&self) -> Option<&CloseFrame> {
        self.shared.peer_close.get()
    }

    /// Where the connection is in its life.
    #[must_use]
    pub fn state(&self) -> State {
        self.shared.lock().conn.state()
    }

    /// The subprotocol the handshake agreed on, if any.
    #[must_use]
    pub fn protocol(&self) -> Option<&str> {
        self.shared.protocol.as_deref()
    }

    /// Bytes of output queued and not yet written to the transport (pongs
    /// still waiting to join the output not counted; reading it changes
    /// nothing).
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
                let driver = match shared.driver.into_inner() {
                    Ok(driver) => driver,
                    Err(poisoned) => {
                        let mut driver = poisoned.into_inner();
                        driver.give_up_after_panic();
                        driver
                    }
                };
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
        self.shared.poll(Half::Read, cx, Driver::poll_next)
    }
}

impl<S> WriteHalf<S> {
    /// Where the connection is in its life.
    #[must_use]
    pub fn state(&self) -> State {
        self.shared.lock().conn.state()
    }

    /// The peer's close frame, once it arrived, as
    /// [`ReadHalf::close_frame`].
    #[must_use]
    pub fn close_frame(&self) -> Option<&CloseFrame> {
        self.shared.peer_close.get()
    }

    /// The subprotocol the handshake agreed on, if any.
    #[must_use]
    pub fn protocol(&self) -> Option<&str> {
        self.shared.protocol.as_deref()
    }

    /// Bytes of output queued and not yet written to the transport, as
    /// [`ReadHalf::queued_output`].
    #[must_use]
    pub fn queued_output(&self) -> usize {
        self.shared.lock().queued_output()
    }

    /// Queues a [`PreparedMessage`] without waiting, unless more than the
    /// write limit of output is already queued (then nothing is queued:
    /// [`TrySendError::Lagging`]). The read half writes it (it is woken
    /// for that), as does this half's next `send` or `flush`; so a task
    /// must be reading the connection, as in the usual pattern of one
    /// reading task per connection. [`broadcast`](super::broadcast) calls
    /// this for many halves.
    pub fn try_send_prepared(&self, message: &PreparedMessage) -> Result<(), TrySendError> {
        self.shared
            .step(Half::Write, |driver| driver.try_send_prepared(message))?;
        // Output grew, which the read half does not wait for: wake it, it
        // writes the output before it waits for input.
        self.shared.wakers.wake_other(Half::Write);
        Ok(())
    }

    /// Queues this end's close frame without waiting (nothing once the
    /// connection is past open); the read half then finishes the close
    /// handshake, bounded by the close timeout.
    pub(crate) fn start_close(&self, frame: CloseFrame) {
        let _ = self.queue(|driver| driver.start_close(Some(frame)));
    }

    /// Runs a change that queues something (a message, a ping, this end's
    /// close) through the same wake decision as the polls.
    fn queue(
        &self,
        change: impl FnOnce(&mut Driver<S>) -> Result<(), layer::Error>,
    ) -> Result<(), layer::Error> {
        self.shared.step(Half::Write, change)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WriteHalf<S> {
    /// Queues `message` and writes what the transport takes; waits only
    /// while more than the write limit of output is left, as
    /// [`WebSocketStream::send`] does. Cancel safe once polled.
    pub async fn send(&mut self, message: Message) -> Result<(), layer::Error> {
        self.queue(|driver| driver.start_send(message))?;
        poll_fn(|cx| self.poll_step(cx, Driver::poll_sent)).await
    }

    /// Queues `message` without writing it while no more than the write
    /// limit of output is queued (past it, it writes and waits as
    /// [`send`](Self::send) does), as [`WebSocketStream::feed`]. What is
    /// queued goes out with the next [`send`](Self::send) or
    /// [`flush`](Self::flush) of this half, or when the read half next
    /// wakes (it writes the output before it waits for input). Cancel safe
    /// once polled.
    pub async fn feed(&mut self, message: Message) -> Result<(), layer::Error> {
        self.queue(|driver| driver.start_send(message))?;
        poll_fn(|cx| self.poll_step(cx, Driver::poll_ready)).await
    }

    /// Sends a [`PreparedMessage`] as [`send`](Self::send) sends a message
    /// (its frame shared with every other connection it goes to).
    pub async fn send_prepared(&mut self, message: &PreparedMessage) -> Result<(), layer::Error> {
        self.queue(|driver| driver.start_send_prepared(message))?;
        poll_fn(|cx| self.poll_step(cx, Driver::poll_sent)).await
    }

    /// Writes and flushes all queued output.
    pub async fn flush(&mut self) -> Result<(), layer::Error> {
        poll_fn(|cx| self.poll_step(cx, Driver::poll_flush)).await
    }

    /// Queues a ping (at most 125 bytes of payload) and writes it as
    /// [`send`](Self::send) does. The peer's pong is read, and consumed, by
    /// the read half.
    pub async fn ping(&mut self, payload: &[u8]) -> Result<(), layer::Error> {
        self.queue(|driver| driver.start_ping(payload))?;
        poll_fn(|cx| self.poll_step(cx, Driver::poll_sent)).await
    }

    /// Queues this end's close frame (unless the connection is already past
    /// open) and waits until the close handshake is complete and the
    /// transport closed, as [`WebSocketStream::close`] does. It reads while
    /// it waits (data that arrives after the close frame is discarded by
    /// the connection anyway), so it finishes even if the read half is no
    /// longer polled.
    pub async fn close(&mut self, frame: Option<CloseFrame>) -> Result<(), layer::Error> {
        self.queue(|driver| driver.start_close(frame))?;
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
        self.queue(|driver| driver.start_send(item))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.poll_step(cx, Driver::poll_flush)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.queue(|driver| driver.start_close(None))?;
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
