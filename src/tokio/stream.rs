//! [`WebSocketStream`]: a connection over a tokio transport.

use core::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite};
use futures_core::Stream;
use futures_sink::Sink;

use super::driver::Driver;
use super::try_send_error::TrySendError;
use super::wakers::Poller;
use crate::layer;
use crate::{CloseFrame, Connection, Message, PreparedMessage, State};

/// A WebSocket over a tokio transport `S` (a `TcpStream`, a TLS stream, a
/// `DuplexStream`, ...).
///
/// Read data messages with [`next`](Self::next) (or as a
/// [`Stream`](futures_core::Stream)), send with [`send`](Self::send) (or as
/// a [`Sink`](futures_sink::Sink)), or answer what arrives with
/// [`feed`](Self::feed), end with [`close`](Self::close) or
/// [`close_with`](Self::close_with). Pings, pongs and close frames never
/// reach the caller: the stream answers pings and the peer's close itself,
/// and runs the keepalive and close timers of the connection's
/// [`Config`](crate::Config).
///
/// # The inherent methods mean what `SinkExt`'s do
///
/// `send`, `feed`, `flush` and `close` have the names and the meaning of
/// `futures::SinkExt`'s, so code written for either reads the same:
/// `send` flushes, `feed` only queues (waiting past the write limit),
/// `close()` takes no argument. What `SinkExt` lacks has its own name:
/// [`close_with`](Self::close_with) for a close frame with a code,
/// [`ping`](Self::ping). The blocking [`WebSocket`](crate::blocking::WebSocket)
/// offers the same verbs.
///
/// # Reading drives the connection
///
/// Input is only read while [`next`](Self::next) (or `poll_next`, or
/// [`close`](Self::close)) is being awaited: keep a task reading for as long
/// as the connection lives, or pings go unanswered and the peer's close is
/// never seen. The replies go out while reading; no send is needed.
///
/// # Cancel safety
///
/// Every future of this type is cancel safe: all state lives in the stream,
/// never in the future. Dropping a pending [`next`](Self::next) (in a
/// `tokio::select!` branch that lost, say) loses no message: it is returned
/// by the next call. A [`send`](Self::send) queues its message when it is
/// first polled, so once polled, dropping it does not lose the message
/// either (it is written by later calls). Dropping a pending
/// [`close`](Self::close) leaves the close frame queued; call `close` again
/// to finish the handshake.
///
/// # Dropping it does not close it
///
/// A stream dropped without [`close`](Self::close) sends no close frame:
/// the transport is dropped (a TCP stream closes), and the peer sees the
/// connection end abruptly, without a close handshake (a browser reports
/// code 1006, abnormal closure; this crate's peer,
/// [`ConnectionError::UnexpectedEof`](crate::ConnectionError::UnexpectedEof),
/// also 1006). Output that was queued and not yet written (a
/// [`feed`](Self::feed) not followed by a flush) is lost. To end a
/// connection, `ws.close().await` (or [`close_with`](Self::close_with) a
/// code): it sends the close frame, waits for the peer's, and closes the
/// transport, within the close timeout.
///
/// Nothing is sent on drop, not even a best-effort close frame: `Drop`
/// cannot await, and one non-blocking write attempt would write part of
/// what is queued (possibly half a frame) or a close frame the peer may
/// never read (a socket closed with input still unread is reset, and a
/// reset may discard what the peer had not read yet), and a TLS
/// transport would need a flush too. The peer would see 1006 either way,
/// and the drop would silently depend on timing; an explicit `close` is
/// the only reliable end.
///
/// # Memory and backpressure
///
/// - Input: the stream reads at most 64 KiB at a time, into a buffer shared
///   by every stream on the thread (copied into the connection at once), and
///   only when the connection has no event ready. So the connection holds at
///   most one read beyond the message being assembled (itself bounded by
///   `Config::max_message_size`).
/// - Output: a [`send`](Self::send) waits until everything queued is
///   written; a [`feed`](Self::feed) (and the `Sink`'s `poll_ready`) waits
///   while more than the write limit (64 KiB by default, see
///   [`ClientOptions::write_limit`](crate::layer::ClientOptions::write_limit))
///   is queued, so queued output stays under the limit plus the last
///   message (plus one message per call dropped while it waited);
///   `Config::max_output_buffer` is the hard ceiling. A peer that never
///   reads makes a send wait until the write timeout (30 s by default)
///   gives up on the connection.
/// - Otherwise a stream holds the connection's state (and, if negotiated,
///   the compressor's), the transport, and up to two timers once deadlines
///   are set: one for the connection's (keepalive, close), one for a send
///   stalled on the write timeout.
pub struct WebSocketStream<S> {
    driver: Driver<S>,
}

