//! The connection state machine: bytes in, events out; messages in, bytes
//! out; time in, deadlines out.
//!
//! The state is split the way the data flows: a [`recv`] side (read buffer,
//! frames and messages in progress, inflate) and a [`send`] side (output,
//! waiting pongs, masking, deflate), with the connection on top holding the
//! one lifecycle ([`State`]), the [`timers`] and the public API. The receive
//! side hands back what it read as values; the duties those imply (a pong, a
//! close reply, a failure's close frame) are applied here, so receiving never
//! writes into send state behind the caller's back.

mod event;
mod recv;
mod send;
mod timers;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::close::{CloseFrame, MAX_CONTROL_PAYLOAD};
use crate::config::Config;
use crate::error::{Error, SendError};
use crate::frame::Opcode;
use crate::message::{DataKind, Message};
use crate::output::Output;
use crate::random::RandomSource;
use recv::{Received, Receiver, whole_message};
use send::Sender;
use timers::{Expired, Timers};

pub use event::{Chunk, Event, EventRef, MessageRef, Role};
pub use timers::Timestamp;

/// Where a connection is in its life. Every call checks it: sends are
/// refused outside [`Open`](State::Open), reading stops at
/// [`Closed`](State::Closed) or [`Failed`](State::Failed), and a state never
/// comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum State {
    /// Messages flow both ways.
    Open,
    /// This end sent its close frame and waits for the peer's; data that
    /// arrives meanwhile is discarded.
    Closing,
    /// Both close frames were exchanged (the close handshake is complete).
    Closed,
    /// A protocol violation, the transport's end before the close
    /// handshake, or a timeout ended the connection.
    Failed,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Open => "open",
            State::Closing => "closing (this end sent its close frame)",
            State::Closed => "closed",
            State::Failed => "failed",
        })
    }
}

/// What the handshake agreed on, kept for the life of the connection.
#[derive(Debug, Default)]
struct Negotiated {
    protocol: Option<String>,
    extensions: Vec<String>,
}

