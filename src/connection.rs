//! The connection state machine: bytes in, events out; messages in, bytes out.
//!
//! The receive side and the send side keep separate state. Receiving only
//! touches the send side through two obligations: pongs, which wait in a
//! bounded queue until output is taken or something else is sent, and the
//! close reply.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use bytes::{Buf, Bytes, BytesMut};

use crate::close::{CloseFrame, MAX_CONTROL_PAYLOAD};
use crate::config::Config;
use crate::error::Error;
use crate::frame::{Decoded, Header, Opcode, RSV1};
use crate::message::{DataKind, Message, Utf8Bytes};
use crate::output::Output;
use crate::random::RandomSource;
use crate::unmasker::Unmasker;
use crate::utf8::Validator;

/// Which end of the connection this is. Clients mask what they send; servers
/// require masked input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The end that opened the connection.
    Client,
    /// The end that accepted it.
    Server,
}

/// What the peer sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Event {
    /// A whole text or binary message (the default mode).
    Message(Message),
    /// Part of a message, as it arrived (with `Config::streaming`).
    Chunk(Chunk),
    /// A ping. If `Config::auto_pong` is on, the pong is already queued.
    Ping(Bytes),
    /// A pong.
    Pong(Bytes),
    /// The peer's close frame (`None` if it carried no code). The reply is
    /// already queued unless this end had sent its close first.
    Close(Option<CloseFrame>),
}

/// A piece of a message, delivered in streaming mode.
///
/// The chunks of one message, concatenated, are the message. For text the
/// whole is valid UTF-8, but a chunk may end inside a code point.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Chunk {
    /// Text or binary.
    pub kind: DataKind,
    /// The bytes, unmasked.
    pub payload: Bytes,
    /// Whether this is the message's first chunk.
    pub is_first: bool,
    /// Whether this is the message's last chunk.
    pub is_last: bool,
}

