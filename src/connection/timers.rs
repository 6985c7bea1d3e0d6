//! The connection's timers, driven by the caller's clock.
//!
//! No clock lives here: the caller hands in its monotonic time with
//! `Connection::handle_timeout` and asks for the next deadline with
//! `Connection::poll_timeout`. A timer armed between two of those calls
//! (data received, a close queued) does not know the time it was armed at,
//! so its span starts at the next time handed in; until then the deadline
//! reported is "now", which makes the caller hand in the time at once.

use core::ops::Add;
use core::time::Duration;

/// A point on the caller's monotonic clock: the time since an origin of the
/// caller's choosing, the same for the whole life of a connection.
///
/// ```
/// use core::time::Duration;
/// use rfc6455::Timestamp;
///
/// let start = Timestamp::from_duration(Duration::from_secs(5));
/// assert_eq!((start + Duration::from_secs(1)).as_duration(), Duration::from_secs(6));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(Duration);

impl Timestamp {
    /// The origin itself.
    pub const ZERO: Timestamp = Timestamp(Duration::ZERO);

    /// The point `since_origin` after the origin.
    #[must_use]
    pub const fn from_duration(since_origin: Duration) -> Self {
        Timestamp(since_origin)
    }

    /// The time since the origin.
    #[must_use]
    pub const fn as_duration(self) -> Duration {
        self.0
    }

    /// How long after `earlier` this is (zero if it is not later).
    #[must_use]
    pub fn saturating_duration_since(self, earlier: Timestamp) -> Duration {
        self.0.saturating_sub(earlier.0)
    }
}

impl Add<Duration> for Timestamp {
    type Output = Timestamp;

    /// Saturates at the largest representable time.
    fn add(self, span: Duration) -> Timestamp {
        Timestamp(self.0.saturating_add(span))
    }
}

/// One timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Deadline {
    Off,
    /// Armed; the span counts from the next time handed in.
    Pending(Duration),
    At(Timestamp),
}

impl Deadline {
    /// A timer that runs `span` from the next time handed in. A zero span
    /// counts as the shortest one, so that a timer re-armed as it fires
    /// lands after the time that fired it.
    fn arm(span: Option<Duration>) -> Deadline {
        span.map_or(Deadline::Off, |span| {
            Deadline::Pending(span.max(Duration::from_nanos(1)))
        })
    }

    /// Fixes a pending deadline at `now`; whether it has passed.
    fn expire(&mut self, now: Timestamp) -> bool {
        if let Deadline::Pending(span) = *self {
            *self = Deadline::At(now + span);
        }
        match *self {
            Deadline::At(at) if at <= now => {
                *self = Deadline::Off;
                true
            }
            _ => false,
        }
    }
}

/// What a timer that ran out asks of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expired {
    /// Nothing arrived for the ping interval: send a keepalive ping.
    SendPing,
    /// The keepalive ping went unanswered for the ping timeout.
    PongMissing,
    /// The peer did not finish closing within the close timeout.
    CloseWait,
}

/// The keepalive, pong and close timers.
#[derive(Debug)]
pub(crate) struct Timers {
    /// The latest time handed in.
    clock: Option<Timestamp>,
    keepalive: Deadline,
    pong: Deadline,
    close: Deadline,
    /// The payload of the keepalive ping waiting for its pong.
    awaited_pong: Option<[u8; 8]>,
    /// Keepalive pings sent: without a random source, the next one's
    /// payload.
    pings_sent: u64,
    /// Nothing more is waited for from the peer: its end of file arrived,
    /// or the close timer ran out.
    wait_over: bool,
}

impl Timers {
    /// Timers for a new connection: the keepalive runs from the first time
    /// handed in.
    pub(crate) fn new(ping_interval: Option<Duration>) -> Self {
        Timers {
            clock: None,
            keepalive: Deadline::arm(ping_interval),
            pong: Deadline::Off,
            close: Deadline::Off,
            awaited_pong: None,
            pings_sent: 0,
            wait_over: false,
        }
    }

    /// The earliest deadline, if any timer is armed.
    pub(crate) fn next_deadline(&self) -> Option<Timestamp> {
        [self.keepalive, self.pong, self.close]
            .into_iter()
            .filter_map(|deadline| match deadline {
                Deadline::Off => None,
                Deadline::Pending(_) => Some(self.clock.unwrap_or(Timestamp::ZERO)),
                Deadline::At(at) => Some(at),
            })
            .min()
    }

