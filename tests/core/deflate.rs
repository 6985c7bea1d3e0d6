//! permessage-deflate data path (RFC 7692): RSV1 rules, round trips with and
//! without context takeover, bounded decompression, interop with zlib output.
#![cfg(feature = "deflate")]

use crate::common;

use bytes::Bytes;
use common::*;
use flate2::{Compress, Compression, FlushCompress};
use rfc6455::deflate::DeflateParams;
use rfc6455::frame::{Opcode, RSV1};
use rfc6455::{Config, Connection, Event, Message, ProtocolError};

fn pair(params: DeflateParams, config: Config) -> (Connection, Connection) {
    (
        client(config.clone()).with_deflate(params),
        server(config).with_deflate(params),
    )
}

fn no_takeover() -> DeflateParams {
    DeflateParams {
        server_no_context_takeover: true,
        client_no_context_takeover: true,
        ..DeflateParams::default()
    }
}

/// Raw DEFLATE of `data` with a sync flush and the trailer removed, from zlib
/// itself (not through the crate), at `level` with a `window_bits` window.
fn zlib_message(compress: &mut Compress, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 1024);
    compress
        .compress_vec(data, &mut out, FlushCompress::Sync)
        .unwrap();
    assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
    out.truncate(out.len() - 4);
    out
}

#[test]
fn messages_round_trip_compressed_with_and_without_context_takeover() {
    for params in [DeflateParams::default(), no_takeover()] {
        let (mut client, mut server) = pair(params, Config::default());
        for i in 0..50 {
            let text = format!("message {i}: {}", "repetitive words ".repeat(i + 3));
            client.send(Message::from(text.as_str())).unwrap();
            let wire = client.take_output();
            assert_eq!(wire[0] & 0x40, 0x40, "RSV1 marks a compressed message");
            assert!(wire.len() < text.len());
            let (events, error) = feed(&mut server, &wire);
            assert_eq!(
                (events, error),
                (vec![Event::Message(text.as_str().into())], None)
            );

            server
                .send(Message::Binary(text.clone().into_bytes().into()))
                .unwrap();
            let (events, error) = feed(&mut client, &server.take_output());
            assert_eq!(error, None);
            assert_eq!(
                events,
                vec![Event::Message(Message::Binary(text.into_bytes().into()))]
            );
        }
    }
}

#[test]
fn incompressible_message_between_compressible_ones_round_trips() {
    let (mut client, mut server) = pair(DeflateParams::default(), Config::default());
    let noise = noise(7, 10_000);
    let text = "the quick brown fox jumps over the lazy dog ".repeat(20);
    for message in [
        Message::from(text.as_str()),
        Message::Binary(noise.clone().into()),
        Message::from(text.as_str()),
        Message::Binary(noise.into()),
        Message::from(text.as_str()),
    ] {
        client.send(message.clone()).unwrap();
        let (events, error) = feed(&mut server, &client.take_output());
        assert_eq!((events, error), (vec![Event::Message(message)], None));
    }
}

#[test]
fn compressed_messages_fragment_with_rsv1_on_the_first_frame_only() {
    let mut config = Config::default();
    config.fragment_size = std::num::NonZeroUsize::new(16);
    let (mut client, mut server) = pair(DeflateParams::default(), config);
    let text = "abcdefgh".repeat(100) + &"0123456789".repeat(30);
    client.send(Message::from(text.as_str())).unwrap();
    let wire = client.take_output();
    let frames = decode_frames(&wire);
    assert!(frames.len() > 1);
    assert_eq!(frames[0].0.rsv, RSV1);
    assert!(frames[1..].iter().all(|(h, _)| h.rsv == 0));
    let (events, error) = feed(&mut server, &wire);
    assert_eq!(
        (events, error),
        (vec![Event::Message(text.as_str().into())], None)
    );
}

#[test]
fn rsv1_on_a_continuation_frame_is_1002() {
    let (_, mut server) = pair(DeflateParams::default(), Config::default());
    let mut bytes = frame(false, 0, Opcode::Text, Some([1, 2, 3, 4]), b"a");
    bytes.extend(frame(
        true,
        RSV1,
        Opcode::Continuation,
        Some([1, 2, 3, 4]),
        b"b",
    ));
    let (_, error) = feed(&mut server, &bytes);
    assert_eq!(error, Some(ProtocolError::ReservedBitsSet(RSV1).into()));
    assert_eq!(close_code_sent(&server.take_output()), Some(1002));
}

