//! The blocking WebSocket: reads, sends and closes on the calling thread.

use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;
use std::io::{self, Read, Write};
use std::time::Instant;

use crate::close::CloseFrame;
use crate::connection::{Connection, Event, State, Timestamp};
use crate::layer::Error;
use crate::message::Message;

/// Bytes read from the transport at a time.
const READ_SIZE: usize = 16 << 10;

/// A transport the blocking layer can bound in time: `Read + Write`, and a
/// read timeout, which is how the keepalive and close timers are honoured.
pub trait Transport: Read + Write {
    /// Makes the next reads wait at most `timeout` (`None`: forever). A
    /// transport that cannot do this may do nothing; its timers then only
    /// run when data arrives.
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;

    /// Makes the next writes wait at most `timeout` (`None`: forever). The
    /// layer sets the write timeout of the options here once the
    /// connection is open (a write that takes nothing for that long ends
    /// the connection with [`Error::WriteTimeout`]), bounds the opening's
    /// writes by the open timeout, and the close frame of a failed
    /// connection by the close timeout. A transport that cannot do this
    /// may do nothing (default); its writes then wait as long as the peer
    /// does not read.
    fn set_write_timeout(&mut self, _timeout: Option<Duration>) -> io::Result<()> {
        Ok(())
    }

    /// Closes both directions, once the connection is over. Default: nothing.
    fn shutdown(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Transport for std::net::TcpStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        std::net::TcpStream::set_read_timeout(self, timeout)
    }

    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        std::net::TcpStream::set_write_timeout(self, timeout)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        std::net::TcpStream::shutdown(self, std::net::Shutdown::Both)
    }
}

#[cfg(unix)]
impl Transport for std::os::unix::net::UnixStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        std::os::unix::net::UnixStream::set_read_timeout(self, timeout)
    }

    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        std::os::unix::net::UnixStream::set_write_timeout(self, timeout)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        std::os::unix::net::UnixStream::shutdown(self, std::net::Shutdown::Both)
    }
}

/// A WebSocket over a blocking transport.
///
/// Its verbs are those of the tokio layer's `WebSocketStream` (feature
/// `tokio`), which are `futures::SinkExt`'s: [`send`](Self::send) writes and
/// flushes, [`feed`](Self::feed) only queues, [`flush`](Self::flush)
/// writes what is queued, [`close`](Self::close) takes no argument and
/// [`close_with`](Self::close_with) a close frame; [`read`](Self::read)
/// is the stream's `next`.
///
/// # Dropping it does not close it
///
/// A WebSocket dropped without [`close`](Self::close) sends no close
/// frame: the transport is dropped (a TCP stream closes), and the peer
/// sees the connection end abruptly, without a close handshake (a browser
/// reports code 1006, abnormal closure; this crate's peer,
/// [`ConnectionError::UnexpectedEof`](crate::ConnectionError::UnexpectedEof),
/// also 1006). Messages [`feed`](Self::feed) queued and not yet written are
/// lost. To end a connection, call `close()` (or
/// [`close_with`](Self::close_with) a code): it sends the close frame,
/// waits for the peer's and closes the transport, within
/// `Config::close_timeout`. No close frame is written on drop: `Drop`
/// cannot report a failure, and a write there could block the dropping
/// thread for the write timeout on a peer that does not read.
///
/// Memory: the [`Connection`] (under 1 KiB idle), a 16 KiB read buffer,
/// and what the connection holds while messages are in flight (bounded by
/// its `Config`).
pub struct WebSocket<S> {
    stream: S,
    conn: Connection,
    buf: Vec<u8>,
    /// The clock's origin for the connection's timers.
    origin: Instant,
    /// The transport is closed; nothing more happens.
    done: bool,
}

impl<S: Transport> WebSocket<S> {
    /// A WebSocket on `stream`, whose opening handshake made `conn` (for a
    /// stream upgraded elsewhere; [`connect`](super::connect) and
    /// [`accept`](super::accept) call it themselves). The timers are
    /// `conn`'s configuration's (`Config::default()` has them on). The
    /// write timeout is the transport's own: `connect` and `accept` set
    /// [`DEFAULT_WRITE_TIMEOUT`](crate::layer::DEFAULT_WRITE_TIMEOUT) (30 s)
    /// on it; on a stream of your own, call its `set_write_timeout` first,
    /// or a peer that never reads can hold the thread.
    pub fn from_connection(stream: S, conn: Connection) -> Self {
        WebSocket {
            stream,
            conn,
            buf: vec![0; READ_SIZE],
            origin: Instant::now(),
            done: false,
        }
    }

    /// The next message, `Ok(None)` once the connection has closed cleanly.
    /// Pings are answered and the peer's close is replied to on the way;
    /// blocks until a message arrives (or a timer ends the connection).
    pub fn read(&mut self) -> Result<Option<Message>, Error> {
        loop {
            match self.read_event()? {
                Some(Event::Message(message)) => return Ok(Some(message)),
                Some(_) => {}
                None => return Ok(None),
            }
        }
    }

    /// The next event of any kind (with `Config::streaming`, the chunks of
    /// messages), `Ok(None)` once the connection has closed cleanly.
    pub fn read_event(&mut self) -> Result<Option<Event>, Error> {
        loop {
            if self.done {
                return Ok(None);
            }
            match self.conn.next_event() {
                Ok(Some(event)) => {
                    // Pongs and the close reply go out at once, even for a
                    // caller that only reads.
                    self.write_output()?;
                    return Ok(Some(event));
                }
                Ok(None) => {}
                Err(error) => return Err(self.end_with(error)),
            }
            if let Err(error) = self.conn.handle_timeout(self.now()) {
                return Err(self.end_with(error));
            }
            self.write_output()?;
            if self.conn.should_close_transport() {
                self.finish();
                return Ok(None);
            }
            self.read_transport()?;
        }
    }

