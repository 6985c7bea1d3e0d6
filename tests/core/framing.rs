//! Frame-level rules (RFC 6455 section 5): masking, RSV bits, opcodes,
//! control frames, lengths and limits. Every error asserts its close code and
//! the close frame that was queued.

use crate::common;

use common::*;
use rfc6455::frame::Opcode;
use rfc6455::{CloseCode, Config, ConnectionError, Event, Message, ProtocolError};

/// Feeds `bytes` to `conn` and asserts it fails with `expected`, queues a
/// close frame with the error's code, and accepts nothing afterwards.
fn assert_fails(mut conn: rfc6455::Connection, bytes: &[u8], expected: ProtocolError, code: u16) {
    let (_, error) = feed(&mut conn, bytes);
    assert_eq!(error, Some(ConnectionError::Protocol(expected)));
    assert_eq!(expected.close_code(), CloseCode(code));
    assert_eq!(close_code_sent(&conn.take_output()), Some(code));
    assert!(conn.is_closed() && conn.is_failed());
    // No more input is accepted.
    let (events, error) = feed(&mut conn, &client_frame(true, Opcode::Text, b"late"));
    assert!(events.is_empty() && error.is_none());
    assert!(conn.take_output().is_empty());
}

#[test]
fn rejects_unmasked_client_frame_with_1002() {
    let bytes = server_frame(true, Opcode::Text, b"hi");
    assert_fails(
        server(Config::default()),
        &bytes,
        ProtocolError::UnmaskedFrame,
        1002,
    );
}

#[test]
fn rejects_masked_server_frame_with_1002() {
    let bytes = client_frame(true, Opcode::Text, b"hi");
    assert_fails(
        client(Config::default()),
        &bytes,
        ProtocolError::MaskedFrame,
        1002,
    );
}

#[test]
fn lenient_masking_accepts_wrongly_masked_frames_in_both_roles() {
    let mut config = Config::default();
    config.lenient_masking = true;
    let mut server = server(config.clone());
    let (events, error) = feed(&mut server, &server_frame(true, Opcode::Text, b"hi"));
    assert_eq!((events, error), (vec![Event::Message("hi".into())], None));
    let mut client = client(config);
    let (events, error) = feed(&mut client, &client_frame(true, Opcode::Binary, b"x"));
    assert_eq!(
        (events, error),
        (vec![Event::Message(Message::Binary("x".into()))], None)
    );
}

#[test]
fn rejects_rsv_bits_without_extension_with_1002() {
    for rsv in 1..=7 {
        let bytes = frame(true, rsv, Opcode::Text, Some([1, 2, 3, 4]), b"x");
        assert_fails(
            server(Config::default()),
            &bytes,
            ProtocolError::ReservedBitsSet(rsv),
            1002,
        );
    }
}

#[test]
fn rejects_reserved_opcodes_with_1002() {
    for op in [3u8, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] {
        let bytes = [0x80 | op, 0x80, 1, 2, 3, 4];
        assert_fails(
            server(Config::default()),
            &bytes,
            ProtocolError::ReservedOpcode(op),
            1002,
        );
    }
}

#[test]
fn rejects_control_frame_over_125_bytes_with_1002() {
    let bytes = client_frame(true, Opcode::Ping, &[0; 126]);
    assert_fails(
        server(Config::default()),
        &bytes,
        ProtocolError::ControlFrameTooLong,
        1002,
    );
}

#[test]
fn rejects_fragmented_control_frame_with_1002() {
    let bytes = client_frame(false, Opcode::Ping, b"p");
    assert_fails(
        server(Config::default()),
        &bytes,
        ProtocolError::FragmentedControlFrame,
        1002,
    );
}

#[test]
fn rejects_64_bit_length_with_top_bit_set_with_1002() {
    let bytes = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4];
    assert_fails(
        server(Config::default()),
        &bytes,
        ProtocolError::InvalidLength,
        1002,
    );
}

#[test]
fn rejects_frame_over_max_frame_size_with_1009_before_buffering() {
    let mut config = Config::default();
    config.max_frame_size = 1000;
    let mut conn = server(config);
    let mut bytes = client_frame(true, Opcode::Binary, &[7; 1001]);
    bytes.truncate(20);
    let (_, error) = feed(&mut conn, &bytes);
    assert_eq!(error, Some(ProtocolError::FrameTooLarge.into()));
    assert_eq!(close_code_sent(&conn.take_output()), Some(1009));
}