#[test]
fn rsv1_on_a_control_frame_is_1002() {
    let (_, mut server) = pair(DeflateParams::default(), Config::default());
    let (_, error) = feed(
        &mut server,
        &frame(true, RSV1, Opcode::Ping, Some([1, 2, 3, 4]), b"p"),
    );
    assert_eq!(error, Some(ProtocolError::ReservedBitsSet(RSV1).into()));
    assert_eq!(close_code_sent(&server.take_output()), Some(1002));
}

#[test]
fn rsv2_and_rsv3_stay_reserved_with_deflate() {
    let (_, mut server) = pair(DeflateParams::default(), Config::default());
    let (_, error) = feed(
        &mut server,
        &frame(true, 0b010, Opcode::Text, Some([1, 2, 3, 4]), b"p"),
    );
    assert_eq!(error, Some(ProtocolError::ReservedBitsSet(0b010).into()));
}

#[test]
fn decompression_bomb_fails_with_1009_at_the_message_limit() {
    let mut compress = Compress::new(Compression::best(), false);
    let zeros = vec![0u8; 1 << 20];
    let mut bomb = Vec::new();
    for _ in 0..63 {
        let mut part = Vec::with_capacity(4096);
        compress
            .compress_vec(&zeros, &mut part, FlushCompress::None)
            .unwrap();
        bomb.extend(part);
    }
    bomb.extend(zlib_message(&mut compress, &zeros));
    assert!(
        bomb.len() < 128 * 1024,
        "64 MiB of zeros in {} bytes",
        bomb.len()
    );

    let mut config = Config::default();
    config.max_message_size = 1 << 20;
    for streaming in [false, true] {
        config.streaming = streaming;
        let (_, mut server) = pair(DeflateParams::default(), config.clone());
        let wire = frame(true, RSV1, Opcode::Binary, Some([9, 8, 7, 6]), &bomb);
        server.receive(&wire);
        let mut delivered = 0;
        let error = loop {
            match server.next_event() {
                Ok(Some(Event::Chunk(chunk))) => delivered += chunk.payload.len(),
                Ok(Some(other)) => panic!("unexpected {other:?}"),
                Ok(None) => panic!("the bomb did not fail"),
                Err(error) => break error,
            }
            assert!(server.buffered_len() <= (1 << 20) + 1);
        };
        assert_eq!(error, ProtocolError::MessageTooLarge.into());
        assert!(delivered <= 1 << 20);
        assert_eq!(close_code_sent(&server.take_output()), Some(1009));
    }
}

#[test]
fn decompressed_size_counts_across_fragments() {
    // 1200 letters that compress only a little, split into two fragments.
    let letters: Vec<u8> = (0..1200u32).map(|i| b'a' + (i * 7919 % 26) as u8).collect();
    let mut compress = Compress::new(Compression::default(), false);
    let compressed = zlib_message(&mut compress, &letters);
    let (first, second) = compressed.split_at(compressed.len() / 2);
    let mut config = Config::default();
    config.max_message_size = 1000;
    let (_, mut server) = pair(DeflateParams::default(), config);
    let mut bytes = frame(false, RSV1, Opcode::Text, Some([1, 2, 3, 4]), first);
    bytes.extend(frame(
        true,
        0,
        Opcode::Continuation,
        Some([1, 2, 3, 4]),
        second,
    ));
    let (_, error) = feed(&mut server, &bytes);
    assert_eq!(error, Some(ProtocolError::MessageTooLarge.into()));
}

#[test]
fn message_exactly_at_the_limit_inflates() {
    let mut compress = Compress::new(Compression::default(), false);
    let data = vec![b'z'; 1000];
    let mut config = Config::default();
    config.max_message_size = 1000;
    let (_, mut server) = pair(DeflateParams::default(), config);
    let wire = frame(
        true,
        RSV1,
        Opcode::Binary,
        Some([1, 2, 3, 4]),
        &zlib_message(&mut compress, &data),
    );
    let (events, error) = feed(&mut server, &wire);
    assert_eq!(
        (events, error),
        (vec![Event::Message(Message::Binary(data.into()))], None)
    );
}

#[test]
fn corrupt_data_after_the_limit_fired_gives_one_clean_error() {
    let mut compress = Compress::new(Compression::best(), false);
    let mut bomb = zlib_message(&mut compress, &vec![0u8; 1 << 20]);
    bomb.extend_from_slice(&[0xff; 64]); // then garbage
    let mut config = Config::default();
    config.max_message_size = 4096;
    let (_, mut server) = pair(DeflateParams::default(), config);
    let (_, error) = feed(
        &mut server,
        &frame(true, RSV1, Opcode::Binary, Some([1, 2, 3, 4]), &bomb),
    );
    assert_eq!(error, Some(ProtocolError::MessageTooLarge.into()));
    let (events, error) = feed(
        &mut server,
        &frame(true, RSV1, Opcode::Binary, Some([1, 2, 3, 4]), &[0xff; 8]),
    );
    assert_eq!(
        (events.len(), error),
        (0, None),
        "nothing after the first error"
    );
    let frames = decode_frames(&server.take_output());
    assert_eq!(frames.len(), 1);
}