/// What the peer sent, with a whole message borrowed from the connection
/// (see [`Connection::next_event_ref`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventRef<'a> {
    /// A whole text message.
    Text(&'a str),
    /// A whole binary message.
    Binary(&'a [u8]),
    /// Anything else, owned, as [`Connection::next_event`] gives it.
    Other(Event),
}

/// What one step of the receive side produced.
enum Polled {
    Event(Event),
    /// A whole unfragmented, uncompressed message: the first `len` bytes of
    /// the read buffer.
    InRead {
        kind: DataKind,
        len: usize,
    },
}

/// A frame whose header has been read and whose payload is arriving.
#[derive(Debug)]
struct IncomingFrame {
    header: Header,
    /// Payload bytes of this frame not yet taken out of the read buffer.
    len: usize,
    /// Of those, how many are already checked (UTF-8, for text).
    processed: usize,
}

/// A data message that has started and not yet finished.
#[derive(Debug)]
struct IncomingMessage {
    kind: DataKind,
    /// Payload bytes declared so far, across fragments.
    size: u64,
    utf8: Validator,
    /// The fragments so far (whole-message mode, fragmented or compressed
    /// messages only), decompressed.
    assembled: Vec<u8>,
    /// Whether a chunk of it was delivered (streaming mode).
    started: bool,
    /// Whether it is compressed (RSV1 on its first frame, permessage-deflate).
    compressed: bool,
    /// Decompressed bytes delivered so far (streaming mode).
    inflated: usize,
}

/// The permessage-deflate state of a connection.
#[cfg(feature = "deflate")]
struct Deflate {
    deflater: crate::deflate::Deflater,
    inflater: crate::deflate::Inflater,
}

/// Without the `deflate` feature no connection has compression state.
#[cfg(not(feature = "deflate"))]
type Deflate = core::convert::Infallible;

/// One WebSocket connection, after the opening handshake.
///
/// Feed it bytes with [`receive`](Self::receive), take [`Event`]s from
/// [`next_event`](Self::next_event), queue messages with
/// [`send`](Self::send), and write [`output`](Self::output) to the transport.
pub struct Connection {
    role: Role,
    config: Config,
    random: Option<Box<dyn RandomSource>>,

    read: BytesMut,
    unmasker: Unmasker,
    /// Bytes at the front of `read` lent out by `next_event_ref`, dropped
    /// before the buffer is next used.
    lent: usize,
    /// A message lent out by `next_event_ref` that was not in `read`.
    lent_message: Option<Message>,
    frame: Option<IncomingFrame>,
    message: Option<IncomingMessage>,

    output: Output,
    /// Automatic pongs not yet moved to `output`, oldest first.
    pending_pongs: VecDeque<Bytes>,
    /// The kind of a message being sent with `send_fragment`, if unfinished.
    sending: Option<DataKind>,

    close_sent: bool,
    close_received: bool,
    failed: bool,

    /// Boxed: the zlib states are large and most connections never compress.
    deflate: Option<Box<Deflate>>,
}

impl core::fmt::Debug for Connection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connection")
            .field("role", &self.role)
            .field("buffered", &self.read.len())
            .field("output", &self.output.len())
            .field("close_sent", &self.close_sent)
            .field("close_received", &self.close_received)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl Connection {
    fn new(role: Role, config: Config, random: Option<Box<dyn RandomSource>>) -> Self {
        Connection {
            role,
            config,
            random,
            read: BytesMut::new(),
            unmasker: Unmasker::default(),
            lent: 0,
            lent_message: None,
            frame: None,
            message: None,
            output: Output::default(),
            pending_pongs: VecDeque::new(),
            sending: None,
            close_sent: false,
            close_received: false,
            failed: false,
            deflate: None,
        }
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
        self.deflate = Some(Box::new(Deflate {
            deflater: crate::deflate::Deflater::new(
                settings.compression_level,
                ours.0,
                ours.1,
                settings.min_compress_size,
            ),
            inflater: crate::deflate::Inflater::new(theirs.0, theirs.1),
        }));
        self
    }

    /// Whether permessage-deflate is on for this connection (its state is
    /// freed once the connection stops reading: closed or failed).
    #[must_use]
    pub fn is_deflate_enabled(&self) -> bool {
        self.deflate.is_some()
    }

    /// A server's connection (it never masks, so needs no random source).
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

    /// A client's connection, masking with keys from `random`.
    #[must_use]
    pub fn client_with_random(config: Config, random: Box<dyn RandomSource>) -> Self {
        Connection::new(Role::Client, config, Some(random))
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

    /// Hands over bytes that arrived from the peer. Nothing is parsed until
    /// [`next_event`](Self::next_event). Bytes after a failure or after the
    /// peer's close frame are dropped.
    pub fn receive(&mut self, bytes: &[u8]) {
        if self.is_reading_done() {
            return;
        }
        self.drop_lent();
        if self.read.capacity() - self.read.len() < bytes.len() {
            // Room for as much again as is buffered: a partial frame is then
            // moved (or the buffer grown) once per several reads, not on
            // every read that continues it.
            self.read.reserve(bytes.len() + self.read.len());
        }
        self.unmasker.append(&mut self.read, bytes);
    }

    /// Bytes received and not yet turned into events.
    #[must_use]
    pub fn buffered_len(&self) -> usize {
        self.read.len() - self.lent + self.message.as_ref().map_or(0, |m| m.assembled.len())
    }

    /// The next event, or `Ok(None)` when more input is needed (or the
    /// connection is closed).
    ///
    /// A protocol violation queues a close frame with the matching code,
    /// returns the error, and ends reading: later calls return `Ok(None)`.
    pub fn next_event(&mut self) -> Result<Option<Event>, Error> {
        Ok(match self.next_polled()? {
            None => None,
            Some(Polled::Event(event)) => Some(event),
            Some(Polled::InRead { kind, len }) => {
                let payload = self.take_read(len).freeze();
                Some(Event::Message(whole_message(kind, payload)))
            }
        })
    }

    /// Like [`next_event`](Self::next_event), but a whole message is lent
    /// instead of handed over: it stays in the connection's buffer until the
    /// next call on the connection, and no reference count is touched. Text
    /// was validated as it arrived; it is checked again (a SIMD pass) to be
    /// lent as `&str` without `unsafe`.
    pub fn next_event_ref(&mut self) -> Result<Option<EventRef<'_>>, Error> {
        Ok(match self.next_polled()? {
            None => None,
            Some(Polled::Event(Event::Message(message))) => {
                let message = self.lent_message.insert(message);
                Some(match message {
                    Message::Text(text) => EventRef::Text(text.as_str()),
                    Message::Binary(bytes) => EventRef::Binary(bytes),
                })
            }
            Some(Polled::Event(event)) => Some(EventRef::Other(event)),
            Some(Polled::InRead { kind, len }) => {
                self.lent = len;
                let payload = &self.read[..len];
                Some(match kind {
                    DataKind::Text => match crate::utf8::as_str(payload) {
                        Some(text) => EventRef::Text(text),
                        None => return Err(Error::InvalidUtf8),
                    },
                    DataKind::Binary => EventRef::Binary(payload),
                })
            }
        })
    }

    fn next_polled(&mut self) -> Result<Option<Polled>, Error> {
        if self.is_reading_done() {
            return Ok(None);
        }
        self.drop_lent();
        self.poll_event().map_err(|error| self.fail(error))
    }

    /// Frees what `next_event_ref` lent: the caller is done with it.
    fn drop_lent(&mut self) {
        let lent = core::mem::take(&mut self.lent);
        self.discard_read(lent);
        self.lent_message = None;
    }

    /// Takes the first `len` (walked) bytes out of the read buffer.
    fn take_read(&mut self, len: usize) -> BytesMut {
        self.unmasker.consume(len);
        self.read.split_to(len)
    }

    /// Drops the first `len` (walked) bytes of the read buffer. Unlike
    /// [`take_read`](Self::take_read) no handle to the buffer is made, so no
    /// reference count is touched.
    fn discard_read(&mut self, len: usize) {
        self.unmasker.consume(len);
        self.read.advance(len);
    }

    fn is_reading_done(&self) -> bool {
        self.failed || self.close_received
    }

    fn poll_event(&mut self) -> Result<Option<Polled>, Error> {
        loop {
            if self.frame.is_none() && !self.read_header()? {
                return Ok(None);
            }
            if let Some(polled) = self.read_payload()? {
                return Ok(Some(polled));
            }
            if self.frame.is_some() {
                return Ok(None);
            }
        }
    }

    /// Reads and checks a header; `false` if it has not all arrived.
    fn read_header(&mut self) -> Result<bool, Error> {
        let (header, header_len) = match Header::decode(&self.read)? {
            Decoded::Partial { .. } => return Ok(false),
            Decoded::Complete { header, len } => (header, len),
        };
        let starts_message = matches!(header.opcode, Opcode::Text | Opcode::Binary);
        let compressed = header.rsv == RSV1 && starts_message && self.is_deflate_enabled();
        if header.rsv != 0 && !compressed {
            return Err(Error::ReservedBitsSet(header.rsv));
        }
        if !self.config.lenient_masking {
            match (self.role, header.mask) {
                (Role::Server, None) => return Err(Error::UnmaskedFrame),
                (Role::Client, Some(_)) => return Err(Error::MaskedFrame),
                _ => {}
            }
        }
        if header.payload_len > self.config.max_frame_size as u64 {
            return Err(Error::FrameTooLarge);
        }
        if !header.opcode.is_control() {
            self.start_data_frame(&header, compressed)?;
        }
        self.read.advance(header_len);
        self.unmasker.consume(header_len);
        // Most of a large payload still to come: if the buffer already holds
        // room for all of it (the last message's, once dropped), move the
        // little that is here to its start now, so the rest arrives without
        // a copy from growing. Nothing is allocated from the declared length.
        let missing = (header.payload_len as usize).saturating_sub(self.read.len());
        if missing > self.read.len() {
            let _ = self.read.try_reclaim(missing);
        }
        self.frame = Some(IncomingFrame {
            header,
            // At most max_frame_size, so it fits in usize.
            len: header.payload_len as usize,
            processed: 0,
        });
        Ok(true)
    }

    /// Checks a data frame against the message in progress and its limits.
    fn start_data_frame(&mut self, header: &Header, compressed: bool) -> Result<(), Error> {
        let message = match (header.opcode, &mut self.message) {
            (Opcode::Continuation, Some(message)) => message,
            (Opcode::Continuation, None) => return Err(Error::UnexpectedContinuation),
            (_, Some(_)) => return Err(Error::ExpectedContinuation),
            (opcode, None) => self.message.insert(IncomingMessage {
                kind: if opcode == Opcode::Text {
                    DataKind::Text
                } else {
                    DataKind::Binary
                },
                size: 0,
                utf8: Validator::default(),
                assembled: Vec::new(),
                started: false,
                compressed,
                inflated: 0,
            }),
        };
        message.size += header.payload_len;
        if message.size > self.config.max_message_size as u64 {
            return Err(Error::MessageTooLarge);
        }
        Ok(())
    }

    /// Checks newly arrived (already unmasked) payload, and delivers what is
    /// ready.
    fn read_payload(&mut self) -> Result<Option<Polled>, Error> {
        let Some(frame) = self.frame.as_mut() else {
            return Ok(None);
        };
        let available = frame.len.min(self.unmasker.ready());
        if available > frame.processed {
            let fresh = &self.read[frame.processed..available];
            if let Some(message) = self.message.as_mut()
                && message.kind == DataKind::Text
                && !message.compressed
                && !frame.header.opcode.is_control()
            {
                message.utf8.feed(fresh)?;
            }
            frame.processed = available;
        }
        let is_data = !frame.header.opcode.is_control();
        if self.config.streaming && is_data {
            return Ok(self.take_chunk()?.map(Polled::Event));
        }
        if frame.processed < frame.len {
            return Ok(None);
        }
        let (header, len) = (frame.header, frame.len);
        self.frame = None;
        if is_data {
            self.finish_data_frame(header.fin, len)
        } else {
            let payload = self.take_read(len).freeze();
            let event = self.handle_control(header.opcode, payload)?;
            Ok(Some(Polled::Event(event)))
        }
    }

    /// Streaming mode: hands out whatever payload of the frame is ready.
    fn take_chunk(&mut self) -> Result<Option<Event>, Error> {
        let (Some(frame), Some(message)) = (self.frame.as_mut(), self.message.as_mut()) else {
            return Ok(None);
        };
        let ready = frame.processed;
        let frame_done = ready == frame.len;
        let is_last = frame_done && frame.header.fin;
        if ready == 0 && !is_last {
            if frame_done {
                self.frame = None;
            }
            return Ok(None);
        }
        self.unmasker.consume(ready);
        let mut payload = self.read.split_to(ready).freeze();
        frame.len -= ready;
        frame.processed = 0;
        if message.compressed {
            let mut out = Vec::new();
            let limit = self
                .config
                .max_message_size
                .saturating_sub(message.inflated);
            inflate(&mut self.deflate, &payload, is_last, &mut out, limit)?;
            message.inflated += out.len();
            if message.kind == DataKind::Text {
                message.utf8.feed(&out)?;
            }
            payload = Bytes::from(out);
        }
        let chunk = Chunk {
            kind: message.kind,
            payload,
            is_first: !message.started,
            is_last,
        };
        message.started = true;
        if frame_done {
            self.frame = None;
        }
        if is_last {
            self.finish_message()?;
        }
        Ok((!self.close_sent).then_some(Event::Chunk(chunk)))
    }

    /// Whole-message mode: a data frame's payload (the first `len` bytes of
    /// the read buffer) has fully arrived.
    fn finish_data_frame(&mut self, fin: bool, len: usize) -> Result<Option<Polled>, Error> {
        let Some(message) = self.message.as_mut() else {
            return Ok(None);
        };
        let kind = message.kind;
        if fin && !message.compressed && message.assembled.is_empty() {
            // Unfragmented (or all earlier fragments were empty): delivered
            // from where it lies.
            self.finish_message()?;
            if self.close_sent {
                self.discard_read(len);
                return Ok(None);
            }
            return Ok(Some(Polled::InRead { kind, len }));
        }
        let payload = &self.read[..len];
        if message.compressed {
            let before = message.assembled.len();
            let limit = self.config.max_message_size;
            inflate(
                &mut self.deflate,
                payload,
                fin,
                &mut message.assembled,
                limit,
            )?;
            if message.kind == DataKind::Text {
                message.utf8.feed(&message.assembled[before..])?;
            }
        } else {
            message.assembled.extend_from_slice(payload);
        }
        let whole = fin.then(|| Bytes::from(core::mem::take(&mut message.assembled)));
        self.discard_read(len);
        let Some(whole) = whole else {
            return Ok(None);
        };
        self.finish_message()?;
        if self.close_sent {
            return Ok(None);
        }
        Ok(Some(Polled::Event(Event::Message(whole_message(
            kind, whole,
        )))))
    }

    /// Ends the message in progress, checking that text did not stop inside
    /// a code point.
    fn finish_message(&mut self) -> Result<(), Error> {
        if let Some(mut message) = self.message.take() {
            message.utf8.finish()?;
        }
        Ok(())
    }

    fn handle_control(&mut self, opcode: Opcode, payload: Bytes) -> Result<Event, Error> {
        Ok(match opcode {
            Opcode::Ping => {
                if self.config.auto_pong && !self.close_sent {
                    self.queue_pong(payload.clone());
                }
                Event::Ping(payload)
            }
            Opcode::Pong => Event::Pong(payload),
            _ => {
                let frame = CloseFrame::parse(payload)?;
                self.close_received = true;
                self.stop_reading();
                if !self.close_sent {
                    // Echo the code, not the reason.
                    let reply = frame.as_ref().map(|f| CloseFrame::new(f.code, ""));
                    self.queue_close(reply.as_ref());
                }
                Event::Close(frame)
            }
        })
    }

    /// Frees everything the receive side holds: nothing more will be read.
    fn stop_reading(&mut self) {
        self.read = BytesMut::new();
        self.lent = 0;
        self.lent_message = None;
        self.unmasker = Unmasker::default();
        self.frame = None;
        self.message = None;
        // Only uncompressed control frames can be sent from here on.
        self.deflate = None;
    }

    /// Records a failure: queues the close frame for it and stops reading.
    fn fail(&mut self, error: Error) -> Error {
        self.failed = true;
        self.stop_reading();
        if let Some(code) = error.close_code().filter(|c| c.is_sendable())
            && !self.close_sent
        {
            self.pending_pongs.clear();
            self.queue_close(Some(&CloseFrame::new(code, "")));
        }
        error
    }

    /// Reports that the transport reached end of file. Before the close
    /// handshake finished this is [`Error::UnexpectedEof`] (1006).
    pub fn receive_eof(&mut self) -> Result<(), Error> {
        if self.is_closed() {
            Ok(())
        } else {
            Err(self.fail(Error::UnexpectedEof))
        }
    }

    /// Queues a whole message, split into frames of `Config::fragment_size`
    /// if that is set.
    pub fn send(&mut self, message: Message) -> Result<(), Error> {
        if self.sending.is_some() {
            return Err(Error::FragmentedSendInProgress);
        }
        let kind = message.kind();
        let payload = message.into_bytes();
        self.check_can_send(payload.len())?;
        let (mut rest, mut rsv) = self.compress(payload);
        let mut opcode = data_opcode(kind);
        // RSV1 marks only the first frame of a compressed message.
        if let Some(size) = self.config.fragment_size.map(core::num::NonZeroUsize::get) {
            while rest.len() > size {
                let piece = rest.split_to(size);
                self.queue_frame(false, rsv, opcode, piece);
                (opcode, rsv) = (Opcode::Continuation, 0);
            }
        }
        self.queue_frame(true, rsv, opcode, rest);
        Ok(())
    }

    /// Queues a whole binary message, copying `payload` into the output: no
    /// `Bytes` to build for borrowed data, and nothing allocated once the
    /// output buffer has grown. For a large payload already in `Bytes`,
    /// [`send`](Self::send) queues it without the copy.
    pub fn send_binary(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.send_borrowed(DataKind::Binary, payload)
    }

    /// Queues a whole text message, copying `text` into the output (see
    /// [`send_binary`](Self::send_binary)).
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.send_borrowed(DataKind::Text, text.as_bytes())
    }

    /// `payload` is UTF-8 if `kind` is text.
    fn send_borrowed(&mut self, kind: DataKind, payload: &[u8]) -> Result<(), Error> {
        let splits = self
            .config
            .fragment_size
            .is_some_and(|n| payload.len() > n.get());
        if splits || self.is_deflate_enabled() {
            // Fragmenting and compressing work on an owned payload.
            return self.send(whole_message(kind, Bytes::copy_from_slice(payload)));
        }
        if self.sending.is_some() {
            return Err(Error::FragmentedSendInProgress);
        }
        self.check_can_send(payload.len())?;
        self.flush_pongs();
        let header = self.frame_header(true, 0, data_opcode(kind), payload.len());
        self.output.push_frame_copied(&header, payload);
        Ok(())
    }

    /// The payload to send and its RSV bits: compressed with RSV1 when
    /// permessage-deflate is on and compressing pays.
    fn compress(&mut self, payload: Bytes) -> (Bytes, u8) {
        #[cfg(feature = "deflate")]
        if let Some(compressed) = self
            .deflate
            .as_mut()
            .and_then(|d| d.deflater.compress(&payload))
        {
            return (compressed, RSV1);
        }
        (payload, 0)
    }

    /// Queues one fragment of a message whose fragments the caller chooses.
    /// `kind` must be the same for every fragment of a message; `is_last`
    /// ends it. Text fragments may split a code point but the whole must be
    /// UTF-8: it is the caller's to guarantee.
    pub fn send_fragment(
        &mut self,
        kind: DataKind,
        payload: Bytes,
        is_last: bool,
    ) -> Result<(), Error> {
        let opcode = match self.sending {
            Some(sending) if sending != kind => return Err(Error::FragmentedSendInProgress),
            Some(_) => Opcode::Continuation,
            None => data_opcode(kind),
        };
        self.check_can_send(payload.len())?;
        self.sending = if is_last { None } else { Some(kind) };
        self.queue_frame(is_last, 0, opcode, payload);
        Ok(())
    }

    /// Queues a ping (at most 125 bytes of payload).
    pub fn ping(&mut self, payload: Bytes) -> Result<(), Error> {
        self.send_control(Opcode::Ping, payload)
    }

    /// Queues a pong (at most 125 bytes); an unsolicited pong is a heartbeat.
    pub fn pong(&mut self, payload: Bytes) -> Result<(), Error> {
        self.send_control(Opcode::Pong, payload)
    }

    fn send_control(&mut self, opcode: Opcode, payload: Bytes) -> Result<(), Error> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(Error::ControlPayloadTooLong);
        }
        self.check_can_send(payload.len())?;
        self.queue_frame(true, 0, opcode, payload);
        Ok(())
    }

    /// Starts the close handshake: queues a close frame (`None` sends one
    /// with no code). Data that arrives until the peer's close is discarded.
    pub fn close(&mut self, frame: Option<CloseFrame>) -> Result<(), Error> {
        if let Some(frame) = &frame {
            frame.check_sendable()?;
        }
        if self.close_sent {
            return Err(Error::AlreadyClosing);
        }
        self.queue_close(frame.as_ref());
        Ok(())
    }

    fn check_can_send(&self, len: usize) -> Result<(), Error> {
        if self.close_sent {
            return Err(Error::AlreadyClosing);
        }
        if self.output.len().saturating_add(len) > self.config.max_output_buffer {
            return Err(Error::OutputBufferFull);
        }
        Ok(())
    }

    fn queue_close(&mut self, frame: Option<&CloseFrame>) {
        let payload = frame.map_or_else(Bytes::new, CloseFrame::to_payload);
        self.queue_frame(true, 0, Opcode::Close, payload);
        self.close_sent = true;
    }

    /// Queues a frame after any waiting pongs, so replies keep their place.
    fn queue_frame(&mut self, fin: bool, rsv: u8, opcode: Opcode, payload: Bytes) {
        self.flush_pongs();
        self.write_frame(fin, rsv, opcode, payload);
    }

    fn write_frame(&mut self, fin: bool, rsv: u8, opcode: Opcode, payload: Bytes) {
        let header = self.frame_header(fin, rsv, opcode, payload.len());
        self.output.push_frame(&header, payload);
    }

    /// The header of an outgoing frame, with a fresh mask key on a client.
    fn frame_header(&mut self, fin: bool, rsv: u8, opcode: Opcode, len: usize) -> Header {
        let mask = self.random.as_mut().map(|random| {
            let mut key = [0; 4];
            random.fill_bytes(&mut key);
            key
        });
        Header {
            fin,
            rsv,
            opcode,
            mask,
            payload_len: len as u64,
        }
    }

    /// Queues an automatic pong. Beyond `Config::max_pending_pongs` the
    /// oldest waiting one is dropped: RFC 6455 section 5.5.3 allows answering
    /// only the most recent ping, and a peer that pings without reading must
    /// not grow this queue.
    fn queue_pong(&mut self, payload: Bytes) {
        self.pending_pongs.push_back(payload);
        while self.pending_pongs.len() > self.config.max_pending_pongs.max(1) {
            self.pending_pongs.pop_front();
        }
    }

    #[inline]
    fn flush_pongs(&mut self) {
        while let Some(pong) = self.pending_pongs.pop_front() {
            self.write_frame(true, 0, Opcode::Pong, pong);
        }
    }

    /// The bytes waiting to be written, as a [`bytes::Buf`]: write them and
    /// `advance` by what the transport took.
    pub fn output(&mut self) -> &mut Output {
        self.flush_pongs();
        &mut self.output
    }

    /// Removes and returns all waiting output as one buffer.
    pub fn take_output(&mut self) -> Bytes {
        self.output().take_bytes()
    }

    /// Whether output is waiting to be written.
    #[must_use]
    pub fn wants_write(&self) -> bool {
        !self.output.is_empty() || !self.pending_pongs.is_empty()
    }

    /// Whether this end has sent (or queued) its close frame.
    #[must_use]
    pub fn is_closing(&self) -> bool {
        self.close_sent
    }

    /// Whether the connection is over: the close handshake completed, or it
    /// failed. Nothing more will be read; write out the remaining output.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.failed || (self.close_sent && self.close_received)
    }

    /// Whether this end should now close the transport: the connection is
    /// closed, all output is written, and this end is the one that closes
    /// first (the server after a clean close, either end after a failure).
    /// A client after a clean close waits for the server to close the TCP
    /// connection (RFC 6455 section 7.1.1), then calls
    /// [`receive_eof`](Self::receive_eof).
    #[must_use]
    pub fn should_close_transport(&self) -> bool {
        self.is_closed() && !self.wants_write() && (self.role == Role::Server || self.failed)
    }

    /// Whether the connection failed (a protocol error, or end of file
    /// before the close handshake).
    #[must_use]
    pub fn is_failed(&self) -> bool {
        self.failed
    }
}

