//! The driver: one [`Connection`] over one transport, moved forward by
//! poll functions in the order the connection's contract sets (events,
//! time, writing the output, closing the transport when told, reading). Every bit of state lives
//! here, never in a future, which is what makes the futures cancel safe.

use std::boxed::Box;
use std::cell::Cell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::string::{String, ToString};
use std::task::{Context, Poll, ready};
use std::time::Duration;
use std::{thread_local, vec};

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use ::tokio::time::{Instant, Sleep};
use bytes::Buf;

use super::try_send_error::TrySendError;
use super::wakers::{Poller, Resource};
use crate::layer::{self, DEFAULT_WRITE_LIMIT, DEFAULT_WRITE_TIMEOUT};
use crate::{CloseFrame, Connection, Event, Message, PreparedMessage, Refused, State, Timestamp};

/// The most one read takes from the transport.
pub(crate) const READ_SIZE: usize = 64 << 10;

/// Passes through the driving loop in one poll before it yields to the
/// runtime (a guard against a transport that is always ready).
const MAX_ROUNDS: usize = 64;

/// The longest sleep armed at once; a later deadline is re-armed on waking.
const MAX_SLEEP: Duration = Duration::from_secs(365 * 24 * 60 * 60);

thread_local! {
    /// One read buffer per thread: what is read is copied into the
    /// connection at once, so no connection needs a buffer of its own.
    static SCRATCH: Cell<Option<Box<[u8]>>> = const { Cell::new(None) };
}

/// Runs `f` with the thread's read buffer (a fresh one if it is in use).
fn with_scratch<R>(f: impl FnOnce(&mut [u8]) -> R) -> R {
    let mut buf = SCRATCH
        .try_with(Cell::take)
        .ok()
        .flatten()
        .unwrap_or_else(|| vec![0; READ_SIZE].into_boxed_slice());
    let result = f(&mut buf);
    let _ = SCRATCH.try_with(|scratch| scratch.set(Some(buf)));
    result
}

/// How the connection ended badly, kept so that both halves can report it.
#[derive(Debug)]
enum Failure {
    Connection(crate::ConnectionError),
    Io {
        kind: io::ErrorKind,
        text: String,
        first: Option<io::Error>,
    },
    /// The transport took nothing for the write timeout.
    WriteTimeout,
    /// A poll of a split stream panicked while it held the lock.
    Panicked,
}

impl Failure {
    /// The error: the original the first time, a copy after.
    fn report(&mut self) -> layer::Error {
        match self {
            Failure::Connection(error) => layer::Error::Connection(*error),
            Failure::Io { kind, text, first } => layer::Error::Io(
                first
                    .take()
                    .unwrap_or_else(|| io::Error::new(*kind, text.clone())),
            ),
            Failure::WriteTimeout => layer::Error::WriteTimeout,
            Failure::Panicked => layer::Error::Io(io::Error::other(
                "a poll of this split WebSocket stream panicked (in the transport or a waker) \
                 and the connection was given up; open a new one",
            )),
        }
    }
}

/// What the other half of a split stream may be waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Progress {
    output: usize,
    state: State,
    done: bool,
    deadline: Option<Timestamp>,
}

impl Progress {
    /// Whether the write half may now go on: output shrank or the
    /// connection moved on.
    pub(crate) fn frees_writer(self, before: Progress) -> bool {
        self.output < before.output || self.state != before.state || self.done != before.done
    }

    /// Whether the read half should look again: the connection moved on or
    /// its next deadline changed.
    pub(crate) fn wakes_reader(self, before: Progress) -> bool {
        self.state != before.state || self.done != before.done || self.deadline != before.deadline
    }
}

/// A connection and its transport.
pub(crate) struct Driver<S> {
    pub(crate) io: S,
    pub(crate) conn: Connection,
    write_limit: usize,
    origin: Instant,
    /// Made at the first deadline (a `Sleep` needs the runtime's timer).
    sleep: Option<Pin<Box<Sleep>>>,
    /// The deadline `sleep` is set to, while it has not fired.
    armed: Option<Timestamp>,
    /// Bytes were written since the last flush.
    needs_flush: bool,
    /// How long a send may wait on a transport that takes nothing.
    write_timeout: Option<Duration>,
    /// When a send that waits on the transport gives up (set when a write
    /// is refused, cleared when the transport takes bytes).
    stall_deadline: Option<Instant>,
    /// The sleep until `stall_deadline` (made at the first stall).
    stall_sleep: Option<Pin<Box<Sleep>>>,
    /// The transport's read side ended (or failed).
    eof: bool,
    /// The transport was closed (or given up on): nothing more happens.
    done: bool,
    failure: Option<Failure>,
    /// The reader was given the failure.
    failure_told: bool,
}

