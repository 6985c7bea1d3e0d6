//! Time as an input: the keepalive, pong and close timers fire at their
//! deadlines and not before, re-arm when data arrives, and leave the
//! chunking invariance intact.

use crate::common;

use core::time::Duration;

use common::*;
use proptest::prelude::*;
use rfc6455::frame::Opcode;
use rfc6455::{
    CloseFrame, Config, Connection, ConnectionError, Event, ProtocolError, State, Timestamp,
};

fn at(ms: u64) -> Timestamp {
    Timestamp::from_duration(Duration::from_millis(ms))
}

fn keepalive(interval_ms: u64, timeout_ms: Option<u64>) -> Config {
    let mut config = Config::without_timers();
    config.ping_interval = Some(Duration::from_millis(interval_ms));
    config.ping_timeout = timeout_ms.map(Duration::from_millis);
    config
}

/// The payloads of the pings in `conn`'s output (which is taken).
fn pings_sent(conn: &mut Connection) -> Vec<Vec<u8>> {
    decode_frames(&conn.take_output())
        .into_iter()
        .filter(|(header, _)| header.opcode == Opcode::Ping)
        .map(|(_, payload)| payload.to_vec())
        .collect()
}

/// One set of defaults: the core's are the layers' (a ping after 20 s
/// without input, 20 s for its pong, 10 s to finish closing).
#[test]
fn the_default_timers_are_on() {
    let config = Config::default();
    assert_eq!(config.ping_interval, Some(Duration::from_secs(20)));
    assert_eq!(config.ping_timeout, Some(Duration::from_secs(20)));
    assert_eq!(config.close_timeout, Some(Duration::from_secs(10)));
    let mut conn = server(config);
    conn.handle_timeout(at(1_000)).unwrap();
    assert_eq!(conn.poll_timeout(), Some(at(21_000)));
    assert_eq!(conn.handle_timeout(at(21_000)), Ok(()));
    assert_eq!(pings_sent(&mut conn).len(), 1);
    assert_eq!(conn.poll_timeout(), Some(at(41_000)), "the pong's deadline");
}

#[test]
fn without_timers_every_timer_is_off() {
    let mut conn = server(Config::without_timers());
    assert_eq!(conn.poll_timeout(), None);
    assert_eq!(conn.handle_timeout(at(1 << 40)), Ok(()));
    conn.close(None).unwrap();
    assert_eq!(conn.poll_timeout(), None);
}

#[test]
fn keepalive_pings_at_its_deadline_and_not_before() {
    let mut conn = server(keepalive(20_000, None));
    assert_eq!(conn.handle_timeout(at(1_000)), Ok(()));
    assert_eq!(conn.poll_timeout(), Some(at(21_000)));
    assert_eq!(conn.handle_timeout(at(20_999)), Ok(()));
    assert!(!conn.wants_write(), "pinged early");
    assert_eq!(conn.handle_timeout(at(21_000)), Ok(()));
    let pings = pings_sent(&mut conn);
    assert_eq!(pings.len(), 1);
    assert_eq!(pings[0].len(), 8, "the payload is a nonce");
    // No pong is awaited without a ping timeout: the next ping follows the
    // next quiet interval.
    assert_eq!(conn.poll_timeout(), Some(at(41_000)));
}

#[test]
fn data_arriving_rearms_the_keepalive() {
    let mut conn = server(keepalive(20_000, None));
    conn.handle_timeout(at(0)).unwrap();
    feed(&mut conn, &client_frame(true, Opcode::Text, b"busy"));
    conn.handle_timeout(at(15_000)).unwrap();
    assert_eq!(conn.poll_timeout(), Some(at(35_000)));
    conn.handle_timeout(at(20_000)).unwrap();
    assert!(pings_sent(&mut conn).is_empty());
    conn.handle_timeout(at(35_000)).unwrap();
    assert_eq!(pings_sent(&mut conn).len(), 1);
}

