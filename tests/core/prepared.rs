//! `PreparedMessage`: a message framed once and sent on many connections
//! goes out byte for byte as `send` sends it, a large frame is shared (not
//! copied) by every server connection, it is refused as `send` is, and it
//! keeps its place behind waiting pongs.

use crate::common;

use bytes::Buf;
use common::*;
use rfc6455::frame::Opcode;
use rfc6455::{Config, Connection, DataKind, Event, Message, PreparedMessage, Refused, State};

fn messages() -> Vec<Message> {
    let mut messages = Vec::new();
    // Each payload length form: 7-bit, 16-bit, 64-bit; either side of the
    // 4 KiB the output copies below.
    for len in [0, 125, 126, 4095, 4096, 65_535, 65_536, 200_000] {
        messages.push(Message::Binary(noise(len as u64, len).into()));
        messages.push(Message::from("é".repeat(len / 2).as_str()));
    }
    messages
}

/// The first contiguous piece of `conn`'s output.
fn first_chunk(conn: &mut Connection) -> &[u8] {
    let output: &rfc6455::Output = conn.output();
    output.chunk()
}

#[test]
fn a_prepared_message_goes_out_as_send_sends_it_on_either_end() {
    for message in messages() {
        let prepared = PreparedMessage::new(message.clone());
        assert_eq!(prepared.message(), &message);

        let mut by_send = server(Config::default());
        let mut by_prepared = server(Config::default());
        by_send.send(message.clone()).unwrap();
        by_prepared.send_prepared(&prepared).unwrap();
        let wire = by_prepared.take_output();
        assert_eq!(
            wire,
            by_send.take_output(),
            "server, {} bytes",
            message.len()
        );
        assert_eq!(&wire, prepared.frame());

        // A client masks with its own keys: the same keys give the same bytes.
        let mut by_send = client(Config::default());
        let mut by_prepared = client(Config::default());
        by_send.send(message.clone()).unwrap();
        by_prepared.send_prepared(&prepared).unwrap();
        let wire = by_prepared.take_output();
        assert_eq!(
            wire,
            by_send.take_output(),
            "client, {} bytes",
            message.len()
        );
        assert_eq!(
            feed(&mut server(Config::default()), &wire),
            (vec![Event::Message(message)], None)
        );
    }
}

#[test]
fn every_server_connection_shares_a_frame_from_256_bytes_and_copies_a_smaller_one() {
    // Payloads of 252 and 251 bytes: frames of 256 and 255 (4-byte headers).
    let shared = PreparedMessage::new(Message::Binary(noise(1, 252).into()));
    let copied = PreparedMessage::new(Message::Binary(noise(2, 251).into()));
    assert_eq!((shared.frame().len(), copied.frame().len()), (256, 255));
    let mut connections: Vec<Connection> = (0..3).map(|_| server(Config::default())).collect();
    for conn in &mut connections {
        conn.send_prepared(&shared).unwrap();
        let chunk = first_chunk(conn);
        assert_eq!(
            chunk.as_ptr(),
            shared.frame().as_ptr(),
            "shared, not copied"
        );
        assert_eq!(chunk.len(), shared.frame().len());
        conn.output().advance(shared.frame().len());

        conn.send_prepared(&copied).unwrap();
        let chunk = first_chunk(conn);
        assert_eq!(chunk, &copied.frame()[..]);
        assert_ne!(
            chunk.as_ptr(),
            copied.frame().as_ptr(),
            "under 256 bytes: copied"
        );
    }
}

#[test]
fn a_prepared_message_is_split_by_fragment_size_as_send_splits_it() {
    let mut config = Config::default();
    config.fragment_size = core::num::NonZeroUsize::new(100);
    let message = Message::from("x".repeat(250).as_str());
    let prepared = PreparedMessage::new(message.clone());
    let mut by_send = server(config.clone());
    let mut by_prepared = server(config);
    by_send.send(message).unwrap();
    by_prepared.send_prepared(&prepared).unwrap();
    let wire = by_prepared.take_output();
    assert_eq!(wire, by_send.take_output());
    let opcodes: Vec<Opcode> = decode_frames(&wire).iter().map(|(h, _)| h.opcode).collect();
    assert_eq!(
        opcodes,
        [Opcode::Text, Opcode::Continuation, Opcode::Continuation]
    );
}

