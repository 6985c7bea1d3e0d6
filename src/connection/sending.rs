//! Sending: messages and control frames in, each refused outside the open
//! state (queueing nothing then); and the output, the bytes to write.

use crate::close::CloseFrame;
use crate::close_code::MAX_CONTROL_PAYLOAD;
use crate::error::{Refused, SendError};
use crate::frame::Opcode;
use crate::message::{DataKind, Message};
use crate::output::Output;

use super::Connection;
use super::prepared::PreparedMessage;
use super::state::State;

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
    pub fn send_binary(&mut self, payload: &[u8]) -> Result<(), Refused> {
        self.check_send(payload.len(), false)?;
        self.send
            .send_borrowed(&self.config, DataKind::Binary, payload);
        Ok(())
    }

    /// Queues a whole text message, copying `text` into the output (see
    /// [`send_binary`](Self::send_binary), which says how fragmenting and
    /// compression apply).
    pub fn send_text(&mut self, text: &str) -> Result<(), Refused> {
        self.check_send(text.len(), false)?;
        self.send
            .send_borrowed(&self.config, DataKind::Text, text.as_bytes());
        Ok(())
    }

    /// Queues a [`PreparedMessage`]: on a server connection, its frame built
    /// once (and, without context takeover, compressed once), shared with
    /// every other connection it is sent on; on a client connection, a
    /// masked copy. Refused as [`send`](Self::send) is (not open, output
    /// full, a fragmented send unfinished), queueing nothing; it keeps its
    /// place behind waiting pongs, as every frame does.
    pub fn send_prepared(&mut self, prepared: &PreparedMessage) -> Result<(), Refused> {
        self.check_send(prepared.message().len(), false)?;
        self.send.send_prepared(&self.config, prepared);
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
    ) -> Result<(), Refused> {
        self.check_send(payload.len(), true)?;
        self.send.send_fragment(kind, payload, is_last)
    }

    /// Queues a ping (at most 125 bytes of payload).
    pub fn ping(&mut self, payload: &[u8]) -> Result<(), Refused> {
        self.send_control(Opcode::Ping, payload)
    }

    /// Queues a pong (at most 125 bytes); an unsolicited pong is a heartbeat.
    pub fn pong(&mut self, payload: &[u8]) -> Result<(), Refused> {
        self.send_control(Opcode::Pong, payload)
    }

    fn send_control(&mut self, opcode: Opcode, payload: &[u8]) -> Result<(), Refused> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(Refused::ControlPayloadTooLong);
        }
        self.check_send(payload.len(), true)?;
        self.send.send_control(opcode, payload);
        Ok(())
    }

    /// Starts the close handshake: queues a close frame (`None` sends one
    /// with no code) and moves to [`State::Closing`]. Data that arrives
    /// until the peer's close is discarded. With `Config::close_timeout`
    /// set, the wait for the peer's close is bounded.
    ///
    /// Once the connection is past [`State::Open`] (this end closed, the
    /// peer did, or it failed) there is nothing to start: the call does
    /// nothing and returns `Ok` (a frame that could never be sent is still
    /// refused).
    pub fn close(&mut self, frame: Option<CloseFrame>) -> Result<(), Refused> {
        if let Some(frame) = &frame {
            frame.check_sendable()?;
        }
        if self.state != State::Open {
            return Ok(());
        }
        let payload = frame.map_or_else(bytes::Bytes::new, |frame| frame.to_payload());
        self.send.send_close(&payload);
        self.state = State::Closing;
        self.timers.on_leaving_open(self.config.close_timeout);
        Ok(())
    }

    /// The state allows sending and `len` more bytes fit; `interleaved`:
    /// the frame may go between the fragments of an unfinished message.
    #[inline]
    fn check_send(&self, len: usize, interleaved: bool) -> Result<(), Refused> {
        if self.state != State::Open {
            return Err(Refused::NotOpen(self.state));
        }
        self.send.check(&self.config, len, interleaved)
    }
}

/// Output: the bytes to write to the transport.
impl Connection {
    /// The bytes waiting to be written, as a [`bytes::Buf`]: write them and
    /// `advance` by what the transport took (with `std`,
    /// [`Output`]'s `write_to` does it for a `std::io::Write`).
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
