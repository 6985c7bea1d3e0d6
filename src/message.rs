//! Messages and the UTF-8 byte string that carries text.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::ops::Deref;

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

/// Bytes given to [`Utf8Bytes::try_from_bytes`] that are not UTF-8 (the
/// caller's input, not the peer's: received text that is not UTF-8 is a
/// [`ProtocolError::InvalidUtf8`](crate::ProtocolError::InvalidUtf8)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidUtf8(Bytes);

impl InvalidUtf8 {
    /// The bytes, given back.
    #[must_use]
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl fmt::Display for InvalidUtf8 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} bytes given as text are not valid UTF-8",
            self.0.len()
        )
    }
}

impl core::error::Error for InvalidUtf8 {}

/// Bytes known to be valid UTF-8: a text message or a close reason.
///
/// Cloning is cheap (a reference count), like [`Bytes`]. It reads as a
/// `str` (through `Deref`, `AsRef<str>` and `Borrow<str>`), compares with
/// `str`, `&str` and `String` either way round, and hashes, compares and
/// orders as the `str` does, so a map keyed by `Utf8Bytes` is looked up
/// with a `&str`:
///
/// ```
/// use std::collections::HashMap;
/// use rfc6455::Utf8Bytes;
///
/// let text = Utf8Bytes::from("42\nrest");
/// assert_eq!(text.lines().next(), Some("42"));
/// assert_eq!(text.lines().next().map(str::parse::<u32>), Some(Ok(42)));
///
/// let mut rooms = HashMap::new();
/// rooms.insert(Utf8Bytes::from("lobby"), 3);
/// assert_eq!(rooms.get("lobby"), Some(&3));
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Utf8Bytes(Bytes);

impl Utf8Bytes {
    /// An empty string.
    #[must_use]
    pub const fn new() -> Self {
        Utf8Bytes(Bytes::new())
    }

    /// A string from a `'static` str, without copying.
    #[must_use]
    pub const fn from_static(text: &'static str) -> Self {
        Utf8Bytes(Bytes::from_static(text.as_bytes()))
    }

    /// Wraps `bytes` after checking that they are UTF-8; if they are not,
    /// the error gives them back.
    pub fn try_from_bytes(bytes: Bytes) -> Result<Self, InvalidUtf8> {
        if !crate::utf8::is_valid(&bytes) {
            return Err(InvalidUtf8(bytes));
        }
        Ok(Utf8Bytes(bytes))
    }

    /// Wraps bytes that the caller has already validated.
    pub(crate) fn from_validated(bytes: Bytes) -> Self {
        debug_assert!(crate::utf8::is_valid(&bytes));
        Utf8Bytes(bytes)
    }

    /// The text as a `&str`. The bytes were validated when this value was
    /// made, so this costs nothing.
    #[must_use]
    pub fn as_str(&self) -> &str {
        crate::utf8::validated_str(&self.0)
    }