    /// Moves the clock to `now` (never backwards) and reports the first
    /// timer that has run out, if any; call again until `None`.
    pub(crate) fn expire(&mut self, now: Timestamp) -> Option<Expired> {
        let now = self.clock.map_or(now, |clock| clock.max(now));
        self.clock = Some(now);
        if self.close.expire(now) {
            self.wait_over = true;
            return Some(Expired::CloseWait);
        }
        if self.pong.expire(now) {
            return Some(Expired::PongMissing);
        }
        if self.keepalive.expire(now) {
            return Some(Expired::SendPing);
        }
        None
    }

    /// Data arrived: the keepalive starts over, unless a ping is already
    /// waiting for its pong (only that pong answers it).
    pub(crate) fn on_receive(&mut self, ping_interval: Option<Duration>) {
        if self.awaited_pong.is_none() && self.keepalive != Deadline::Off {
            self.keepalive = Deadline::arm(ping_interval);
        }
    }

    /// A keepalive ping carrying `nonce` was queued.
    pub(crate) fn on_ping_sent(
        &mut self,
        nonce: [u8; 8],
        ping_interval: Option<Duration>,
        ping_timeout: Option<Duration>,
    ) {
        match ping_timeout {
            Some(_) => {
                self.awaited_pong = Some(nonce);
                self.pong = Deadline::arm(ping_timeout);
                self.keepalive = Deadline::Off;
            }
            // No answer is awaited: ping again after another quiet interval.
            None => self.keepalive = Deadline::arm(ping_interval),
        }
    }

    /// A pong arrived; if it answers the keepalive ping, the keepalive
    /// starts over.
    pub(crate) fn on_pong(&mut self, payload: &[u8], ping_interval: Option<Duration>) {
        if self.awaited_pong.is_some_and(|nonce| nonce[..] == *payload) {
            self.awaited_pong = None;
            self.pong = Deadline::Off;
            self.keepalive = Deadline::arm(ping_interval);
        }
    }

    /// The connection left the open state (`close_timeout`: how long to
    /// wait for the peer's next step). Keepalive ends; the close timer
    /// starts over.
    pub(crate) fn on_leaving_open(&mut self, close_timeout: Option<Duration>) {
        self.keepalive = Deadline::Off;
        self.pong = Deadline::Off;
        self.awaited_pong = None;
        if !self.wait_over {
            self.close = Deadline::arm(close_timeout);
        }
    }

    /// Nothing is waited for any more (the transport is done).
    pub(crate) fn stop(&mut self) {
        self.keepalive = Deadline::Off;
        self.pong = Deadline::Off;
        self.close = Deadline::Off;
    }

    /// The peer's end of file arrived: nothing more is waited for.
    pub(crate) fn end_wait(&mut self) {
        self.wait_over = true;
        self.stop();
    }

    /// Whether nothing more is waited for from the peer.
    pub(crate) fn wait_over(&self) -> bool {
        self.wait_over
    }

    /// A number for the next keepalive ping, never the same twice.
    pub(crate) fn next_ping_number(&mut self) -> u64 {
        self.pings_sent += 1;
        self.pings_sent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> Timestamp {
        Timestamp::from_duration(Duration::from_secs(secs))
    }

    #[test]
    fn a_pending_span_starts_at_the_next_time_handed_in() {
        let mut timers = Timers::new(Some(Duration::from_secs(10)));
        assert_eq!(timers.next_deadline(), Some(Timestamp::ZERO));
        assert_eq!(timers.expire(at(100)), None);
        assert_eq!(timers.next_deadline(), Some(at(110)));
        assert_eq!(timers.expire(at(109)), None);
        assert_eq!(timers.expire(at(110)), Some(Expired::SendPing));
        assert_eq!(timers.next_deadline(), None);
    }

    #[test]
    fn the_clock_never_runs_backwards() {
        let mut timers = Timers::new(Some(Duration::from_secs(10)));
        timers.expire(at(50));
        timers.expire(at(20));
        assert_eq!(timers.next_deadline(), Some(at(60)));
    }

    #[test]
    fn only_the_matching_pong_answers_a_keepalive_ping() {
        let interval = Some(Duration::from_secs(10));
        let mut timers = Timers::new(interval);
        timers.on_ping_sent([7; 8], interval, Some(Duration::from_secs(5)));
        timers.expire(at(0));
        assert_eq!(timers.next_deadline(), Some(at(5)));
        timers.on_pong(b"unsolicited", interval);
        timers.on_receive(interval);
        assert_eq!(timers.next_deadline(), Some(at(5)));
        timers.on_pong(&[7; 8], interval);
        assert_eq!(timers.expire(at(5)), None);
        assert_eq!(timers.next_deadline(), Some(at(15)));
    }
}