#[test]
fn data_counted_at_the_next_time_handed_in_never_pings_early() {
    // Bytes arrive but the caller hands in no time until the old deadline
    // has passed: they count as arriving then, so no ping goes out.
    let mut conn = server(keepalive(20_000, None));
    conn.handle_timeout(at(0)).unwrap();
    feed(&mut conn, &client_frame(true, Opcode::Binary, b"x"));
    conn.handle_timeout(at(25_000)).unwrap();
    assert!(pings_sent(&mut conn).is_empty());
    assert_eq!(conn.poll_timeout(), Some(at(45_000)));
}

#[test]
fn no_pong_within_the_ping_timeout_fails_with_1011() {
    let mut conn = server(keepalive(20_000, Some(5_000)));
    conn.handle_timeout(at(0)).unwrap();
    conn.handle_timeout(at(20_000)).unwrap();
    assert_eq!(pings_sent(&mut conn).len(), 1);
    assert_eq!(conn.poll_timeout(), Some(at(25_000)));
    // Other data does not answer the ping.
    feed(&mut conn, &client_frame(true, Opcode::Text, b"chatter"));
    conn.handle_timeout(at(24_999)).unwrap();
    assert_eq!(
        conn.handle_timeout(at(25_000)),
        Err(ConnectionError::KeepaliveTimeout)
    );
    assert_eq!(
        Some(u16::from(ConnectionError::KeepaliveTimeout.close_code())),
        Some(1011)
    );
    assert_eq!(conn.state(), State::Failed);
    assert_eq!(close_code_sent(&conn.take_output()), Some(1011));
    assert!(conn.should_close_transport());
}

#[test]
fn only_the_pong_carrying_the_nonce_answers_the_ping() {
    let mut conn = server(keepalive(20_000, Some(5_000)));
    conn.handle_timeout(at(0)).unwrap();
    conn.handle_timeout(at(20_000)).unwrap();
    let nonce = pings_sent(&mut conn).remove(0);

    let (events, _) = feed(&mut conn, &client_frame(true, Opcode::Pong, b"unsolicited"));
    assert!(matches!(events[..], [Event::Pong(_)]));
    conn.handle_timeout(at(21_000)).unwrap();
    assert_eq!(conn.poll_timeout(), Some(at(25_000)), "still waiting");

    feed(&mut conn, &client_frame(true, Opcode::Pong, &nonce));
    conn.handle_timeout(at(22_000)).unwrap();
    assert_eq!(
        conn.poll_timeout(),
        Some(at(42_000)),
        "keepalive starts over"
    );
    assert_eq!(conn.handle_timeout(at(25_000)), Ok(()));
    assert_eq!(conn.state(), State::Open);
}

#[test]
fn keepalive_between_two_ends_holds_while_pongs_flow_and_fails_when_they_stop() {
    let mut pair = Pair::new(keepalive(20_000, Some(5_000)));
    pair.advance(Duration::ZERO);
    for _ in 0..10 {
        pair.advance(Duration::from_secs(20));
        pair.drive();
    }
    for end in [&pair.client, &pair.server] {
        assert_eq!((end.conn.state(), &end.error), (State::Open, &None));
        let pings = end.events.iter().filter(|e| matches!(e, Event::Ping(_)));
        // Data arriving is counted at the next time handed in, so a ping
        // answered within one interval pushes the next past the following.
        assert_eq!(pings.count(), 5, "the peer pinged every other interval");
    }

    // The pings go out but nothing carries them: both ends give up.
    pair.advance(Duration::from_secs(20));
    pair.advance(Duration::from_secs(5));
    for end in [&mut pair.client, &mut pair.server] {
        assert_eq!(end.error, Some(ConnectionError::KeepaliveTimeout));
        assert_eq!(close_code_sent(&end.conn.take_output()), Some(1011));
    }
}

#[test]
fn a_client_keepalive_nonce_comes_from_its_random_source() {
    let mut first = client(keepalive(1_000, None));
    first.handle_timeout(at(0)).unwrap();
    first.handle_timeout(at(1_000)).unwrap();
    first.handle_timeout(at(2_000)).unwrap();
    let pings = pings_sent(&mut first);
    assert_eq!(pings.len(), 2);
    assert_ne!(pings[0], pings[1]);
    assert_ne!(pings[0], 1u64.to_be_bytes(), "not the counter");
}

