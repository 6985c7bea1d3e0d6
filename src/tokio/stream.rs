//! [`WebSocketStream`]: a connection over a tokio transport.

use core::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite};
use futures_core::Stream;
use futures_sink::Sink;

use super::driver::Driver;
use super::split::{self, ReadHalf, WriteHalf};
use super::wakers::Poller;
use crate::layer;
use crate::{CloseFrame, Connection, Message, State};

/// A WebSocket over a tokio transport `S` (a `TcpStream`, a TLS stream, a
/// `DuplexStream`, ...).
///
/// Read data messages with [`next`](Self::next) (or as a
/// [`Stream`](futures_core::Stream)), send with [`send`](Self::send) (or as
/// a [`Sink`](futures_sink::Sink)), or answer what arrives with
/// [`feed`](Self::feed), end with [`close`](Self::close). Pings,
/// pongs and close frames never reach the caller: the stream answers pings
/// and the peer's close itself, and runs the keepalive and close timers of
/// the connection's [`Config`](crate::Config).
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
/// # Memory and backpressure
///
/// - Input: the stream reads at most 64 KiB at a time, into a buffer shared
///   by every stream on the thread (copied into the connection at once), and
///   only when the connection has no event ready. So the connection holds at
///   most one read beyond the message being assembled (itself bounded by
///   `Config::max_message_size`).
/// - Output: a send waits while more than the write limit (64 KiB by
///   default, see
///   [`ClientOptions::write_limit`](crate::layer::ClientOptions::write_limit))
///   is queued, so queued output stays under the limit plus the last
///   message (plus one message per send dropped while it waited);
///   `Config::max_output_buffer` is the hard ceiling. A peer that never
///   reads makes a send wait for as long as it does not read; the keepalive
///   (which runs while the stream is read) or a timeout of your own ends
///   that.
/// - Otherwise a stream holds the connection's state (and, if negotiated,
///   the compressor's), the transport, and one timer once a deadline is set.
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
    /// `conn`. The timers are those of `conn`'s configuration; a send waits
    /// while more than `write_limit` bytes of output wait. `Config::streaming`
    /// must be off: this layer delivers whole messages (a chunk is reported
    /// as an `Unsupported` I/O error).
    #[must_use]
    pub fn from_connection(stream: S, conn: Connection, write_limit: usize) -> Self {
        WebSocketStream {
            driver: Driver::new(stream, conn, write_limit),
        }
    }

    /// Gives up on the connection when a send has waited `timeout` on a
    /// transport that takes nothing (a peer that does not read): the send,
    /// and everything after, fail with
    /// [`layer::Error::WriteTimeout`](crate::layer::Error::WriteTimeout).
    /// `None` (the default here; the layer's `connect` and `accept` take
    /// the options' 30 s) lets sends wait for as long as the transport
    /// does.
    #[must_use]
    pub fn with_write_timeout(mut self, timeout: Option<core::time::Duration>) -> Self {
        self.driver.set_write_timeout(timeout);
        self
    }

    /// The subprotocol the handshake agreed on, if any.
    #[must_use]
    pub fn protocol(&self) -> Option<&str> {
        self.driver.conn.protocol()
    }

    /// The peer's close frame, once it arrived (`None` before, and if the
    /// peer's close frame carried no code).
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

    /// Bytes of output queued and not yet written to the transport.
    pub fn queued_output(&mut self) -> usize {
        self.driver.queued_output()
    }

    /// Splits the stream into a reading and a writing half, for two tasks
    /// (see [`ReadHalf`] and [`WriteHalf`]).
    pub fn split(self) -> (ReadHalf<S>, WriteHalf<S>) {
        split::split(self.driver)
    }

    pub(crate) fn from_driver(driver: Driver<S>) -> Self {
        WebSocketStream { driver }
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

    /// Queues `message` and writes what the transport takes at once; waits
    /// only while more than the write limit of output is left. Output
    /// below the limit is written by later calls ([`next`](Self::next),
    /// `send`, [`flush`](Self::flush)). Refused (nothing queued) once the
    /// connection is closing, closed or failed. Cancel safe once polled.
    pub async fn send(&mut self, message: Message) -> Result<(), layer::Error> {
        self.driver.start_send(message)?;
        poll_fn(|cx| self.driver.poll_sent(cx, Poller::Direct)).await
    }

    /// Queues `message` without writing it while no more than the write
    /// limit of output is queued (past it, it writes and waits as
    /// [`send`](Self::send) does). What is queued goes out with the next
    /// [`next`](Self::next), which writes it before it waits for input, or
    /// with `send` or [`flush`](Self::flush).
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

    /// Writes and flushes all queued output.
    pub async fn flush(&mut self) -> Result<(), layer::Error> {
        poll_fn(|cx| self.driver.poll_flush(cx, Poller::Direct)).await
    }

    /// Closes the connection: queues this end's close frame (`None` sends
    /// one without a code; skipped if the connection is already past open),
    /// then reads, discarding data, until the close handshake is complete
    /// and the transport closed. The wait is bounded by the connection's
    /// `Config::close_timeout`.
    ///
    /// `Ok` after a clean close handshake; otherwise the error that ended
    /// the connection (`Error::CloseTimeout` if the peer never answered).
    pub async fn close(&mut self, frame: Option<CloseFrame>) -> Result<(), layer::Error> {
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