/// One WebSocket connection, after the opening handshake.
///
/// # Driving it
///
/// The connection never blocks and never does I/O; whoever owns the
/// transport moves bytes and time in and out, in this order, again and again:
///
/// 1. **Events first.** Call [`next_event`](Self::next_event) (or
///    [`next_event_ref`](Self::next_event_ref)) until it returns `Ok(None)`,
///    handling each event; the handshake may already have handed the
///    connection frames that came with it, so do this before the first read
///    too.
/// 2. **Time.** If any timer is configured, call
///    [`handle_timeout`](Self::handle_timeout) with the current time (it may
///    queue a keepalive ping, or end a wait that ran out).
/// 3. **Write the output.** [`output`](Self::output) is a [`bytes::Buf`]:
///    write its chunks (vectored if you like), [`advance`](bytes::Buf::advance)
///    by what the transport took, and keep going until it is empty or the
///    transport would block (then wait until it is writable). With `std`,
///    [`Output::write_to`] does all of that for an [`std::io::Write`].
///    Automatic pongs and close replies are queued here too, so write even
///    when the application only reads.
/// 4. **Close the transport when told.** Once
///    [`should_close_transport`](Self::should_close_transport) is true, close
///    it (and drop the connection). The server closes first after a clean
///    close; a client waits for the server's end of file (RFC 6455 section
///    7.1.1), bounded by `Config::close_timeout`. Either end closes at once
///    after a failure, once the failure's close frame is written.
///    Otherwise wait for input, for writability if output is waiting, or
///    until the deadline from [`poll_timeout`](Self::poll_timeout),
///    whichever comes first.
/// 5. **Read.** Pass what the transport read to [`receive`](Self::receive).
///    A read of zero bytes (end of file) goes to
///    [`receive_eof`](Self::receive_eof): before the close handshake is over
///    that is [`Error::UnexpectedEof`] (1006). After a clean close, a reset
///    instead of an end of file loses nothing.
///
/// On an error from `next_event`, `receive_eof` or `handle_timeout`, the
/// connection has already queued the close frame the error calls for (if
/// any) and reads no further: write the output, then close the transport.
/// On an error from a send, nothing was queued and the connection is as it
/// was.
///
/// A complete blocking driver over `std::net`, using nothing but this API:
///
/// ```
/// use std::io::{self, Read, Write};
/// use std::net::{TcpListener, TcpStream};
/// use std::time::Instant;
/// use rfc6455::handshake::{Accept, ClientRequest, Response, ServerHandshake};
/// use rfc6455::{Config, Connection, Event, Message, Timestamp};
///
/// /// Runs `conn` over `stream` until it is over, calling `on_event` for
/// /// every event (it may queue replies).
/// fn drive(
///     stream: &mut TcpStream,
///     conn: &mut Connection,
///     mut on_event: impl FnMut(&mut Connection, Event),
/// ) -> Result<(), rfc6455::Error> {
///     let start = Instant::now();
///     let now = || Timestamp::from_duration(start.elapsed());
///     let mut buf = vec![0; 16 * 1024];
///     let mut result = Ok(());
///     loop {
///         // 1. Events (the handshake may have left frames behind).
///         loop {
///             match conn.next_event() {
///                 Ok(Some(event)) => on_event(conn, event),
///                 Ok(None) => break,
///                 Err(error) => { result = Err(error); break; }
///             }
///         }
///         // 2. Time: it may queue a keepalive ping or end a wait.
///         if let Err(error) = conn.handle_timeout(now()) {
///             result = Err(error); // its close frame (if any) is queued
///         }
///         // 3. Output, including automatic pongs and close replies.
///         if conn.output().write_to(stream).is_err() {
///             return result; // the peer is gone; nothing more can be sent
///         }
///         // 4. The transport, when the connection says so; else wait for
///         // input at most until the next deadline.
///         if conn.should_close_transport() {
///             let _ = stream.shutdown(std::net::Shutdown::Both);
///             return result;
///         }
///         let wait = conn.poll_timeout().map(|deadline| {
///             deadline.saturating_duration_since(now()).max(std::time::Duration::from_millis(1))
///         });
///         stream.set_read_timeout(wait).expect("a non-zero timeout");
///         // 5. Read.
///         match stream.read(&mut buf) {
///             Ok(0) => if let Err(error) = conn.receive_eof() { result = Err(error) },
///             Ok(n) => conn.receive(&buf[..n]),
///             Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
///             // A reset after a clean close loses nothing.
///             Err(_) if conn.is_closed() && !conn.is_failed() => return result,
///             Err(_) => { let _ = conn.receive_eof(); return Err(rfc6455::Error::UnexpectedEof) }
///         }
///     }
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // An echo server on a loopback port, and a client that sends one message.
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let url = format!("ws://{}/echo", listener.local_addr()?);
/// let server = std::thread::spawn(move || -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
///     let (mut stream, _) = listener.accept()?;
///     let mut handshake = ServerHandshake::new(Config::default());
///     let mut buf = [0; 4096];
///     let request = loop {
///         let n = stream.read(&mut buf)?;
///         if let Some(request) = handshake.receive(&buf[..n])? { break request; }
///     };
///     let (response, mut conn) = request.accept(Accept::default())?;
///     stream.write_all(&response)?;
///     drive(&mut stream, &mut conn, |conn, event| {
///         if let Event::Message(message) = event { let _ = conn.send(message); }
///     })?;
///     Ok(())
/// });
///
/// let mut stream = TcpStream::connect(listener_addr(&url))?;
/// let (request, mut handshake) = ClientRequest::new(&url)?.start(Config::default())?;
/// stream.write_all(&request)?;
/// let mut buf = [0; 4096];
/// let mut conn = loop {
///     let n = stream.read(&mut buf)?;
///     match handshake.receive(&buf[..n])? {
///         Some(Response::Accepted(accepted)) => break accepted.into_connection(),
///         Some(Response::Rejected(rejection)) => panic!("refused: {}", rejection.status()),
///         None => {}
///     }
/// };
/// conn.send(Message::from("Hello"))?;
/// let mut echoed = None;
/// drive(&mut stream, &mut conn, |conn, event| {
///     if let Event::Message(message) = event {
///         echoed = Some(message);
///         conn.close(None).unwrap();
///     }
/// })?;
/// assert_eq!(echoed, Some(Message::from("Hello")));
/// server.join().unwrap().unwrap();
/// # Ok(())
/// # }
/// # fn listener_addr(url: &str) -> &str { url.trim_start_matches("ws://").trim_end_matches("/echo") }
/// ```
///
/// # Methods, by what they are for
///
/// - Making one: [`server`](Self::server), [`client`](Self::client),
///   [`client_with_random`](Self::client_with_random), and for a stream
///   whose handshake happened elsewhere `with_deflate` and
///   [`with_protocol`](Self::with_protocol). The handshakes in
///   [`handshake`](crate::handshake) make them for you.
/// - Input: [`receive`](Self::receive), [`receive_eof`](Self::receive_eof),
///   then [`next_event`](Self::next_event) or
///   [`next_event_ref`](Self::next_event_ref);
///   [`buffered_len`](Self::buffered_len).
/// - Sending: [`send`](Self::send), [`send_text`](Self::send_text),
///   [`send_binary`](Self::send_binary),
///   [`send_fragment`](Self::send_fragment), [`ping`](Self::ping),
///   [`pong`](Self::pong), [`close`](Self::close).
/// - Output: [`output`](Self::output), [`take_output`](Self::take_output),
///   [`wants_write`](Self::wants_write).
/// - Time: [`poll_timeout`](Self::poll_timeout),
///   [`handle_timeout`](Self::handle_timeout).
/// - State: [`state`](Self::state),
///   [`should_close_transport`](Self::should_close_transport),
///   [`is_closing`](Self::is_closing), [`is_closed`](Self::is_closed),
///   [`is_failed`](Self::is_failed), [`role`](Self::role),
///   [`config`](Self::config), [`protocol`](Self::protocol),
///   [`extensions`](Self::extensions).
pub struct Connection {
    role: Role,
    state: State,
    config: Config,
    recv: Receiver,
    send: Sender,
    timers: Timers,
    /// Boxed: most connections negotiate nothing.
    negotiated: Option<Box<Negotiated>>,
    #[cfg(feature = "deflate")]
    deflate: Option<crate::deflate::DeflateParams>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("role", &self.role)
            .field("state", &self.state)
            .field("buffered", &self.recv.buffered_len())
            .field("output", &self.send.output_len())
            .finish_non_exhaustive()
    }
}

