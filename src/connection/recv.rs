//! The receive side: read buffer, frames and messages in progress, inflate.
//!
//! It turns bytes into [`Received`] values and never touches the send side:
//! what a received frame obliges this end to send (a pong, a close reply) is
//! the connection's to apply.

use alloc::boxed::Box;
use alloc::vec::Vec;
use bytes::{Buf, Bytes, BytesMut};

use super::event::{Chunk, Role};
use crate::close::CloseFrame;
use crate::config::Config;
use crate::error::ProtocolError;
use crate::frame::{Decoded, Header, Opcode, RSV1};
use crate::message::{DataKind, Message, Utf8Bytes};
use crate::unmasker::Unmasker;
use crate::utf8::Validator;

#[cfg(feature = "deflate")]
type Inflater = super::deflate::Inflater;
/// Without the `deflate` feature nothing is ever inflated.
#[cfg(not(feature = "deflate"))]
type Inflater = core::convert::Infallible;

/// What one step of the receive side produced.
#[derive(Debug)]
pub(crate) enum Received {
    /// A whole message, owned.
    Message(Message),
    /// A whole unfragmented, uncompressed message: the first `len` bytes of
    /// the read buffer, to take or lend.
    InRead {
        kind: DataKind,
        len: usize,
    },
    /// Part of a message (streaming mode).
    Chunk(Chunk),
    Ping(Bytes),
    Pong(Bytes),
    Close(Option<CloseFrame>),
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

/// The receive half of a connection's state.
#[derive(Default)]
pub(crate) struct Receiver {
    read: BytesMut,
    /// Bytes at the front of `read` used up (headers passed, payloads
    /// dropped or lent and done with), cut from the buffer itself only when
    /// it next takes input or hands out a handle: one `advance` per read
    /// instead of two per small message.
    consumed: usize,
    unmasker: Unmasker,
    /// Bytes at the front of `read` lent out, dropped before the buffer is
    /// next used.
    lent: usize,
    /// A message lent out that was not in `read`.
    lent_message: Option<Message>,
    frame: Option<IncomingFrame>,
    message: Option<IncomingMessage>,
    /// Boxed: the zlib state is large and most connections never compress.
    inflater: Option<Box<Inflater>>,
}

impl Receiver {
    #[cfg(feature = "deflate")]
    pub(crate) fn set_inflater(&mut self, inflater: Inflater) {
        self.inflater = Some(Box::new(inflater));
    }

    /// Appends bytes from the peer, unmasking them as they go in.
    pub(crate) fn append(&mut self, bytes: &[u8]) {
        self.drop_lent();
        self.cut_consumed();
        if self.read.capacity() - self.read.len() < bytes.len() {
            // Room for as much again as is buffered: a partial frame is then
            // moved (or the buffer grown) once per several reads, not on
            // every read that continues it.
            self.read.reserve(bytes.len() + self.read.len());
        }
        self.unmasker.append(&mut self.read, bytes);
    }

    /// Bytes received and not yet turned into events.
    pub(crate) fn buffered_len(&self) -> usize {
        self.read.len() - self.consumed - self.lent
            + self.message.as_ref().map_or(0, |m| m.assembled.len())
    }

    /// Frees what was lent: the caller is done with it.
    pub(crate) fn drop_lent(&mut self) {
        let lent = core::mem::take(&mut self.lent);
        self.discard_read(lent);
        self.lent_message = None;
    }

    /// The bytes received and not used up.
    fn unread(&self) -> &[u8] {
        &self.read[self.consumed..]
    }

    /// Cuts the used-up bytes from the front of the buffer.
    fn cut_consumed(&mut self) {
        let consumed = core::mem::take(&mut self.consumed);
        if consumed > 0 {
            self.unmasker.consume(consumed);
            self.read.advance(consumed);
        }
    }

    /// Takes the first `len` (walked) unread bytes out of the read buffer.
    pub(crate) fn take_read(&mut self, len: usize) -> BytesMut {
        self.cut_consumed();
        self.unmasker.consume(len);
        self.read.split_to(len)
    }

