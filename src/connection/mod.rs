//! The connection state machine: bytes in, events out; messages in, bytes
//! out; time in, deadlines out.
//!
//! The state is split the way the data flows: a [`recv`] side (read buffer,
//! frames and messages in progress, inflate) and a [`send`] side (output,
//! waiting pongs, masking, deflate), with the connection on top holding the
//! one lifecycle ([`State`]), the [`timers`] and the public API. The receive
//! side hands back what it read as values; the duties those imply (a pong, a
//! close reply, a failure's close frame) are applied in [`receiving`], so
//! receiving never writes into send state behind the caller's back.
//!
//! This file is the facade: the type, how to make one and what it knows.
//! The methods live by what they are for: [`receiving`] (input and
//! events), [`sending`] (messages, control frames and output), [`time`].

#[cfg(feature = "deflate")]
mod deflate;
mod event;
mod prepared;
mod receiving;
mod recv;
mod send;
mod sending;
mod state;
mod time;
mod timers;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::close::CloseFrame;
use crate::config::Config;
use crate::random::RandomSource;
use recv::Receiver;
use send::Sender;
use timers::Timers;

pub use event::{Chunk, Event, EventRef, MessageRef, Role};
pub use prepared::PreparedMessage;
pub use state::State;
pub use timers::Timestamp;

/// What the handshake agreed on, and the peer's close frame: boxed, since
/// most connections negotiate nothing and stay open for most of their life.
#[derive(Debug, Default)]
struct Extras {
    protocol: Option<String>,
    extensions: Vec<String>,
    peer_close: Option<CloseFrame>,
}

/// One WebSocket connection, after the opening handshake.
///
/// It never blocks and never does I/O. Whoever owns the transport, again
/// and again: takes the events ([`next_event`](Self::next_event) until
/// `Ok(None)`), hands in the time ([`handle_timeout`](Self::handle_timeout)),
/// writes the [`output`](Self::output), closes the transport once
/// [`should_close_transport`](Self::should_close_transport) says so, and
/// hands in what it read ([`receive`](Self::receive),
/// [`receive_eof`](Self::receive_eof), [`receive_reset`](Self::receive_reset)).
/// [`manual`](crate::manual) sets that contract out in full, with a
/// complete blocking driver over `std::net`.
///
/// Errors come typed by fault: input and time end the connection with a
/// [`ConnectionError`](crate::ConnectionError) (its close frame already
/// queued); a send, ping, pong or close the connection will not do is
/// [`Refused`](crate::Refused), with nothing queued.
///
/// ```
/// use rfc6455::{Config, Connection, Event, Message};
///
/// let mut client = Connection::client(Config::default());
/// let mut server = Connection::server(Config::default());
/// client.send(Message::from("Hello")).unwrap();
/// server.receive(&client.take_output());
/// assert_eq!(server.next_event(), Ok(Some(Event::Message(Message::from("Hello")))));
/// ```
///
/// # Dropping one sends nothing
///
/// A connection does no I/O, so dropping it sends no close frame and
/// discards output not yet written; if its transport is then closed, the
/// peer sees an abrupt end (code 1006, abnormal closure, at its side). To
/// end cleanly: [`close`](Self::close), then go on writing the output and
/// reading until [`should_close_transport`](Self::should_close_transport),
/// as [`manual`](crate::manual) sets out. The layers' handles are the same:
/// dropped, they send nothing; their `close` does all of this.
///
/// A connection is `Send` and `Sync` (its random source is), so it moves
/// to another thread and may be shared by reference across one.
///
/// # Methods, by what they are for
///
/// - Making one: [`server`](Self::server), `client` (with `std`),
///   [`client_with_random`](Self::client_with_random), and for a stream
///   whose handshake happened elsewhere `with_deflate` and
///   [`with_protocol`](Self::with_protocol). The handshakes in
///   [`handshake`](crate::handshake) make them for you.
/// - Input: [`receive`](Self::receive), [`receive_eof`](Self::receive_eof),
///   [`receive_reset`](Self::receive_reset), then
///   [`next_event`](Self::next_event) or
///   [`next_event_ref`](Self::next_event_ref);
///   [`buffered_len`](Self::buffered_len).
/// - Sending: [`send`](Self::send), [`send_text`](Self::send_text),
///   [`send_binary`](Self::send_binary),
///   [`send_fragment`](Self::send_fragment), [`ping`](Self::ping),
///   [`pong`](Self::pong), [`close`](Self::close).
/// - Output: [`output`](Self::output), [`take_output`](Self::take_output),
///   [`wants_write`](Self::wants_write), [`queued_len`](Self::queued_len).
/// - Time: [`poll_timeout`](Self::poll_timeout),
///   [`handle_timeout`](Self::handle_timeout).
/// - State: [`state`](Self::state),
///   [`should_close_transport`](Self::should_close_transport),
///   [`is_closing`](Self::is_closing), [`is_closed`](Self::is_closed),
///   [`is_failed`](Self::is_failed), [`peer_close`](Self::peer_close),
///   [`role`](Self::role), [`config`](Self::config),
///   [`protocol`](Self::protocol), [`extensions`](Self::extensions).
pub struct Connection {
    role: Role,
    state: State,
    config: Config,
    recv: Receiver,
    send: Sender,
    timers: Timers,
    /// Boxed: most connections have none.
    extras: Option<Box<Extras>>,
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
            extras: None,
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
        self.send.set_deflater(deflate::Deflater::new(
            settings.compression_level,
            ours.0,
            ours.1,
            settings.min_compress_size,
        ));
        self.recv
            .set_inflater(deflate::Inflater::new(theirs.0, theirs.1));
        self.deflate = Some(params);
        self
    }

    /// Records the subprotocol agreed on (the handshakes do this; call it
    /// for a stream whose handshake happened elsewhere).
    #[must_use]
    pub fn with_protocol(mut self, protocol: &str) -> Self {
        self.extras.get_or_insert_default().protocol = Some(protocol.into());
        self
    }

    /// Records the extensions the handshake accepted, as their raw text.
    pub(crate) fn with_extensions<'a>(mut self, extensions: impl Iterator<Item = &'a str>) -> Self {
        let mut extensions = extensions.map(String::from).peekable();
        if extensions.peek().is_some() {
            self.extras.get_or_insert_default().extensions = extensions.collect();
        }
        self
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

    /// Bytes queued for the transport and not yet written (a pure reading:
    /// unlike [`output`](Self::output), it moves no waiting pong into the
    /// output).
    #[must_use]
    pub fn queued_len(&self) -> usize {
        self.send.output_len()
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
        self.extras.as_ref()?.protocol.as_deref()
    }

    /// The peer's close frame, once it arrived (it is also the
    /// [`Event::Close`] that reported it). A close frame without a code
    /// reads as code 1005 ([`CloseCode::NO_STATUS`](crate::CloseCode::NO_STATUS)),
    /// as RFC 6455 section 7.1.5 says.
    #[must_use]
    pub fn peer_close(&self) -> Option<&CloseFrame> {
        self.extras.as_ref()?.peer_close.as_ref()
    }

    /// The extensions the handshake agreed on, each as its raw text (the
    /// `Sec-WebSocket-Extensions` elements of the response).
    pub fn extensions(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.extras
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