/// Making a connection.
impl Connection {
    fn new(role: Role, config: Config, random: Option<Box<dyn RandomSource>>) -> Self {
        Connection {
            role,
            state: State::Open,
            timers: Timers::new(config.ping_interval),
            config,
            recv: Receiver::default(),
            send: Sender::new(role == Role::Client, random),
            negotiated: None,
            #[cfg(feature = "deflate")]
            deflate: None,
        }
    }

    /// A server's connection. It never masks, so it needs no random source;
    /// keepalive pings (`Config::ping_interval`) carry a counter.
    #[must_use]
    pub fn server(config: Config) -> Self {
        Connection::new(Role::Server, config, None)
    }

    /// A client's connection, masking with keys from the operating system.
    #[cfg(feature = "std")]
    #[must_use]
    pub fn client(config: Config) -> Self {
        Connection::client_with_random(config, Box::new(crate::random::OsRandom::new()))
    }

    /// A client's connection, masking with keys from `random` (which also
    /// makes the payloads of keepalive pings).
    #[must_use]
    pub fn client_with_random(config: Config, random: Box<dyn RandomSource>) -> Self {
        Connection::new(Role::Client, config, Some(random))
    }

    /// Turns on permessage-deflate with parameters negotiated by a handshake
    /// (the handshakes in [`handshake`](crate::handshake) do this themselves;
    /// call it for a stream whose handshake happened elsewhere). Compression
    /// level and threshold come from `Config::deflate`.
    #[cfg(feature = "deflate")]
    #[must_use]
    pub fn with_deflate(mut self, params: crate::deflate::DeflateParams) -> Self {
        let server = (
            params.server_max_window_bits,
            params.server_no_context_takeover,
        );
        let client = (
            params.client_max_window_bits,
            params.client_no_context_takeover,
        );
        let (ours, theirs) = match self.role {
            Role::Server => (server, client),
            Role::Client => (client, server),
        };
        let settings = &self.config.deflate;
        self.send.set_deflater(crate::deflate::Deflater::new(
            settings.compression_level,
            ours.0,
            ours.1,
            settings.min_compress_size,
        ));
        self.recv
            .set_inflater(crate::deflate::Inflater::new(theirs.0, theirs.1));
        self.deflate = Some(params);
        self
    }