#[test]
fn a_refused_prepared_message_queues_nothing() {
    let prepared = PreparedMessage::new(Message::from("refused"));

    let mut closed = server(Config::default());
    closed.close(None).unwrap();
    let queued = closed.output().remaining();
    assert_eq!(
        closed.send_prepared(&prepared),
        Err(Refused::NotOpen(State::Closing))
    );
    assert_eq!(closed.output().remaining(), queued);

    let mut fragmenting = server(Config::default());
    fragmenting
        .send_fragment(DataKind::Binary, bytes::Bytes::from_static(b"part"), false)
        .unwrap();
    let queued = fragmenting.output().remaining();
    assert_eq!(
        fragmenting.send_prepared(&prepared),
        Err(Refused::FragmentedSendInProgress)
    );
    assert_eq!(fragmenting.output().remaining(), queued);

    let mut config = Config::default();
    config.max_output_buffer = 4;
    let mut full = server(config);
    assert_eq!(
        full.send_prepared(&prepared),
        Err(Refused::OutputBufferFull)
    );
    assert_eq!(full.output().remaining(), 0);
}

#[test]
fn a_waiting_pong_goes_out_ahead_of_a_prepared_message() {
    let mut conn = server(Config::default());
    let (events, error) = feed(
        &mut conn,
        &client_frame(true, Opcode::Ping, b"are you there"),
    );
    assert_eq!((events.len(), error), (1, None));
    conn.send_prepared(&PreparedMessage::new(Message::from("after")))
        .unwrap();
    let frames = decode_frames(&conn.take_output());
    let sent: Vec<(Opcode, &[u8])> = frames.iter().map(|(h, p)| (h.opcode, &p[..])).collect();
    assert_eq!(
        sent,
        [
            (Opcode::Pong, &b"are you there"[..]),
            (Opcode::Text, &b"after"[..])
        ]
    );
}

#[cfg(feature = "deflate")]
mod deflate {
    use super::*;
    use rfc6455::deflate::DeflateParams;

    fn no_takeover() -> DeflateParams {
        DeflateParams {
            server_no_context_takeover: true,
            client_no_context_takeover: true,
            ..DeflateParams::default()
        }
    }

    /// Text that compresses to about half: hex of `len / 2` bytes of noise.
    fn compressible(len: usize) -> Message {
        let hex: String = noise(9, len / 2)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Message::from(hex.as_str())
    }

    #[test]
    fn without_context_takeover_servers_share_one_compressed_frame() {
        let message = compressible(128 << 10);
        let prepared = PreparedMessage::new(message.clone());
        let mut by_send = server(Config::default()).with_deflate(no_takeover());
        by_send.send(message.clone()).unwrap();
        let expected = by_send.take_output();
        assert_eq!(expected[0] & 0x40, 0x40, "RSV1: compressed");
        assert!(expected.len() < message.len() * 3 / 4);

        let mut first_frame = None;
        for _ in 0..3 {
            let mut conn = server(Config::default()).with_deflate(no_takeover());
            conn.send_prepared(&prepared).unwrap();
            let chunk = first_chunk(&mut conn);
            assert_eq!(chunk.len(), expected.len(), "the whole frame, shared");
            let at = *first_frame.get_or_insert(chunk.as_ptr());
            assert_eq!(chunk.as_ptr(), at, "compressed once, shared after");
            let wire = conn.take_output();
            assert_eq!(wire, expected);
            let mut peer = client(Config::default()).with_deflate(no_takeover());
            assert_eq!(
                feed(&mut peer, &wire),
                (vec![Event::Message(message.clone())], None)
            );
        }
    }

    #[test]
    fn an_incompressible_message_goes_out_plain_as_send_sends_it() {
        let message = Message::Binary(noise(3, 10_000).into());
        let prepared = PreparedMessage::new(message.clone());
        let mut by_send = server(Config::default()).with_deflate(no_takeover());
        let mut by_prepared = server(Config::default()).with_deflate(no_takeover());
        by_send.send(message).unwrap();
        by_prepared.send_prepared(&prepared).unwrap();
        let wire = by_prepared.take_output();
        assert_eq!(wire, by_send.take_output());
        assert_eq!(wire, prepared.frame());
    }

    #[test]
    fn with_context_takeover_each_connection_compresses_it_in_its_own_context() {
        // Within the 32 KiB window, so the second can refer to the first.
        let message = compressible(16 << 10);
        let prepared = PreparedMessage::new(message.clone());
        let mut conn = server(Config::default()).with_deflate(DeflateParams::default());
        let mut peer = client(Config::default()).with_deflate(DeflateParams::default());
        conn.send_prepared(&prepared).unwrap();
        let first = conn.take_output();
        conn.send_prepared(&prepared).unwrap();
        let second = conn.take_output();
        // The second refers back to the first in the shared window.
        assert!(
            second.len() < first.len() / 4,
            "{} then {}",
            first.len(),
            second.len()
        );
        for wire in [first, second] {
            assert_eq!(
                feed(&mut peer, &wire),
                (vec![Event::Message(message.clone())], None)
            );
        }
    }
}