    /// The UTF-8 bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the string is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The underlying bytes.
    #[must_use]
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Hashes as the `str` does (a `[u8]` hashes differently), which
/// `Borrow<str>` requires. Equality and order need no such care: bytes
/// compare and order as their `str`.
impl Hash for Utf8Bytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl Deref for Utf8Bytes {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Utf8Bytes {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for Utf8Bytes {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Borrow<str> for Utf8Bytes {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Utf8Bytes {
    fn from(text: String) -> Self {
        Utf8Bytes(Bytes::from(text.into_bytes()))
    }
}

impl From<&str> for Utf8Bytes {
    fn from(text: &str) -> Self {
        Utf8Bytes(Bytes::copy_from_slice(text.as_bytes()))
    }
}

impl From<Utf8Bytes> for Bytes {
    fn from(text: Utf8Bytes) -> Self {
        text.0
    }
}

/// Copies the text (one allocation and a `memcpy`). Taking the buffer over
/// instead, where no clone shares it, would need the UTF-8 checked again
/// (safe Rust has no other way to make a `String` of bytes), and that check
/// costs more than the copy, many times more on non-ASCII text.
impl From<Utf8Bytes> for String {
    fn from(text: Utf8Bytes) -> Self {
        String::from(text.as_str())
    }
}

/// Equality both ways round with `str`, `&str` and `String`.
macro_rules! eq_with_text {
    ($($text:ty),*) => {$(
        impl PartialEq<$text> for Utf8Bytes {
            fn eq(&self, other: &$text) -> bool {
                self.as_str() == &other[..]
            }
        }

        impl PartialEq<Utf8Bytes> for $text {
            fn eq(&self, other: &Utf8Bytes) -> bool {
                &self[..] == other.as_str()
            }
        }
    )*};
}

eq_with_text!(str, &str, String);

/// Whether a data message carries text or binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataKind {
    /// UTF-8 text (opcode 0x1).
    Text,
    /// Arbitrary bytes (opcode 0x2).
    Binary,
}

/// A complete data message.
///
/// ```
/// use rfc6455::Message;
///
/// let text = Message::from("42");
/// assert_eq!(text.as_text(), Some("42"));
/// assert_eq!(text.as_text().map(str::parse::<u32>), Some(Ok(42)));
/// assert_eq!(Message::from(vec![0x34, 0x32]).as_text(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Message {
    /// A text message.
    Text(Utf8Bytes),
    /// A binary message.
    Binary(Bytes),
}

impl Message {
    /// Text or binary.
    #[must_use]
    pub fn kind(&self) -> DataKind {
        match self {
            Message::Text(_) => DataKind::Text,
            Message::Binary(_) => DataKind::Binary,
        }
    }

    /// Whether this is a text message.
    #[must_use]
    pub fn is_text(&self) -> bool {
        matches!(self, Message::Text(_))
    }

    /// Whether this is a binary message.
    #[must_use]
    pub fn is_binary(&self) -> bool {
        matches!(self, Message::Binary(_))
    }

    /// The text of a text message; `None` for a binary message, even one
    /// whose bytes happen to be UTF-8 (the peer said they are not text).
    #[must_use]
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Message::Text(text) => Some(text.as_str()),
            Message::Binary(_) => None,
        }
    }

    /// The bytes of a binary message; `None` for a text message (whose
    /// bytes [`as_bytes`](Self::as_bytes) gives).
    #[must_use]
    pub fn as_binary(&self) -> Option<&[u8]> {
        match self {
            Message::Text(_) => None,
            Message::Binary(bytes) => Some(bytes),
        }
    }

    /// The text of a text message, without copying; `None` for a binary
    /// message.
    #[must_use]
    pub fn into_text(self) -> Option<Utf8Bytes> {
        match self {
            Message::Text(text) => Some(text),
            Message::Binary(_) => None,
        }
    }

    /// The bytes of a binary message, without copying; `None` for a text
    /// message (whose bytes [`into_bytes`](Self::into_bytes) gives).
    #[must_use]
    pub fn into_binary(self) -> Option<Bytes> {
        match self {
            Message::Text(_) => None,
            Message::Binary(bytes) => Some(bytes),
        }
    }

    /// The payload bytes, whatever the kind.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Message::Text(text) => text.as_bytes(),
            Message::Binary(bytes) => bytes,
        }
    }

    /// The payload, whatever the kind.
    #[must_use]
    pub fn into_bytes(self) -> Bytes {
        match self {
            Message::Text(text) => text.into_bytes(),
            Message::Binary(bytes) => bytes,
        }
    }

    /// Length of the payload in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// Whether the payload is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Message::Text(text.into())
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Message::Text(text.into())
    }
}

impl From<Vec<u8>> for Message {
    fn from(bytes: Vec<u8>) -> Self {
        Message::Binary(bytes.into())
    }
}

impl From<Bytes> for Message {
    fn from(bytes: Bytes) -> Self {
        Message::Binary(bytes)
    }
}

impl From<Utf8Bytes> for Message {
    fn from(text: Utf8Bytes) -> Self {
        Message::Text(text)
    }
}