    /// Records the subprotocol agreed on (the handshakes do this; call it
    /// for a stream whose handshake happened elsewhere).
    #[must_use]
    pub fn with_protocol(mut self, protocol: &str) -> Self {
        self.negotiated.get_or_insert_default().protocol = Some(protocol.into());
        self
    }

    /// Records the extensions the handshake accepted, as their raw text.
    pub(crate) fn with_extensions<'a>(mut self, extensions: impl Iterator<Item = &'a str>) -> Self {
        let mut extensions = extensions.map(String::from).peekable();
        if extensions.peek().is_some() {
            self.negotiated.get_or_insert_default().extensions = extensions.collect();
        }
        self
    }
}

/// Input: bytes and the end of the transport in, events out.
impl Connection {
    /// Hands over bytes that arrived from the peer. Nothing is parsed until
    /// [`next_event`](Self::next_event). Bytes after a failure or after the
    /// peer's close frame are dropped.
    pub fn receive(&mut self, bytes: &[u8]) {
        if !self.is_reading() {
            return;
        }
        self.recv.append(bytes);
        if !bytes.is_empty() {
            self.timers.on_receive(self.config.ping_interval);
        }
    }

    /// Reports that the transport reached end of file. Before the close
    /// handshake finished this is [`Error::UnexpectedEof`] (1006) and the
    /// connection fails; after it (or after a failure), it only ends the
    /// wait for the peer, so that
    /// [`should_close_transport`](Self::should_close_transport) turns true.
    pub fn receive_eof(&mut self) -> Result<(), Error> {
        match self.state {
            State::Open | State::Closing => {
                let error = self.fail(Error::UnexpectedEof);
                // Nothing can come from the peer any more: no timer waits.
                self.timers.end_wait();
                Err(error)
            }
            State::Closed | State::Failed => {
                self.timers.end_wait();
                Ok(())
            }
        }
    }

    /// Bytes received and not yet turned into events.
    #[must_use]
    pub fn buffered_len(&self) -> usize {
        self.recv.buffered_len()
    }

    /// The next event, or `Ok(None)` when more input is needed (or the
    /// connection no longer reads).
    ///
    /// A protocol violation queues a close frame with the matching code,
    /// returns the error, and ends reading: later calls return `Ok(None)`.
    pub fn next_event(&mut self) -> Result<Option<Event>, Error> {
        Ok(self.next_received()?.map(|received| match received {
            Received::InRead { kind, len } => {
                let payload = self.recv.take_read(len).freeze();
                Event::Message(whole_message(kind, payload))
            }
            Received::Message(message) => Event::Message(message),
            Received::Chunk(chunk) => Event::Chunk(chunk),
            Received::Ping(payload) => Event::Ping(payload),
            Received::Pong(payload) => Event::Pong(payload),
            Received::Close(frame) => Event::Close(frame),
        }))
    }