    /// Sends a message: queues it and writes all queued output (blocking
    /// until the transport took it), as `SinkExt::send` does on the tokio
    /// layer's stream.
    pub fn send(&mut self, message: Message) -> Result<(), Error> {
        self.conn.send(message)?;
        self.flush()
    }

    /// Queues a message without writing it: it goes out with the next
    /// [`send`](Self::send), [`flush`](Self::flush) or [`read`](Self::read)
    /// (which writes what is queued before it waits). For answers to
    /// messages that arrived together, which then leave in one write. The
    /// connection's `Config::max_output_buffer` bounds what may wait.
    pub fn feed(&mut self, message: Message) -> Result<(), Error> {
        Ok(self.conn.send(message)?)
    }

    /// Sends a [`PreparedMessage`](crate::PreparedMessage) and writes it
    /// out, as [`send`](Self::send) does: a server shares the frame built
    /// once with every other connection it goes to. With blocking writes,
    /// one thread sending to many connections waits on each in turn (up to
    /// its write timeout); a server that broadcasts to many clients is
    /// better on the tokio layer's `broadcast`.
    pub fn send_prepared(&mut self, message: &crate::PreparedMessage) -> Result<(), Error> {
        self.conn.send_prepared(message)?;
        self.flush()
    }

    /// Writes all queued output and flushes the transport.
    pub fn flush(&mut self) -> Result<(), Error> {
        self.write_output()?;
        if self.done {
            return Ok(());
        }
        let flushed = self.stream.flush();
        self.after_write(flushed)
    }

    /// Sends a ping with `payload` (at most 125 bytes) and writes it out.
    pub fn ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.conn.ping(payload)?;
        self.flush()
    }

    /// Closes with a close frame without a code:
    /// [`close_with`](Self::close_with) with no frame.
    pub fn close(&mut self) -> Result<(), Error> {
        self.finish_closing(None)
    }

    /// Closes: sends the close `frame` (skipped if the connection is already
    /// past open), then reads (discarding data) until the peer has answered
    /// and the transport is closed, bounded by `Config::close_timeout`.
    pub fn close_with(&mut self, frame: CloseFrame) -> Result<(), Error> {
        self.finish_closing(Some(frame))
    }

    fn finish_closing(&mut self, frame: Option<CloseFrame>) -> Result<(), Error> {
        if self.conn.state() == State::Open {
            self.conn.close(frame)?;
        }
        while self.read_event()?.is_some() {}
        Ok(())
    }

    /// Where the connection is in its life.
    #[must_use]
    pub fn state(&self) -> State {
        self.conn.state()
    }

    /// The subprotocol the handshake agreed on.
    #[must_use]
    pub fn protocol(&self) -> Option<&str> {
        self.conn.protocol()
    }

    /// The peer's close frame, once it arrived (one without a code reads
    /// as 1005, as [`Connection::peer_close`] says).
    #[must_use]
    pub fn close_frame(&self) -> Option<&CloseFrame> {
        self.conn.peer_close()
    }

    /// The connection (state, limits, what was agreed on).
    #[must_use]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The transport.
    #[must_use]
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    fn now(&self) -> Timestamp {
        Timestamp::from_duration(self.origin.elapsed())
    }

    fn write_output(&mut self) -> Result<(), Error> {
        let written = self.conn.output().write_to(&mut self.stream);
        self.after_write(written)
    }

    /// A failed write gives the transport up. After a clean close a peer
    /// that is gone loses nothing.
    fn after_write(&mut self, written: io::Result<()>) -> Result<(), Error> {
        match written {
            Ok(()) => Ok(()),
            Err(_) if self.conn.state() == State::Closed => {
                self.finish();
                Ok(())
            }
            Err(e) => {
                self.finish();
                Err(if is_timeout(&e) {
                    Error::WriteTimeout
                } else {
                    e.into()
                })
            }
        }
    }

    /// Waits for input at most until the next deadline, and hands it over.
    fn read_transport(&mut self) -> Result<(), Error> {
        let wait = self.conn.poll_timeout().map(|deadline| {
            // Zero means "forever" to std: wait at least a millisecond.
            deadline
                .saturating_duration_since(self.now())
                .max(Duration::from_millis(1))
        });
        self.stream.set_read_timeout(wait)?;
        match self.stream.read(&mut self.buf) {
            Ok(0) => self
                .conn
                .receive_eof()
                .map_err(|error| self.end_with(error)),
            Ok(n) => {
                self.conn.receive(&self.buf[..n]);
                Ok(())
            }
            Err(e) if is_timeout(&e) => Ok(()),
            // A reset after a clean close handshake loses nothing.
            Err(_) if self.conn.state() == State::Closed => {
                self.finish();
                Ok(())
            }
            Err(e) => {
                let _ = self.conn.receive_eof();
                self.finish();
                Err(e.into())
            }
        }
    }

    /// The connection failed with `error`: write the close frame it queued
    /// (if the transport takes it), close the transport, report the error.
    fn end_with(&mut self, error: crate::ConnectionError) -> Error {
        let bound = self.conn.config().close_timeout;
        if self.stream.set_write_timeout(bound).is_ok() {
            let _ = self.conn.output().write_to(&mut self.stream);
        }
        self.finish();
        error.into()
    }

    fn finish(&mut self) {
        if !self.done {
            self.done = true;
            let _ = self.stream.shutdown();
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

impl<S> core::fmt::Debug for WebSocket<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WebSocket")
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}