impl<S> fmt::Debug for WebSocketStream<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketStream")
            .field("connection", &self.driver.conn)
            .finish_non_exhaustive()
    }
}

impl<S> WebSocketStream<S> {
    /// A stream over `stream`, whose opening handshake already happened
    /// (elsewhere: hyper, an HTTP/2 stream, a handshake of your own), driving
    /// `conn`, with the layer's defaults, as `connect` and `accept` give
    /// them: the timers are those of `conn`'s configuration
    /// (`Config::default()` has them on), the write limit is
    /// [`DEFAULT_WRITE_LIMIT`](crate::layer::DEFAULT_WRITE_LIMIT) and the
    /// write timeout [`DEFAULT_WRITE_TIMEOUT`](crate::layer::DEFAULT_WRITE_TIMEOUT)
    /// (change them with [`with_write_limit`](Self::with_write_limit) and
    /// [`with_write_timeout`](Self::with_write_timeout)). `Config::streaming`
    /// must be off: this layer delivers whole messages (a chunk is reported
    /// as an `Unsupported` I/O error).
    #[must_use]
    pub fn from_connection(stream: S, conn: Connection) -> Self {
        WebSocketStream {
            driver: Driver::new(stream, conn),
        }
    }

    /// Gives up on the connection when a send has waited `timeout` on a
    /// transport that takes nothing (a peer that does not read): the send,
    /// and everything after, fail with
    /// [`layer::Error::WriteTimeout`](crate::layer::Error::WriteTimeout).
    /// Default 30 s; `None` lets sends wait for as long as the transport
    /// does.
    #[must_use]
    pub fn with_write_timeout(mut self, timeout: Option<core::time::Duration>) -> Self {
        self.driver.set_write_timeout(timeout);
        self
    }

    /// Makes a [`feed`](Self::feed) wait while more than `bytes` of output
    /// wait unwritten. Default 64 KiB.
    #[must_use]
    pub fn with_write_limit(mut self, bytes: usize) -> Self {
        self.driver.set_write_limit(bytes);
        self
    }

    /// The subprotocol the handshake agreed on, if any.
    #[must_use]
    pub fn protocol(&self) -> Option<&str> {
        self.driver.conn.protocol()
    }

    /// The peer's close frame, once it arrived (`None` before; one without
    /// a code reads as 1005, as [`Connection::peer_close`] says).
    #[must_use]
    pub fn close_frame(&self) -> Option<&CloseFrame> {
        self.driver.peer_close()
    }

    /// Where the connection is in its life.
    #[must_use]
    pub fn state(&self) -> State {
        self.driver.conn.state()
    }

    /// The connection (its configuration, role, extensions).
    #[must_use]
    pub fn connection(&self) -> &Connection {
        &self.driver.conn
    }

    /// The transport. Reading from or writing to it would corrupt the
    /// stream, so only a shared reference is given out.
    #[must_use]
    pub fn get_ref(&self) -> &S {
        &self.driver.io
    }

    /// Bytes of output queued and not yet written to the transport (a
    /// pure reading: it moves no waiting pong into the output).
    #[must_use]
    pub fn queued_output(&self) -> usize {
        self.driver.queued_output()
    }

    pub(crate) fn from_driver(driver: Driver<S>) -> Self {
        WebSocketStream { driver }
    }