    /// Like [`next_event`](Self::next_event), but a whole message is lent
    /// instead of handed over: it stays in the connection's buffer until the
    /// next call on the connection, and no reference count is touched. Text
    /// was validated as it arrived and is not checked again.
    pub fn next_event_ref(&mut self) -> Result<Option<EventRef<'_>>, Error> {
        let Some(received) = self.next_received()? else {
            return Ok(None);
        };
        Ok(Some(match received {
            Received::InRead { kind, len } => {
                // Borrowed apart, so that the reader can stay lent while
                // the rest of the connection records a failure.
                let payload = self.recv.lend_read(len);
                EventRef::Message(match kind {
                    DataKind::Binary => MessageRef::Binary(payload),
                    // Validated as it arrived.
                    DataKind::Text => MessageRef::Text(crate::utf8::validated_str(payload)),
                })
            }
            Received::Message(message) => {
                EventRef::Message(match self.recv.lend_message(message) {
                    Message::Text(text) => MessageRef::Text(text.as_str()),
                    Message::Binary(bytes) => MessageRef::Binary(bytes),
                })
            }
            Received::Chunk(chunk) => EventRef::Chunk(chunk),
            Received::Ping(payload) => EventRef::Ping(payload),
            Received::Pong(payload) => EventRef::Pong(payload),
            Received::Close(frame) => EventRef::Close(frame),
        }))
    }

    /// Whether the state lets input in.
    fn is_reading(&self) -> bool {
        matches!(self.state, State::Open | State::Closing)
    }

    /// The next thing received, with its duties applied: a pong queued for
    /// a ping, the close reply and the state change for a close, keepalive
    /// satisfied by its pong. Data that arrives after this end's close frame
    /// is discarded.
    #[inline(always)]
    fn next_received(&mut self) -> Result<Option<Received>, Error> {
        loop {
            if !self.is_reading() {
                return Ok(None);
            }
            let received = match self.recv.poll(&self.config, self.role) {
                Ok(Some(received)) => received,
                Ok(None) => return Ok(None),
                Err(error) => return Err(self.fail(error)),
            };
            let discarding = self.state == State::Closing;
            match &received {
                Received::Ping(payload) => {
                    if self.config.auto_pong && !discarding {
                        self.send
                            .queue_pong(payload.clone(), self.config.max_pending_pongs);
                    }
                }
                Received::Pong(payload) => self.timers.on_pong(payload, self.config.ping_interval),
                Received::Close(frame) => self.on_peer_close(frame.as_ref()),
                Received::InRead { len, .. } if discarding => {
                    self.recv.discard_read(*len);
                    continue;
                }
                Received::Message(_) | Received::Chunk(_) if discarding => continue,
                Received::InRead { .. } | Received::Message(_) | Received::Chunk(_) => {}
            }
            return Ok(Some(received));
        }
    }

    /// The peer's close frame arrived: reply (echoing the code, not the
    /// reason) unless this end closed first; the handshake is complete.
    fn on_peer_close(&mut self, frame: Option<&CloseFrame>) {
        if self.state == State::Open {
            let reply = frame.map(|f| CloseFrame::new(f.code, "").to_payload());
            self.send.send_close(reply.as_deref().unwrap_or_default());
        }
        self.state = State::Closed;
        self.recv.stop();
        self.timers.on_leaving_open(self.config.close_timeout);
    }

    /// Records a failure: queues the close frame for it (if it has a code
    /// to send and this end had not closed yet) and stops reading.
    fn fail(&mut self, error: Error) -> Error {
        self.recv.stop();
        record_failure(
            &mut self.state,
            &mut self.send,
            &mut self.timers,
            &self.config,
            error,
        )
    }
}

/// Moves the lifecycle to failed for `error`, queueing its close frame if
/// this end had not sent one, and returns the error.
fn record_failure(
    state: &mut State,
    send: &mut Sender,
    timers: &mut Timers,
    config: &Config,
    error: Error,
) -> Error {
    if *state == State::Open
        && let Some(code) = error.close_code().filter(|c| c.is_sendable())
    {
        // The close frame goes before pongs still waiting.
        send.drop_pongs();
        send.send_close(&CloseFrame::new(code, "").to_payload());
    }
    *state = State::Failed;
    timers.on_leaving_open(config.close_timeout);
    error
}

/// Sending: each refuses outside the open state, and queues nothing when it
/// refuses.
impl Connection {
    /// Queues a whole message, split into frames of `Config::fragment_size`
    /// if that is set, and compressed if permessage-deflate is on. A large
    /// payload (4 KiB or more) sent unmasked is queued without a copy.
    ///
    /// On a refusal (not open, output full, a fragmented send unfinished)
    /// the message comes back in the [`SendError`].
    pub fn send(&mut self, message: Message) -> Result<(), SendError> {
        if let Err(error) = self.check_send(message.len(), false) {
            return Err(SendError::new(error, message));
        }
        self.send.send(&self.config, message);
        Ok(())
    }

    /// Queues a whole binary message, copying `payload` into the output: no
    /// `Bytes` to build for borrowed data, and nothing allocated once the
    /// output buffer has grown. With `Config::fragment_size` set (and the
    /// payload longer) or permessage-deflate on, it is copied into a `Bytes`
    /// once and sent as [`send`](Self::send) would, split or compressed. For
    /// a large payload already in `Bytes`, [`send`](Self::send) queues it
    /// without the copy.
    pub fn send_binary(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.check_send(payload.len(), false)?;
        self.send
            .send_borrowed(&self.config, DataKind::Binary, payload);
        Ok(())
    }