#[test]
fn huge_declared_length_allocates_nothing_beyond_arrived_bytes() {
    // A 14-byte header declaring 2^62 bytes, within a raised frame limit.
    let mut config = Config::default();
    config.max_frame_size = usize::MAX;
    config.max_message_size = usize::MAX;
    let mut conn = server(config);
    let mut bytes = vec![0x82, 0xFF];
    bytes.extend_from_slice(&(1u64 << 62).to_be_bytes());
    bytes.extend_from_slice(&[1, 2, 3, 4]);
    bytes.extend_from_slice(&[0; 100]);
    let (events, error) = feed(&mut conn, &bytes);
    assert!(events.is_empty() && error.is_none());
    assert_eq!(conn.buffered_len(), 100);
}

#[test]
fn default_limits_reject_huge_declared_length_with_1009() {
    let mut bytes = vec![0x82, 0xFF];
    bytes.extend_from_slice(&(1u64 << 62).to_be_bytes());
    bytes.extend_from_slice(&[1, 2, 3, 4]);
    assert_fails(
        server(Config::default()),
        &bytes,
        ProtocolError::FrameTooLarge,
        1009,
    );
}

#[test]
fn whole_frames_are_delivered_as_slices_of_the_read_buffer() {
    let mut conn = server(Config::default());
    let mut bytes = client_frame(true, Opcode::Binary, &[1; 100]);
    bytes.extend(client_frame(true, Opcode::Binary, &[2; 100]));
    let (events, _) = feed(&mut conn, &bytes);
    let [
        Event::Message(Message::Binary(a)),
        Event::Message(Message::Binary(b)),
    ] = &events[..]
    else {
        panic!("expected two messages, got {events:?}");
    };
    assert_eq!((a.as_ref(), b.as_ref()), (&[1; 100][..], &[2; 100][..]));
    // The second payload starts 6 header bytes after the first ends: no copy.
    assert_eq!(b.as_ptr() as usize, a.as_ptr() as usize + 100 + 6);
}

#[test]
fn decoding_needs_only_header_bytes_and_waits_for_payload() {
    let mut conn = server(Config::default());
    let bytes = client_frame(true, Opcode::Text, b"hello");
    for (i, byte) in bytes.iter().enumerate() {
        let (events, error) = feed(&mut conn, std::slice::from_ref(byte));
        assert!(error.is_none());
        if i + 1 < bytes.len() {
            assert!(events.is_empty());
        } else {
            assert_eq!(events, vec![Event::Message("hello".into())]);
        }
    }
}

#[test]
fn client_masks_every_frame_with_a_fresh_key() {
    let mut conn = rfc6455::Connection::client(Config::default());
    for _ in 0..3 {
        conn.send(Message::from("same")).unwrap();
    }
    let frames = decode_frames(&conn.take_output());
    let keys: Vec<_> = frames
        .iter()
        .map(|(h, _)| h.mask.expect("unmasked"))
        .collect();
    assert!(keys[0] != keys[1] && keys[1] != keys[2] && keys[0] != keys[2]);
    assert!(frames.iter().all(|(_, p)| p.as_ref() == b"same"));
}

#[test]
fn server_sends_unmasked_frames_with_shortest_length() {
    let mut conn = server(Config::default());
    conn.send(Message::Binary(vec![0; 126].into())).unwrap();
    let out = conn.take_output();
    assert_eq!(&out[..4], &[0x82, 126, 0, 126]);
    assert_eq!(out.len(), 4 + 126);
}

/// A random source that counts its calls and hands out a counting stream
/// of bytes, so that each key's origin is known.
struct CountingSource {
    calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    next: u8,
}

impl rfc6455::RandomSource for CountingSource {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        for byte in dest {
            *byte = self.next;
            self.next = self.next.wrapping_add(1);
        }
    }
}

#[test]
fn masking_keys_are_drawn_sixteen_at_a_time_and_each_is_used_once() {
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let source = CountingSource {
        calls: calls.clone(),
        next: 0,
    };
    let mut conn =
        rfc6455::Connection::client_with_random(Config::without_timers(), Box::new(source));
    for _ in 0..17 {
        conn.send_binary(b"abcd").unwrap();
    }
    // One call for the first 16 keys (one ChaCha20 block), one for the 17th.
    assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 2);
    let keys: Vec<[u8; 4]> = decode_frames(&conn.take_output())
        .into_iter()
        .map(|(header, _)| header.mask.expect("a client masks"))
        .collect();
    let expected: Vec<[u8; 4]> = (0..17u8)
        .map(|i| [4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3])
        .collect();
    assert_eq!(keys, expected, "consecutive, distinct keys from the stream");
}