#[test]
fn corrupt_compressed_data_is_1007() {
    let (_, mut server) = pair(DeflateParams::default(), Config::default());
    let (_, error) = feed(
        &mut server,
        &frame(
            true,
            RSV1,
            Opcode::Binary,
            Some([1, 2, 3, 4]),
            &[0xff, 0xff, 0xff],
        ),
    );
    assert_eq!(error, Some(ProtocolError::InvalidCompressedData.into()));
    assert_eq!(close_code_sent(&server.take_output()), Some(1007));
}

#[test]
fn invalid_utf8_inside_compressed_text_is_1007() {
    let mut compress = Compress::new(Compression::default(), false);
    let (_, mut server) = pair(DeflateParams::default(), Config::default());
    let wire = frame(
        true,
        RSV1,
        Opcode::Text,
        Some([1, 2, 3, 4]),
        &zlib_message(&mut compress, b"ok \xff\xfe"),
    );
    let (_, error) = feed(&mut server, &wire);
    assert_eq!(error, Some(ProtocolError::InvalidUtf8.into()));
}

#[test]
fn inflates_zlib_output_with_small_windows_and_context_takeover() {
    for window_bits in [9u8, 12, 15] {
        let mut compress = Compress::new_with_window_bits(Compression::new(9), false, window_bits);
        let params = DeflateParams {
            client_max_window_bits: window_bits,
            ..DeflateParams::default()
        };
        let (_, mut server) = pair(params, Config::default());
        for i in 0..20 {
            let text = format!("{i} {}", "window bits and context takeover ".repeat(i + 1));
            let wire = frame(
                true,
                RSV1,
                Opcode::Text,
                Some([4, 3, 2, 1]),
                &zlib_message(&mut compress, text.as_bytes()),
            );
            // Byte at a time: chunking must not matter.
            let mut events = Vec::new();
            for byte in &wire {
                let (new, error) = feed(&mut server, std::slice::from_ref(byte));
                assert_eq!(error, None);
                events.extend(new);
            }
            assert_eq!(events, vec![Event::Message(text.as_str().into())]);
        }
    }
}

#[test]
fn streaming_mode_delivers_decompressed_chunks() {
    let mut config = Config::default();
    config.streaming = true;
    let (mut client, mut server) = pair(DeflateParams::default(), config);
    let text = "streaming ".repeat(1000);
    client.send(Message::from(text.as_str())).unwrap();
    let wire = client.take_output();
    let mut received = Vec::new();
    let mut last = false;
    for piece in wire.chunks(7) {
        let (events, error) = feed(&mut server, piece);
        assert_eq!(error, None);
        for event in events {
            let Event::Chunk(chunk) = event else {
                panic!("{event:?}")
            };
            received.extend_from_slice(&chunk.payload);
            last = chunk.is_last;
        }
    }
    assert!(last);
    assert_eq!(received, text.as_bytes());
}

#[test]
fn control_frames_are_never_compressed() {
    let (mut client, _) = pair(DeflateParams::default(), Config::default());
    client.ping(&[b'a'; 100]).unwrap();
    let frames = decode_frames(&client.take_output());
    assert_eq!(frames[0].0.rsv, 0);
}

#[test]
fn borrowed_sends_compress_like_owned_ones() {
    let text = "compress me, compress me, compress me, compress me";
    let (mut owned, _) = pair(DeflateParams::default(), Config::default());
    let (mut borrowed, mut server) = pair(DeflateParams::default(), Config::default());
    owned.send(Message::from(text)).unwrap();
    owned.send(Message::Binary(Bytes::from(text))).unwrap();
    borrowed.send_text(text).unwrap();
    borrowed.send_binary(text.as_bytes()).unwrap();
    let wire = borrowed.take_output();
    assert_eq!(wire, owned.take_output());
    assert_eq!(decode_frames(&wire)[0].0.rsv, RSV1);
    // Lent events of compressed messages come from the inflated copy.
    let (events, error) = feed_ref(&mut server, &wire);
    assert_eq!(error, None);
    assert_eq!(
        events,
        vec![
            Event::Message(Message::from(text)),
            Event::Message(Message::Binary(Bytes::from(text)))
        ]
    );
}