fn closing(timeout_ms: u64) -> Config {
    let mut config = Config::without_timers();
    config.close_timeout = Some(Duration::from_millis(timeout_ms));
    config
}

#[test]
fn a_close_unanswered_within_the_close_timeout_gives_up_on_the_peer() {
    let mut conn = server(closing(10_000));
    conn.handle_timeout(at(100_000)).unwrap();
    conn.close(None).unwrap();
    conn.handle_timeout(at(100_000)).unwrap();
    assert_eq!(conn.poll_timeout(), Some(at(110_000)));
    assert_eq!(conn.handle_timeout(at(109_999)), Ok(()));
    assert_eq!(conn.state(), State::Closing);
    assert!(!conn.should_close_transport());
    // The close frame is never written: the peer does not read.
    assert_eq!(
        conn.handle_timeout(at(110_000)),
        Err(ConnectionError::CloseTimeout)
    );
    assert_eq!(conn.state(), State::Failed);
    assert!(!conn.wants_write(), "unwritable output is dropped");
    assert!(conn.should_close_transport());
    assert_eq!(conn.poll_timeout(), None);
}

#[test]
fn a_close_queued_between_times_counts_from_the_next_time_handed_in() {
    let mut conn = server(closing(10_000));
    conn.handle_timeout(at(0)).unwrap();
    conn.close(None).unwrap();
    assert!(
        conn.poll_timeout() <= Some(at(0)),
        "asks for the time at once"
    );
    conn.handle_timeout(at(50_000)).unwrap();
    assert_eq!(conn.poll_timeout(), Some(at(60_000)));
}

#[test]
fn a_client_whose_server_never_closes_tcp_is_done_after_the_close_timeout() {
    let mut conn = client(closing(10_000));
    conn.handle_timeout(at(0)).unwrap();
    conn.close(Some(CloseFrame::new(rfc6455::CloseCode::NORMAL, "")))
        .unwrap();
    conn.take_output();
    conn.handle_timeout(at(1_000)).unwrap();
    feed(&mut conn, &server_frame(true, Opcode::Close, b"\x03\xe8"));
    assert_eq!(conn.state(), State::Closed);
    conn.handle_timeout(at(5_000)).unwrap();
    assert!(!conn.should_close_transport(), "waits for the server first");
    assert_eq!(conn.poll_timeout(), Some(at(15_000)), "a fresh bound");
    assert_eq!(conn.handle_timeout(at(14_999)), Ok(()));
    assert!(!conn.should_close_transport());
    assert_eq!(
        conn.handle_timeout(at(15_000)),
        Ok(()),
        "the close was clean"
    );
    assert_eq!(conn.state(), State::Closed);
    assert!(conn.should_close_transport());
}

#[test]
fn a_failure_whose_close_frame_cannot_be_written_is_bounded_too() {
    let mut conn = server(closing(10_000));
    conn.handle_timeout(at(0)).unwrap();
    let (_, error) = feed(&mut conn, &server_frame(true, Opcode::Text, b"unmasked"));
    assert_eq!(error, Some(ProtocolError::UnmaskedFrame.into()));
    assert!(
        !conn.should_close_transport(),
        "the 1002 close is unwritten"
    );
    conn.handle_timeout(at(1_000)).unwrap();
    assert_eq!(conn.handle_timeout(at(11_000)), Ok(()));
    assert!(conn.should_close_transport());
}

#[test]
fn keepalive_stops_once_the_connection_closes() {
    let mut config = keepalive(1_000, Some(1_000));
    config.close_timeout = Some(Duration::from_millis(60_000));
    let mut conn = server(config);
    conn.handle_timeout(at(0)).unwrap();
    conn.close(None).unwrap();
    conn.take_output();
    conn.handle_timeout(at(500)).unwrap();
    assert_eq!(conn.poll_timeout(), Some(at(60_500)));
    conn.handle_timeout(at(5_000)).unwrap();
    assert!(pings_sent(&mut conn).is_empty());
}