    /// Queues a whole text message, copying `text` into the output (see
    /// [`send_binary`](Self::send_binary), which says how fragmenting and
    /// compression apply).
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.check_send(text.len(), false)?;
        self.send
            .send_borrowed(&self.config, DataKind::Text, text.as_bytes());
        Ok(())
    }

    /// Queues one fragment of a message whose fragments the caller chooses
    /// (never compressed, never split further). `kind` must be the same for
    /// every fragment of a message; `is_last` ends it. Text fragments may
    /// split a code point but the whole must be UTF-8: it is the caller's to
    /// guarantee. Control frames may be sent between fragments.
    pub fn send_fragment(
        &mut self,
        kind: DataKind,
        payload: bytes::Bytes,
        is_last: bool,
    ) -> Result<(), Error> {
        self.check_send(payload.len(), true)?;
        self.send.send_fragment(kind, payload, is_last)
    }

    /// Queues a ping (at most 125 bytes of payload).
    pub fn ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.send_control(Opcode::Ping, payload)
    }

    /// Queues a pong (at most 125 bytes); an unsolicited pong is a heartbeat.
    pub fn pong(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.send_control(Opcode::Pong, payload)
    }

    fn send_control(&mut self, opcode: Opcode, payload: &[u8]) -> Result<(), Error> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(Error::ControlPayloadTooLong);
        }
        self.check_send(payload.len(), true)?;
        self.send.send_control(opcode, payload);
        Ok(())
    }

    /// Starts the close handshake: queues a close frame (`None` sends one
    /// with no code) and moves to [`State::Closing`]. Data that arrives
    /// until the peer's close is discarded. With `Config::close_timeout`
    /// set, the wait for the peer's close is bounded.
    pub fn close(&mut self, frame: Option<CloseFrame>) -> Result<(), Error> {
        if self.state != State::Open {
            return Err(Error::NotOpen(self.state));
        }
        let payload = match &frame {
            Some(frame) => {
                frame.check_sendable()?;
                frame.to_payload()
            }
            None => bytes::Bytes::new(),
        };
        self.send.send_close(&payload);
        self.state = State::Closing;
        self.timers.on_leaving_open(self.config.close_timeout);
        Ok(())
    }

    /// The state allows sending and `len` more bytes fit; `interleaved`:
    /// the frame may go between the fragments of an unfinished message.
    #[inline]
    fn check_send(&self, len: usize, interleaved: bool) -> Result<(), Error> {
        if self.state != State::Open {
            return Err(Error::NotOpen(self.state));
        }
        self.send.check(&self.config, len, interleaved)
    }
}

/// Output: the bytes to write to the transport.
impl Connection {
    /// The bytes waiting to be written, as a [`bytes::Buf`]: write them and
    /// `advance` by what the transport took (with `std`,
    /// [`Output::write_to`] does it for an [`std::io::Write`]).
    ///
    /// Automatic pongs join the output here (or ahead of the next frame
    /// queued, keeping their order), unless pongs that joined earlier are
    /// still unwritten: then the newer ones wait in the bounded queue of
    /// `Config::max_pending_pongs` until the output has been drained, so a
    /// peer that pings and never reads cannot grow the output. Call this
    /// again once the output is drained (as the driving loop does); until
    /// then [`wants_write`](Self::wants_write) stays true.
    #[inline]
    pub fn output(&mut self) -> &mut Output {
        self.send.output()
    }

    /// Removes and returns all waiting output as one buffer, waiting pongs
    /// included.
    pub fn take_output(&mut self) -> bytes::Bytes {
        self.send.output_all().take_bytes()
    }

    /// Whether output is waiting to be written.
    #[must_use]
    pub fn wants_write(&self) -> bool {
        self.send.wants_write()
    }
}