    /// Drops the first `len` (walked) unread bytes. Unlike
    /// [`take_read`](Self::take_read) no handle to the buffer is made, so no
    /// reference count is touched.
    pub(crate) fn discard_read(&mut self, len: usize) {
        self.consumed += len;
    }

    /// Lends the first `len` unread bytes until the next call.
    pub(crate) fn lend_read(&mut self, len: usize) -> &[u8] {
        self.lent = len;
        &self.read[self.consumed..self.consumed + len]
    }

    /// Keeps `message` until the next call, and lends it.
    pub(crate) fn lend_message(&mut self, message: Message) -> &Message {
        self.lent_message.insert(message)
    }

    /// Frees everything: nothing more will be read.
    pub(crate) fn stop(&mut self) {
        *self = Receiver::default();
    }

    /// The next thing received, or `None` when more input is needed.
    pub(crate) fn poll(
        &mut self,
        config: &Config,
        role: Role,
    ) -> Result<Option<Received>, ProtocolError> {
        self.drop_lent();
        loop {
            if self.frame.is_none() && !self.read_header(config, role)? {
                return Ok(None);
            }
            if let Some(received) = self.read_payload(config)? {
                return Ok(Some(received));
            }
            if self.frame.is_some() {
                return Ok(None);
            }
        }
    }

