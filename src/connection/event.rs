//! What a connection hands its caller: events, owned or lent.

use bytes::Bytes;

use crate::close::CloseFrame;
use crate::message::{DataKind, Message};

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

/// What the peer sent, as [`Event`] has it, but with a whole message lent
/// from the connection (see [`Connection::next_event_ref`]).
///
/// [`Connection::next_event_ref`]: crate::Connection::next_event_ref
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventRef<'a> {
    /// A whole text or binary message, lent until the next call on the
    /// connection.
    Message(MessageRef<'a>),
    /// Part of a message, as it arrived (with `Config::streaming`).
    Chunk(Chunk),
    /// A ping. If `Config::auto_pong` is on, the pong is already queued.
    Ping(Bytes),
    /// A pong.
    Pong(Bytes),
    /// The peer's close frame, as in [`Event::Close`].
    Close(Option<CloseFrame>),
}

impl EventRef<'_> {
    /// The owned [`Event`], copying a lent message.
    #[must_use]
    pub fn into_owned(self) -> Event {
        match self {
            EventRef::Message(message) => Event::Message(message.to_owned()),
            EventRef::Chunk(chunk) => Event::Chunk(chunk),
            EventRef::Ping(payload) => Event::Ping(payload),
            EventRef::Pong(payload) => Event::Pong(payload),
            EventRef::Close(frame) => Event::Close(frame),
        }
    }
}

/// A whole message lent from the connection's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageRef<'a> {
    /// A text message (validated UTF-8).
    Text(&'a str),
    /// A binary message.
    Binary(&'a [u8]),
}

impl MessageRef<'_> {
    /// The message's payload.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            MessageRef::Text(text) => text.as_bytes(),
            MessageRef::Binary(bytes) => bytes,
        }
    }

    /// An owned copy.
    #[must_use]
    pub fn to_owned(&self) -> Message {
        match *self {
            MessageRef::Text(text) => Message::from(text),
            MessageRef::Binary(bytes) => Message::Binary(Bytes::copy_from_slice(bytes)),
        }
    }
}