impl<S> Driver<S> {
    /// A driver with the layer's default write limit and write timeout.
    pub(crate) fn new(io: S, conn: Connection) -> Self {
        Driver {
            io,
            conn,
            write_limit: DEFAULT_WRITE_LIMIT,
            origin: Instant::now(),
            sleep: None,
            armed: None,
            needs_flush: false,
            write_timeout: Some(DEFAULT_WRITE_TIMEOUT),
            stall_deadline: None,
            stall_sleep: None,
            eof: false,
            done: false,
            failure: None,
            failure_told: false,
        }
    }

    pub(crate) fn set_write_timeout(&mut self, timeout: Option<Duration>) {
        self.write_timeout = timeout;
    }

    pub(crate) fn set_write_limit(&mut self, bytes: usize) {
        self.write_limit = bytes;
    }

    pub(crate) fn peer_close(&self) -> Option<&CloseFrame> {
        self.conn.peer_close()
    }

    /// Bytes of output queued; reading it moves no waiting pong.
    pub(crate) fn queued_output(&self) -> usize {
        self.conn.queued_len()
    }

    pub(crate) fn progress(&self) -> Progress {
        Progress {
            output: self.conn.queued_len(),
            state: self.conn.state(),
            done: self.done,
            deadline: self.conn.poll_timeout(),
        }
    }

    fn now(&self) -> Timestamp {
        Timestamp::from_duration(Instant::now().saturating_duration_since(self.origin))
    }

    /// Keeps the first failure.
    fn record(&mut self, failure: Failure) {
        if self.failure.is_none() {
            self.failure = Some(failure);
        }
    }

    /// Queues a message (refused by the connection outside the open state).
    pub(crate) fn start_send(&mut self, message: Message) -> Result<(), layer::Error> {
        Ok(self.conn.send(message)?)
    }

    /// Queues a prepared message (refused by the connection outside the
    /// open state).
    pub(crate) fn start_send_prepared(
        &mut self,
        message: &PreparedMessage,
    ) -> Result<(), layer::Error> {
        Ok(self.conn.send_prepared(message)?)
    }

    /// Queues a prepared message unless more than the write limit waits.
    pub(crate) fn try_send_prepared(
        &mut self,
        message: &PreparedMessage,
    ) -> Result<(), TrySendError> {
        let queued = self.conn.queued_len();
        let state = self.conn.state();
        if state != State::Open {
            return Err(TrySendError::NotOpen(state));
        }
        if queued > self.write_limit {
            return Err(TrySendError::Lagging { queued });
        }
        match self.conn.send_prepared(message) {
            Ok(()) => Ok(()),
            Err(Refused::NotOpen(state)) => Err(TrySendError::NotOpen(state)),
            // The output buffer is full (the layers send whole messages, so
            // no fragmented send is in progress): lagging as well.
            Err(_) => Err(TrySendError::Lagging { queued }),
        }
    }

    /// Queues a ping (refused outside the open state, or past 125 bytes).
    pub(crate) fn start_ping(&mut self, payload: &[u8]) -> Result<(), layer::Error> {
        Ok(self.conn.ping(payload)?)
    }

    /// Queues this end's close frame (nothing to do once it is not open).
    pub(crate) fn start_close(&mut self, frame: Option<CloseFrame>) -> Result<(), layer::Error> {
        Ok(self.conn.close(frame)?)
    }

    /// How a finished connection went: `Ok` after a clean close handshake.
    fn outcome(&mut self) -> Result<(), layer::Error> {
        match (&mut self.failure, self.conn.state()) {
            (Some(failure), _) => Err(failure.report()),
            (None, State::Closed) => Ok(()),
            (None, state) => Err(layer::Error::Refused(crate::Refused::NotOpen(state))),
        }
    }

    /// The transport failed: after a clean close that loses nothing;
    /// otherwise the connection fails and the output is dropped.
    fn transport_failed(&mut self, error: io::Error) {
        self.abandon(Failure::Io {
            kind: error.kind(),
            text: error.to_string(),
            first: Some(error),
        });
    }

    /// A poll panicked while it held the halves' lock, leaving the driver
    /// in the middle of a step: the connection is given up on as after a
    /// transport failure.
    pub(crate) fn give_up_after_panic(&mut self) {
        self.abandon(Failure::Panicked);
    }

    /// The transport is given up on: unless the close handshake was
    /// complete, the connection fails with `failure`.
    fn abandon(&mut self, failure: Failure) {
        if self.conn.state() != State::Closed {
            let _ = self.conn.receive_eof();
            self.record(failure);
        }
        self.finish();
    }

