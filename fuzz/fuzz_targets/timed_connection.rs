//! A connection driven by fuzz-chosen input bytes, calls and times: the
//! time is part of the input, so the keepalive, pong and close timers run.
//!
//! Checks: no panic; the state only moves forward and refuses sends once
//! past open (queueing nothing); `should_close_transport` never goes back
//! from true; every error has a close code; handing in a time before the
//! deadline changes nothing; after `handle_timeout(now)` the next deadline
//! is later than `now`.
#![no_main]

use core::time::Duration;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rfc6455::{Config, ConnectionError, Message, Role, State, Timestamp};

#[derive(Arbitrary, Debug)]
struct Input {
    client: bool,
    ping_interval_ms: Option<u16>,
    ping_timeout_ms: Option<u16>,
    close_timeout_ms: Option<u16>,
    steps: Vec<Step>,
}

#[derive(Arbitrary, Debug)]
enum Step {
    Receive(Vec<u8>),
    Advance(u16),
    Eof,
    Send(u8),
    Ping(u8),
    Close,
    TakeOutput,
    /// Writes only this many bytes of the output.
    Write(u8),
}

fn rank(state: State) -> u8 {
    match state {
        State::Open => 0,
        State::Closing => 1,
        _ => 2,
    }
}

fn millis(ms: Option<u16>) -> Option<Duration> {
    ms.map(|ms| Duration::from_millis(u64::from(ms)))
}

fuzz_target!(|input: Input| {
    let mut config = Config::default();
    config.max_message_size = 1 << 16;
    config.max_frame_size = 1 << 16;
    config.ping_interval = millis(input.ping_interval_ms);
    config.ping_timeout = millis(input.ping_timeout_ms);
    config.close_timeout = millis(input.close_timeout_ms);
    let role = if input.client {
        Role::Client
    } else {
        Role::Server
    };
    let mut conn = rfc6455_fuzz::connection(role, config);
    let mut now = Duration::ZERO;
    let mut told_to_close = false;
    for step in input.steps {
        let before = conn.state();
        match step {
            Step::Receive(bytes) => {
                conn.receive(&bytes);
                let (_, error) = rfc6455_fuzz::drain(&mut conn);
                if let Some(error) = error {
                    assert!(error.is_peer_violation(), "{error:?} from input alone");
                }
            }
            Step::Advance(ms) => {
                now += Duration::from_millis(u64::from(ms));
                let at = Timestamp::from_duration(now);
                let early = conn.poll_timeout().is_none_or(|deadline| at < deadline);
                let (output, state) = (conn.output().len(), conn.state());
                let result = conn.handle_timeout(at);
                if early {
                    assert_eq!(result, Ok(()), "a timer fired before its deadline");
                    assert_eq!(
                        conn.output().len(),
                        output,
                        "output changed before a deadline"
                    );
                    assert_eq!(conn.state(), state);
                }
                match result {
                    Ok(()) => assert!(
                        conn.poll_timeout().is_none_or(|deadline| deadline > at),
                        "a deadline is still due after handle_timeout"
                    ),
                    Err(error) => assert!(
                        matches!(
                            error,
                            ConnectionError::KeepaliveTimeout | ConnectionError::CloseTimeout
                        ),
                        "{error:?} from a timer"
                    ),
                }
            }
            Step::Eof => {
                if let Err(error) = conn.receive_eof() {
                    assert_eq!(error, ConnectionError::UnexpectedEof);
                }
            }
            Step::Send(len) => {
                let result = conn.send(Message::from(vec![len; usize::from(len)]));
                assert_eq!(result.is_ok(), before == State::Open);
            }
            Step::Ping(len) => {
                let result = conn.ping(&vec![len; usize::from(len % 126)]);
                assert_eq!(result.is_ok(), before == State::Open);
            }
            Step::Close => {
                // Closing without a code can always be asked; past open
                // there is nothing left to do, so nothing is queued.
                let output = conn.output().len();
                assert_eq!(conn.close(None), Ok(()));
                if before != State::Open {
                    assert_eq!(
                        conn.output().len(),
                        output,
                        "a close past open queued output"
                    );
                }
            }
            Step::TakeOutput => {
                conn.take_output();
            }
            Step::Write(n) => {
                use bytes::Buf;
                let output = conn.output();
                let n = usize::from(n).min(output.chunk().len());
                output.advance(n);
            }
        }
        assert!(
            rank(conn.state()) >= rank(before),
            "{before:?} -> {:?}",
            conn.state()
        );
        if told_to_close {
            assert!(
                conn.should_close_transport(),
                "should_close_transport went back"
            );
        }
        told_to_close = conn.should_close_transport();
    }
});
