//! A message framed once, to send on many server connections: a broadcast
//! frames (and, without context takeover, compresses) it once, not once per
//! connection.

use alloc::sync::Arc;
use bytes::{Bytes, BytesMut};

use crate::frame::{Header, MAX_HEADER_LEN, Opcode};
use crate::message::{DataKind, Message};

#[cfg(feature = "deflate")]
use super::deflate::Alone;

/// A data message with its frame built once, as shared [`Bytes`]: sent with
/// [`Connection::send_prepared`](crate::Connection::send_prepared) on any
/// number of server connections, each queues the same bytes without framing
/// or copying them again (a frame under 256 bytes is copied into the
/// output buffer: cheaper than a slice of its own in a vectored write).
/// Cloning it is cheap (a reference count).
///
/// A server's frames are unmasked, so its bytes are the same for every
/// connection. With permessage-deflate negotiated:
///
/// - where the server has no context takeover (`server_no_context_takeover`
///   agreed), each message is compressed alone, so the compressed frame is
///   made once per set of compression settings (level, window, minimum size)
///   and shared by every connection with those settings;
/// - with context takeover (the default), each connection's compressor
///   depends on what that connection sent before, so the message is
///   compressed per connection, as `send` does.
///
/// A client connection masks every frame with a key of its own, so there it
/// is sent as [`send`](crate::Connection::send) would send it (a masked
/// copy). With `Config::fragment_size` set and the payload longer, it is
/// split as `send` splits it.
#[derive(Clone)]
pub struct PreparedMessage {
    inner: Arc<Inner>,
}

struct Inner {
    message: Message,
    frame: Bytes,
    /// Compressed frames by compression settings (`None`: compressing did
    /// not pay, send the plain frame). Few entries: one per setting in use.
    #[cfg(feature = "deflate")]
    compressed: std::sync::Mutex<alloc::vec::Vec<(Alone, Option<Bytes>)>>,
}

impl core::fmt::Debug for PreparedMessage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PreparedMessage")
            .field("kind", &self.inner.message.kind())
            .field("len", &self.inner.message.len())
            .finish_non_exhaustive()
    }
}

impl PreparedMessage {
    /// Frames `message` (one unmasked, uncompressed frame), copying its
    /// payload once.
    pub fn new(message: impl Into<Message>) -> Self {
        let message = message.into();
        let frame = frame(message.kind(), 0, message.as_bytes());
        PreparedMessage {
            inner: Arc::new(Inner {
                message,
                frame,
                #[cfg(feature = "deflate")]
                compressed: std::sync::Mutex::new(alloc::vec::Vec::new()),
            }),
        }
    }

    /// The message.
    #[must_use]
    pub fn message(&self) -> &Message {
        &self.inner.message
    }

    /// The frame a server connection without compression sends: header and
    /// payload, unmasked. For a driver of its own that writes it itself.
    #[must_use]
    pub fn frame(&self) -> &Bytes {
        &self.inner.frame
    }

    /// The frame compressed alone with `alone`'s settings, made on first
    /// use and shared after; `None` when compressing does not pay.
    #[cfg(feature = "deflate")]
    pub(crate) fn compressed_frame(&self, alone: Alone) -> Option<Bytes> {
        // A poisoned lock only means another sender panicked mid-way; the
        // entries it holds are whole.
        let mut cache = self
            .inner
            .compressed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, frame)) = cache.iter().find(|(settings, _)| *settings == alone) {
            return frame.clone();
        }
        let message = &self.inner.message;
        let compressed = alone
            .compress(message.as_bytes())
            .map(|payload| frame(message.kind(), crate::frame::RSV1, &payload));
        cache.push((alone, compressed.clone()));
        compressed
    }
}

/// One final unmasked frame of `kind` with `payload`.
fn frame(kind: DataKind, rsv: u8, payload: &[u8]) -> Bytes {
    let header = Header {
        fin: true,
        rsv,
        opcode: Opcode::data(kind),
        mask: None,
        payload_len: payload.len() as u64,
    };
    let mut head = [0; MAX_HEADER_LEN];
    let head_len = header.encode(&mut head);
    let mut frame = BytesMut::with_capacity(head_len + payload.len());
    frame.extend_from_slice(&head[..head_len]);
    frame.extend_from_slice(payload);
    frame.freeze()
}