/// Time: the caller's monotonic clock in, deadlines out. Every timer is off
/// unless set in [`Config`].
impl Connection {
    /// The next deadline at which [`handle_timeout`](Self::handle_timeout)
    /// has something to do, or `None` if no timer is running. A deadline at
    /// or before the last time handed in means "now": a timer was armed (by
    /// data received, or a close queued) and starts counting at the next
    /// time handed in.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.timers.next_deadline()
    }

    /// Hands in the current time (from a monotonic clock; it never runs
    /// backwards here) and acts on every timer that has run out:
    ///
    /// - `Config::ping_interval` without input: queues a ping whose payload
    ///   is a nonce;
    /// - `Config::ping_timeout` without the pong that carries that nonce:
    ///   fails with [`Error::KeepaliveTimeout`] (close code 1011 queued);
    /// - `Config::close_timeout` after this end queued its close frame (or
    ///   failed) without the peer finishing: the peer is given up on, the
    ///   unwritten output dropped, and
    ///   [`should_close_transport`](Self::should_close_transport) turns
    ///   true; if the peer's close frame never came, that is
    ///   [`Error::CloseTimeout`]. A client that has finished the close
    ///   handshake gets the same bound for the server to close the
    ///   transport (no error then).
    ///
    /// Calling it early does nothing but record the time.
    pub fn handle_timeout(&mut self, now: Timestamp) -> Result<(), Error> {
        // Each timer fires at most once per call (a re-armed one lands
        // after `now`), so three rounds see them all; the bound keeps a
        // clock stuck at the largest time from looping.
        for _ in 0..3 {
            let Some(expired) = self.timers.expire(now) else {
                break;
            };
            match expired {
                Expired::SendPing => self.send_keepalive_ping(),
                Expired::PongMissing => return Err(self.fail(Error::KeepaliveTimeout)),
                Expired::CloseWait => {
                    self.send.abandon_output();
                    self.timers.stop();
                    if self.state == State::Closing {
                        self.state = State::Failed;
                        self.recv.stop();
                        return Err(Error::CloseTimeout);
                    }
                }
            }
        }
        Ok(())
    }

    fn send_keepalive_ping(&mut self) {
        if self.state != State::Open {
            return;
        }
        let mut nonce = self.timers.next_ping_number().to_be_bytes();
        self.send.fill_random(&mut nonce);
        self.send.send_control(Opcode::Ping, &nonce);
        self.timers
            .on_ping_sent(nonce, self.config.ping_interval, self.config.ping_timeout);
    }
}

/// State: where the connection is, and what was agreed on.
impl Connection {
    /// Where the connection is in its life.
    #[must_use]
    pub fn state(&self) -> State {
        self.state
    }

    /// Whether this end should now close the transport: all output is
    /// written and either the connection failed, or the close handshake is
    /// complete and this end closes first (the server), or a client's wait
    /// for the server's end of file is over (it arrived, or
    /// `Config::close_timeout` ran out). Once true, it stays true.
    #[must_use]
    pub fn should_close_transport(&self) -> bool {
        let done = match self.state {
            State::Open | State::Closing => false,
            State::Closed => self.role == Role::Server || self.timers.wait_over(),
            State::Failed => true,
        };
        done && !self.wants_write()
    }

    /// Whether this end has sent (or queued) its close frame, or the
    /// connection is otherwise past [`State::Open`].
    #[must_use]
    pub fn is_closing(&self) -> bool {
        self.state != State::Open
    }

    /// Whether the connection is over: the close handshake completed, or it
    /// failed. Nothing more will be read; write out the remaining output.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed | State::Failed)
    }

    /// Whether the connection failed (a protocol error, end of file before
    /// the close handshake, or a timeout).
    #[must_use]
    pub fn is_failed(&self) -> bool {
        self.state == State::Failed
    }

    /// This end's role.
    #[must_use]
    pub fn role(&self) -> Role {
        self.role
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The subprotocol the handshake agreed on, if any.
    #[must_use]
    pub fn protocol(&self) -> Option<&str> {
        self.negotiated.as_ref()?.protocol.as_deref()
    }

    /// The extensions the handshake agreed on, each as its raw text (the
    /// `Sec-WebSocket-Extensions` elements of the response).
    pub fn extensions(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.negotiated
            .as_deref()
            .map_or(&[][..], |n| &n.extensions[..])
            .iter()
            .map(String::as_str)
    }

    /// The permessage-deflate parameters in force, if it was negotiated
    /// (kept after the zlib state is freed, once the connection stops
    /// reading).
    #[cfg(feature = "deflate")]
    #[must_use]
    pub fn deflate(&self) -> Option<crate::deflate::DeflateParams> {
        self.deflate
    }
}
