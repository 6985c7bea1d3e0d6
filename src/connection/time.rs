//! Time: the caller's monotonic clock in, deadlines out.

use crate::error::ConnectionError;
use crate::frame::Opcode;

use super::Connection;
use super::state::State;
use super::timers::{Expired, Timestamp};

/// Time: the caller's monotonic clock in, deadlines out. Every timer is off
/// unless set in [`Config`](crate::Config).
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
    ///   fails with [`ConnectionError::KeepaliveTimeout`] (close code 1011 queued);
    /// - `Config::close_timeout` after this end queued its close frame (or
    ///   failed) without the peer finishing: the peer is given up on, the
    ///   unwritten output dropped, and
    ///   [`should_close_transport`](Self::should_close_transport) turns
    ///   true; if the peer's close frame never came, that is
    ///   [`ConnectionError::CloseTimeout`]. A client that has finished the close
    ///   handshake gets the same bound for the server to close the
    ///   transport (no error then).
    ///
    /// Calling it early does nothing but record the time.
    pub fn handle_timeout(&mut self, now: Timestamp) -> Result<(), ConnectionError> {
        // Each timer fires at most once per call (a re-armed one lands
        // after `now`), so three rounds see them all; the bound keeps a
        // clock stuck at the largest time from looping.
        for _ in 0..3 {
            let Some(expired) = self.timers.expire(now) else {
                break;
            };
            match expired {
                Expired::SendPing => self.send_keepalive_ping(),
                Expired::PongMissing => return Err(self.fail(ConnectionError::KeepaliveTimeout)),
                Expired::CloseWait => {
                    self.send.abandon_output();
                    self.timers.stop();
                    if self.state == State::Closing {
                        self.state = State::Failed;
                        self.recv.stop();
                        return Err(ConnectionError::CloseTimeout);
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