/// Inflates one frame of a compressed message into `out` (at most `limit`
/// bytes), ending the message if `fin`.
#[cfg(feature = "deflate")]
fn inflate(
    deflate: &mut Option<Box<Deflate>>,
    payload: &[u8],
    fin: bool,
    out: &mut Vec<u8>,
    limit: usize,
) -> Result<(), Error> {
    // A message is only marked compressed when deflate is on.
    let Some(deflate) = deflate.as_mut() else {
        return Err(Error::ReservedBitsSet(RSV1));
    };
    deflate.inflater.inflate(payload, out, limit)?;
    if fin {
        deflate.inflater.finish_message(out, limit)?;
    }
    Ok(())
}

#[cfg(not(feature = "deflate"))]
fn inflate(
    deflate: &mut Option<Box<Deflate>>,
    _: &[u8],
    _: bool,
    _: &mut Vec<u8>,
    _: usize,
) -> Result<(), Error> {
    match *deflate {
        None => Err(Error::ReservedBitsSet(RSV1)),
        Some(ref never) => match **never {},
    }
}

/// A message of `kind` (text already validated).
fn whole_message(kind: DataKind, payload: Bytes) -> Message {
    match kind {
        DataKind::Text => Message::Text(Utf8Bytes::from_validated(payload)),
        DataKind::Binary => Message::Binary(payload),
    }
}

fn data_opcode(kind: DataKind) -> Opcode {
    match kind {
        DataKind::Text => Opcode::Text,
        DataKind::Binary => Opcode::Binary,
    }
}
