//! Input: bytes, the transport's end and its failure in; events out, with
//! their duties (pongs, close replies, a failure's close frame) applied.

use crate::close::CloseFrame;
use crate::close_code::CloseCode;
use crate::error::ConnectionError;
use crate::message::{DataKind, Message};

use super::Connection;
use super::event::{Event, EventRef, MessageRef};
use super::recv::{Received, whole_message};
use super::state::State;

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
    /// handshake finished this is [`ConnectionError::UnexpectedEof`] (1006)
    /// and the connection fails; after it (or after a failure), it only
    /// ends the wait for the peer, so that
    /// [`should_close_transport`](Self::should_close_transport) turns true.
    pub fn receive_eof(&mut self) -> Result<(), ConnectionError> {
        match self.state {
            State::Open | State::Closing => {
                let error = self.fail(ConnectionError::UnexpectedEof);
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

    /// Reports that the transport failed (a reset, a read or write error)
    /// and says whether anything was lost: after a clean close (both close
    /// frames exchanged) nothing was, and this is `Ok`; before it, it is
    /// [`receive_eof`](Self::receive_eof)'s
    /// [`ConnectionError::UnexpectedEof`]. After a failure, the failure
    /// was already reported: `Ok`. Either way nothing more can be read or
    /// written, and no timer waits.
    pub fn receive_reset(&mut self) -> Result<(), ConnectionError> {
        let result = self.receive_eof();
        self.send.abandon_output();
        result
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
    pub fn next_event(&mut self) -> Result<Option<Event>, ConnectionError> {
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
    pub fn next_event_ref(&mut self) -> Result<Option<EventRef<'_>>, ConnectionError> {
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
    fn next_received(&mut self) -> Result<Option<Received>, ConnectionError> {
        loop {
            if !self.is_reading() {
                return Ok(None);
            }
            let received = match self.recv.poll(&self.config, self.role) {
                Ok(Some(received)) => received,
                Ok(None) => return Ok(None),
                Err(error) => return Err(self.fail(error.into())),
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
    /// reason) unless this end closed first; the handshake is complete. The
    /// frame is kept for [`peer_close`](Self::peer_close).
    fn on_peer_close(&mut self, frame: Option<&CloseFrame>) {
        if self.state == State::Open {
            let reply = frame.map(|f| CloseFrame::new(f.code, "").to_payload());
            self.send.send_close(reply.as_deref().unwrap_or_default());
        }
        let kept = frame
            .cloned()
            .unwrap_or_else(|| CloseFrame::new(CloseCode::NO_STATUS, ""));
        self.extras.get_or_insert_default().peer_close = Some(kept);
        self.state = State::Closed;
        self.recv.stop();
        self.timers.on_leaving_open(self.config.close_timeout);
    }

    /// Records a failure: queues the close frame for it (if it has a code
    /// to send and this end had not sent its close yet; the close frame
    /// goes before pongs still waiting), stops reading, and returns it.
    pub(super) fn fail(&mut self, error: ConnectionError) -> ConnectionError {
        self.recv.stop();
        let code = error.close_code();
        if self.state == State::Open && code.is_sendable() {
            self.send.drop_pongs();
            self.send
                .send_close(&CloseFrame::new(code, "").to_payload());
        }
        self.state = State::Failed;
        self.timers.on_leaving_open(self.config.close_timeout);
        error
    }
}