    /// Nothing more will happen on the transport.
    fn finish(&mut self) {
        let output = self.conn.output();
        let len = output.len();
        output.advance(len);
        self.needs_flush = false;
        self.eof = true;
        self.done = true;
        self.sleep = None;
        self.armed = None;
        self.stall_deadline = None;
        self.stall_sleep = None;
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Driver<S> {
    /// The next data message; `None` once the transport is closed after a
    /// clean close handshake, or after the failure was reported.
    pub(crate) fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
        poller: Poller<'_>,
    ) -> Poll<Option<Result<Message, layer::Error>>> {
        if let Some(message) = ready!(self.drive(cx, poller, true)) {
            return Poll::Ready(Some(message));
        }
        if !self.failure_told
            && let Some(failure) = &mut self.failure
        {
            self.failure_told = true;
            return Poll::Ready(Some(Err(failure.report())));
        }
        Poll::Ready(None)
    }

    /// Drives the connection to its end, discarding data (the close
    /// handshake, after [`start_close`](Self::start_close)).
    pub(crate) fn poll_done(
        &mut self,
        cx: &mut Context<'_>,
        poller: Poller<'_>,
    ) -> Poll<Result<(), layer::Error>> {
        while ready!(self.drive(cx, poller, false)).is_some() {}
        Poll::Ready(self.outcome())
    }

    /// Writes until at most the write limit waits.
    pub(crate) fn poll_ready(
        &mut self,
        cx: &mut Context<'_>,
        poller: Poller<'_>,
    ) -> Poll<Result<(), layer::Error>> {
        self.poll_write(cx, poller, self.write_limit, false)
    }

    /// Writes and flushes everything waiting.
    pub(crate) fn poll_flush(
        &mut self,
        cx: &mut Context<'_>,
        poller: Poller<'_>,
    ) -> Poll<Result<(), layer::Error>> {
        self.poll_write(cx, poller, 0, true)
    }

    /// After a send: writes what the transport takes now, and waits only
    /// while more than the write limit is left.
    pub(crate) fn poll_sent(
        &mut self,
        cx: &mut Context<'_>,
        poller: Poller<'_>,
    ) -> Poll<Result<(), layer::Error>> {
        match self.poll_flush(cx, poller) {
            Poll::Pending if self.conn.output().len() <= self.write_limit => Poll::Ready(Ok(())),
            other => other,
        }
    }

    fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        poller: Poller<'_>,
        limit: usize,
        flush: bool,
    ) -> Poll<Result<(), layer::Error>> {
        match self.poll_output(cx, poller, limit, flush) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(())),
            Poll::Ready(Err(error)) => {
                self.transport_failed(error);
                Poll::Ready(self.outcome())
            }
            Poll::Pending => {
                ready!(self.poll_stall(cx, poller));
                self.abandon(Failure::WriteTimeout);
                Poll::Ready(self.outcome())
            }
        }
    }

    /// While a send waits on a transport that takes nothing: ready once it
    /// has waited the write timeout (never, without one).
    fn poll_stall(&mut self, cx: &mut Context<'_>, poller: Poller<'_>) -> Poll<()> {
        let Some(timeout) = self.write_timeout else {
            return Poll::Pending;
        };
        let deadline = *self
            .stall_deadline
            .get_or_insert_with(|| Instant::now() + timeout);
        let sleep = match &mut self.stall_sleep {
            Some(sleep) => {
                if sleep.deadline() != deadline {
                    sleep.as_mut().reset(deadline);
                }
                sleep
            }
            None => self
                .stall_sleep
                .insert(Box::pin(::tokio::time::sleep_until(deadline))),
        };
        poller.poll(Resource::Timer, cx, |cx| sleep.as_mut().poll(cx))
    }

    /// Writes output until at most `limit` bytes wait, then flushes if
    /// `flush` (and something was written).
    fn poll_output(
        &mut self,
        cx: &mut Context<'_>,
        poller: Poller<'_>,
        limit: usize,
        flush: bool,
    ) -> Poll<io::Result<()>> {
        let Driver {
            io,
            conn,
            needs_flush,
            stall_deadline,
            ..
        } = self;
        loop {
            let output = conn.output();
            if output.len() <= limit {
                break;
            }
            let written = if io.is_write_vectored() {
                let mut slices = [io::IoSlice::new(&[]); 16];
                let count = output.chunks_vectored(&mut slices);
                poller.poll(Resource::Write, cx, |cx| {
                    Pin::new(&mut *io).poll_write_vectored(cx, &slices[..count])
                })
            } else {
                let chunk = output.chunk();
                poller.poll(Resource::Write, cx, |cx| {
                    Pin::new(&mut *io).poll_write(cx, chunk)
                })
            };
            match ready!(written)? {
                0 => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                n => output.advance(n.min(output.len())),
            }
            // The transport took bytes: a send that waits starts over.
            *stall_deadline = None;
            *needs_flush = true;
        }
        if flush && *needs_flush {
            ready!(poller.poll(Resource::Write, cx, |cx| Pin::new(&mut *io).poll_flush(cx)))?;
            *needs_flush = false;
        }
        Poll::Ready(Ok(()))
    }

    /// The driving loop. Returns a data message (if `deliver`), or `None`
    /// once the transport is closed; pending when every source is.
    fn drive(
        &mut self,
        cx: &mut Context<'_>,
        poller: Poller<'_>,
        deliver: bool,
    ) -> Poll<Option<Result<Message, layer::Error>>> {
        for _ in 0..MAX_ROUNDS {
            if self.done {
                return Poll::Ready(None);
            }
            // 1. Events (the handshake may have left frames behind).
            loop {
                match self.conn.next_event() {
                    Ok(Some(Event::Message(message))) if deliver => {
                        return Poll::Ready(Some(Ok(message)));
                    }
                    Ok(Some(Event::Chunk(_))) if deliver => {
                        return Poll::Ready(Some(Err(streaming_unsupported())));
                    }
                    // Pongs and close replies are queued by the connection.
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(error) => self.record(Failure::Connection(error)),
                }
            }
            // 2. Time: a keepalive ping to write, a wait for the peer that
            // ran out (its close frame queued, or the output dropped).
            let now = self.now();
            if let Err(error) = self.conn.handle_timeout(now) {
                self.record(Failure::Connection(error));
            }
            // 3. Output, automatic pongs and close replies included.
            if let Poll::Ready(Err(error)) = self.poll_output(cx, poller, 0, true) {
                self.transport_failed(error);
                continue;
            }
            // 4. The transport, when the connection says so.
            if self.conn.should_close_transport() {
                // Errors here lose nothing: everything was written.
                let io = &mut self.io;
                let _ =
                    ready!(poller.poll(Resource::Write, cx, |cx| Pin::new(io).poll_shutdown(cx)));
                self.finish();
                continue;
            }
            // Otherwise wait for the next deadline as well as for input.
            if let Some(deadline) = self.conn.poll_timeout()
                && self.poll_sleep(cx, poller, deadline, now).is_ready()
            {
                continue;
            }
            // 5. Read, only now that no event is ready.
            if !self.eof {
                match self.poll_read(cx, poller) {
                    Poll::Ready(Ok(0)) => {
                        self.eof = true;
                        if let Err(error) = self.conn.receive_eof() {
                            self.record(Failure::Connection(error));
                        }
                        continue;
                    }
                    Poll::Ready(Ok(_)) => continue,
                    Poll::Ready(Err(error)) => {
                        self.transport_failed(error);
                        continue;
                    }
                    Poll::Pending => {}
                }
            }
            return Poll::Pending;
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Waits for `deadline` on the shared sleep.
    fn poll_sleep(
        &mut self,
        cx: &mut Context<'_>,
        poller: Poller<'_>,
        deadline: Timestamp,
        now: Timestamp,
    ) -> Poll<()> {
        let wait = deadline.saturating_duration_since(now).min(MAX_SLEEP);
        let when = Instant::now() + wait;
        let sleep = match &mut self.sleep {
            Some(sleep) => {
                if self.armed != Some(deadline) {
                    sleep.as_mut().reset(when);
                }
                sleep
            }
            None => self
                .sleep
                .insert(Box::pin(::tokio::time::sleep_until(when))),
        };
        self.armed = Some(deadline);
        ready!(poller.poll(Resource::Timer, cx, |cx| sleep.as_mut().poll(cx)));
        self.armed = None;
        Poll::Ready(())
    }

    /// One read into the connection: how many bytes (0 at end of file).
    fn poll_read(&mut self, cx: &mut Context<'_>, poller: Poller<'_>) -> Poll<io::Result<usize>> {
        let Driver { io, conn, .. } = self;
        with_scratch(|buf| {
            let mut buf = ReadBuf::new(buf);
            ready!(poller.poll(Resource::Read, cx, |cx| {
                Pin::new(&mut *io).poll_read(cx, &mut buf)
            }))?;
            conn.receive(buf.filled());
            Poll::Ready(Ok(buf.filled().len()))
        })
    }
}

/// The layer delivers whole messages only.
fn streaming_unsupported() -> layer::Error {
    layer::Error::Io(io::Error::new(
        io::ErrorKind::Unsupported,
        "Config::streaming is not supported by the tokio layer (it delivers whole messages)",
    ))
}