    pub(crate) fn into_driver(self) -> Driver<S> {
        self.driver
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocketStream<S> {
    /// The next text or binary message.
    ///
    /// `None` once the connection is over: after a clean close handshake
    /// (the peer's close frame is then in [`close_frame`](Self::close_frame)),
    /// or after the error that ended it was returned. An error is returned
    /// once the close frame it calls for is written and the transport closed
    /// (bounded by the close timeout). Cancel safe.
    pub async fn next(&mut self) -> Option<Result<Message, layer::Error>> {
        poll_fn(|cx| self.driver.poll_next(cx, Poller::Direct)).await
    }

    /// Sends `message`: queues it and writes and flushes all queued
    /// output, as [`SinkExt::send`](https://docs.rs/futures/latest/futures/sink/trait.SinkExt.html#method.send)
    /// does. Refused (nothing queued) once the connection is closing,
    /// closed or failed. Cancel safe once polled: the message is queued at
    /// the first poll, and written by later calls if this is dropped.
    pub async fn send(&mut self, message: Message) -> Result<(), layer::Error> {
        self.driver.start_send(message)?;
        poll_fn(|cx| self.driver.poll_flush(cx, Poller::Direct)).await
    }

    /// Queues `message` without writing it while no more than the write
    /// limit of output is queued (past it, it writes and waits until the
    /// output is under the limit), as `SinkExt::feed` does. What is queued
    /// goes out with the next [`next`](Self::next), which writes it before
    /// it waits for input, or with [`send`](Self::send) or
    /// [`flush`](Self::flush).
    ///
    /// For answering messages as they arrive (an echo, a reply per request):
    /// the answers to messages that arrived together leave in one write,
    /// where `send` makes a write for each. A message fed and followed by
    /// no `next`, `send` or `flush` is never written. Refused (nothing
    /// queued) once the connection is closing, closed or failed. Cancel
    /// safe once polled.
    pub async fn feed(&mut self, message: Message) -> Result<(), layer::Error> {
        self.driver.start_send(message)?;
        poll_fn(|cx| self.driver.poll_ready(cx, Poller::Direct)).await
    }

    /// Sends a [`PreparedMessage`] as [`send`](Self::send) sends a message
    /// (its frame shared with every other connection it goes to).
    pub async fn send_prepared(&mut self, message: &PreparedMessage) -> Result<(), layer::Error> {
        self.driver.start_send_prepared(message)?;
        poll_fn(|cx| self.driver.poll_flush(cx, Poller::Direct)).await
    }

    /// Queues a [`PreparedMessage`] without waiting or writing, unless more
    /// than the write limit of output is already queued
    /// ([`TrySendError::Lagging`], nothing queued). It goes out with the
    /// next [`next`](Self::next), [`send`](Self::send) or
    /// [`flush`](Self::flush). To queue on connections other tasks read,
    /// split them: [`WriteHalf::try_send_prepared`](super::WriteHalf::try_send_prepared).
    pub fn try_send_prepared(&mut self, message: &PreparedMessage) -> Result<(), TrySendError> {
        self.driver.try_send_prepared(message)
    }

    /// Writes and flushes all queued output.
    pub async fn flush(&mut self) -> Result<(), layer::Error> {
        poll_fn(|cx| self.driver.poll_flush(cx, Poller::Direct)).await
    }

    /// Sends a ping with `payload` (at most 125 bytes) and flushes; the
    /// pong, when it comes, is not handed out (reading consumes it).
    pub async fn ping(&mut self, payload: &[u8]) -> Result<(), layer::Error> {
        self.driver.conn.ping(payload)?;
        poll_fn(|cx| self.driver.poll_flush(cx, Poller::Direct)).await
    }

    /// Closes the connection with a close frame without a code, as
    /// `SinkExt::close` does: [`close_with`](Self::close_with) with no
    /// frame.
    pub async fn close(&mut self) -> Result<(), layer::Error> {
        self.finish_closing(None).await
    }

    /// Closes the connection: queues this end's close `frame` (skipped if
    /// the connection is already past open), then reads, discarding data,
    /// until the close handshake is complete and the transport closed. The
    /// wait is bounded by the connection's `Config::close_timeout`.
    ///
    /// `Ok` after a clean close handshake; otherwise the error that ended
    /// the connection (`Error::CloseTimeout` if the peer never answered).
    pub async fn close_with(&mut self, frame: CloseFrame) -> Result<(), layer::Error> {
        self.finish_closing(Some(frame)).await
    }

    async fn finish_closing(&mut self, frame: Option<CloseFrame>) -> Result<(), layer::Error> {
        self.driver.start_close(frame)?;
        poll_fn(|cx| self.driver.poll_done(cx, Poller::Direct)).await
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocketStream<S> {
    type Item = Result<Message, layer::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().driver.poll_next(cx, Poller::Direct)
    }
}

/// `poll_ready` waits while more than the write limit of output is queued;
/// `poll_flush` writes it all; `poll_close` is [`WebSocketStream::close`]
/// with no close code.
impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Message> for WebSocketStream<S> {
    type Error = layer::Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().driver.poll_ready(cx, Poller::Direct)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
        self.get_mut().driver.start_send(item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().driver.poll_flush(cx, Poller::Direct)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let driver = &mut self.get_mut().driver;
        driver.start_close(None)?;
        driver.poll_done(cx, Poller::Direct)
    }
}