#[test]
fn the_end_of_the_transport_stops_every_timer() {
    let mut config = keepalive(1_000, Some(1_000));
    config.close_timeout = Some(Duration::from_millis(1_000));
    let mut conn = server(config);
    conn.handle_timeout(at(0)).unwrap();
    assert!(conn.poll_timeout().is_some());
    assert_eq!(conn.receive_eof(), Err(ConnectionError::UnexpectedEof));
    assert_eq!(conn.poll_timeout(), None);
    assert!(conn.should_close_transport());
}

#[test]
fn the_clock_never_runs_backwards() {
    let mut conn = server(keepalive(10_000, None));
    conn.handle_timeout(at(50_000)).unwrap();
    conn.handle_timeout(at(1_000)).unwrap();
    assert_eq!(conn.poll_timeout(), Some(at(60_000)));
}

/// A client's wire: messages, pings and pongs, maybe a close, and the
/// times to hand in at byte offsets.
fn wire_and_ticks() -> impl Strategy<Value = (Vec<u8>, Vec<(usize, u64)>)> {
    let frame = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(|p| client_frame(
            true,
            Opcode::Binary,
            &p
        )),
        "[a-z]{0,40}".prop_map(|t| client_frame(true, Opcode::Text, t.as_bytes())),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(|p| client_frame(
            true,
            Opcode::Ping,
            &p
        )),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(|p| client_frame(
            true,
            Opcode::Pong,
            &p
        )),
    ];
    proptest::collection::vec(frame, 1..20).prop_flat_map(|frames| {
        let wire: Vec<u8> = frames.concat();
        let len = wire.len();
        let ticks = proptest::collection::vec((0..=len, 0u64..30_000), 0..12);
        (Just(wire), ticks)
    })
}

/// Feeds `wire` cut at `cuts`, handing in each tick's time (and taking the
/// output) once the bytes before its offset are in; returns the events,
/// errors and output.
fn run(
    wire: &[u8],
    cuts: &[usize],
    ticks: &[(usize, u64)],
) -> (Vec<Event>, Vec<ConnectionError>, Vec<u8>) {
    let mut config = keepalive(4_000, Some(3_000));
    config.close_timeout = Some(Duration::from_millis(5_000));
    let mut conn = server(config);
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    points.extend(ticks.iter().map(|(offset, _)| *offset));
    points.push(wire.len());
    points.sort_unstable();
    points.dedup();
    let mut ticks = ticks.to_vec();
    ticks.sort_by_key(|(offset, _)| *offset);
    let (mut events, mut errors, mut output) = (Vec::new(), Vec::new(), Vec::new());
    let (mut fed, mut next_tick, mut clock) = (0, 0, 0);
    for point in points {
        let (more, error) = feed(&mut conn, &wire[fed..point]);
        events.extend(more);
        errors.extend(error);
        fed = point;
        // Output is taken where the times are handed in (the same moments in
        // both runs), not at every cut: only the input's chunking differs.
        while next_tick < ticks.len() && ticks[next_tick].0 == point {
            clock += ticks[next_tick].1;
            errors.extend(conn.handle_timeout(at(clock)).err());
            output.extend_from_slice(&conn.take_output());
            next_tick += 1;
        }
    }
    output.extend_from_slice(&conn.take_output());
    (events, errors, output)
}

proptest! {
    #[test]
    fn chunking_does_not_change_events_or_output_with_times_interleaved(
        (wire, ticks) in wire_and_ticks(),
        cuts_a in proptest::collection::vec(any::<usize>(), 0..30),
        cuts_b in proptest::collection::vec(any::<usize>(), 0..30),
    ) {
        let a = run(&wire, &cuts_a, &ticks);
        let b = run(&wire, &cuts_b, &ticks);
        prop_assert_eq!(a, b);
    }
}