    /// Reads and checks a header; `false` if it has not all arrived.
    fn read_header(&mut self, config: &Config, role: Role) -> Result<bool, ProtocolError> {
        let (header, header_len) = match Header::decode(self.unread())? {
            Decoded::Partial { .. } => return Ok(false),
            Decoded::Complete { header, len } => (header, len),
        };
        let starts_message = matches!(header.opcode, Opcode::Text | Opcode::Binary);
        let compressed = header.rsv == RSV1 && starts_message && self.inflater.is_some();
        if header.rsv != 0 && !compressed {
            return Err(ProtocolError::ReservedBitsSet(header.rsv));
        }
        if !config.lenient_masking {
            match (role, header.mask) {
                (Role::Server, None) => return Err(ProtocolError::UnmaskedFrame),
                (Role::Client, Some(_)) => return Err(ProtocolError::MaskedFrame),
                _ => {}
            }
        }
        if header.payload_len > config.max_frame_size as u64 {
            return Err(ProtocolError::FrameTooLarge);
        }
        if !header.opcode.is_control() {
            self.start_data_frame(&header, compressed, config)?;
        }
        self.discard_read(header_len);
        // Most of a large payload still to come: if the buffer already holds
        // room for all of it (the last message's, once dropped), move the
        // little that is here to its start now, so the rest arrives without
        // a copy from growing. Nothing is allocated from the declared length.
        let here = self.unread().len();
        let missing = (header.payload_len as usize).saturating_sub(here);
        if missing > here {
            self.cut_consumed();
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
    fn start_data_frame(
        &mut self,
        header: &Header,
        compressed: bool,
        config: &Config,
    ) -> Result<(), ProtocolError> {
        let message = match (header.opcode, &mut self.message) {
            (Opcode::Continuation, Some(message)) => message,
            (Opcode::Continuation, None) => return Err(ProtocolError::UnexpectedContinuation),
            (_, Some(_)) => return Err(ProtocolError::ExpectedContinuation),
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
        if message.size > config.max_message_size as u64 {
            return Err(ProtocolError::MessageTooLarge);
        }
        Ok(())
    }

    /// Checks newly arrived (already unmasked) payload, and delivers what is
    /// ready.
    fn read_payload(&mut self, config: &Config) -> Result<Option<Received>, ProtocolError> {
        let Some(frame) = self.frame.as_mut() else {
            return Ok(None);
        };
        let available = frame.len.min(self.unmasker.ready() - self.consumed);
        if available > frame.processed {
            let fresh = &self.read[self.consumed + frame.processed..self.consumed + available];
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
        if config.streaming && is_data {
            return Ok(self.take_chunk(config)?.map(Received::Chunk));
        }
        if frame.processed < frame.len {
            return Ok(None);
        }
        let (header, len) = (frame.header, frame.len);
        self.frame = None;
        if is_data {
            return self.finish_data_frame(header.fin, len, config);
        }
        let payload = self.take_read(len).freeze();
        Ok(Some(match header.opcode {
            Opcode::Ping => Received::Ping(payload),
            Opcode::Pong => Received::Pong(payload),
            _ => Received::Close(CloseFrame::parse(payload)?),
        }))
    }

    /// Streaming mode: hands out whatever payload of the frame is ready.
    fn take_chunk(&mut self, config: &Config) -> Result<Option<Chunk>, ProtocolError> {
        let (Some(frame), Some(_)) = (self.frame.as_ref(), self.message.as_ref()) else {
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
        let mut payload = self.take_read(ready).freeze();
        let (Some(frame), Some(message)) = (self.frame.as_mut(), self.message.as_mut()) else {
            return Ok(None);
        };
        frame.len -= ready;
        frame.processed = 0;
        if message.compressed {
            let mut out = Vec::new();
            let limit = config.max_message_size.saturating_sub(message.inflated);
            inflate(&mut self.inflater, &payload, is_last, &mut out, limit)?;
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
        Ok(Some(chunk))
    }

    /// Whole-message mode: a data frame's payload (the first `len` bytes of
    /// the read buffer) has fully arrived.
    fn finish_data_frame(
        &mut self,
        fin: bool,
        len: usize,
        config: &Config,
    ) -> Result<Option<Received>, ProtocolError> {
        let Some(message) = self.message.as_mut() else {
            return Ok(None);
        };
        let kind = message.kind;
        if fin && !message.compressed && message.assembled.is_empty() {
            // Unfragmented (or all earlier fragments were empty): delivered
            // from where it lies.
            self.finish_message()?;
            return Ok(Some(Received::InRead { kind, len }));
        }
        let payload = &self.read[self.consumed..self.consumed + len];
        if message.compressed {
            let before = message.assembled.len();
            let limit = config.max_message_size;
            inflate(
                &mut self.inflater,
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
        Ok(Some(Received::Message(whole_message(kind, whole))))
    }

    /// Ends the message in progress, checking that text did not stop inside
    /// a code point.
    #[inline]
    fn finish_message(&mut self) -> Result<(), ProtocolError> {
        if let Some(mut message) = self.message.take() {
            message.utf8.finish()?;
        }
        Ok(())
    }
}

/// Inflates one frame of a compressed message into `out` (at most `limit`
/// bytes), ending the message if `fin`.
#[cfg(feature = "deflate")]
fn inflate(
    inflater: &mut Option<Box<Inflater>>,
    payload: &[u8],
    fin: bool,
    out: &mut Vec<u8>,
    limit: usize,
) -> Result<(), ProtocolError> {
    // A message is only marked compressed when deflate is on.
    let Some(inflater) = inflater.as_mut() else {
        return Err(ProtocolError::ReservedBitsSet(RSV1));
    };
    inflater.inflate(payload, out, limit)?;
    if fin {
        inflater.finish_message(out, limit)?;
    }
    Ok(())
}

#[cfg(not(feature = "deflate"))]
fn inflate(
    inflater: &mut Option<Box<Inflater>>,
    _: &[u8],
    _: bool,
    _: &mut Vec<u8>,
    _: usize,
) -> Result<(), ProtocolError> {
    match *inflater {
        None => Err(ProtocolError::ReservedBitsSet(RSV1)),
        Some(ref never) => match **never {},
    }
}

/// A message of `kind` (text already validated).
pub(crate) fn whole_message(kind: DataKind, payload: Bytes) -> Message {
    match kind {
        DataKind::Text => Message::Text(Utf8Bytes::from_validated(payload)),
        DataKind::Binary => Message::Binary(payload),
    }
}
