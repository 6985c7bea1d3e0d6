//! The vectorized paths (masking in 32-byte blocks, SIMD UTF-8 validation)
//! against plain scalar references, on arbitrary input.

use bytes::Bytes;
use proptest::prelude::*;
use rfc6455::{Config, Connection, Event, Message, Utf8Bytes};

/// The textbook definition: byte i is XORed with key[i % 4].
fn reference_mask(data: &[u8], key: [u8; 4], offset: usize) -> Vec<u8> {
    data.iter()
        .enumerate()
        .map(|(i, b)| b ^ key[(offset + i) % 4])
        .collect()
}

/// Bytes that are mostly UTF-8 with multi-byte code points, sometimes broken.
fn texty() -> impl Strategy<Value = Vec<u8>> {
    let valid = prop::collection::vec(any::<char>(), 0..400)
        .prop_map(|chars| chars.into_iter().collect::<String>().into_bytes());
    (
        valid,
        prop::option::of((any::<prop::sample::Index>(), any::<u8>())),
    )
        .prop_map(|(mut bytes, corrupt)| {
            if let Some((at, byte)) = corrupt
                && !bytes.is_empty()
            {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn mask_apply_matches_scalar_reference(
        data in prop::collection::vec(any::<u8>(), 0..600),
        key in any::<[u8; 4]>(),
        offset in 0usize..16,
    ) {
        let mut fast = data.clone();
        rfc6455::mask::apply(&mut fast, key, offset);
        prop_assert_eq!(fast, reference_mask(&data, key, offset));
    }

    #[test]
    fn mask_apply_copy_matches_scalar_reference(
        data in prop::collection::vec(any::<u8>(), 0..600),
        key in any::<[u8; 4]>(),
        offset in 0usize..16,
    ) {
        let mut out = vec![0; data.len()];
        rfc6455::mask::apply_copy(&data, &mut out, key, offset);
        prop_assert_eq!(out, reference_mask(&data, key, offset));
    }

    #[test]
    fn utf8_check_agrees_with_std(bytes in texty()) {
        let std_ok = std::str::from_utf8(&bytes).is_ok();
        let ours = Utf8Bytes::try_from_bytes(Bytes::from(bytes.clone()));
        prop_assert_eq!(ours.is_ok(), std_ok);
        if let Ok(text) = ours {
            prop_assert_eq!(text.as_str(), std::str::from_utf8(&bytes).unwrap());
        }
    }

    /// A text message in fragments, each fed in arbitrary pieces: accepted
    /// exactly when std accepts the whole.
    #[test]
    fn fragmented_text_validation_agrees_with_std(
        bytes in texty(),
        fragment in 1usize..200,
        piece in 1usize..300,
    ) {
        let std_ok = std::str::from_utf8(&bytes).is_ok();
        let mut wire = Vec::new();
        let chunks: Vec<&[u8]> = if bytes.is_empty() { vec![&[]] } else { bytes.chunks(fragment).collect() };
        for (i, chunk) in chunks.iter().enumerate() {
            let opcode = if i == 0 { 0x1 } else { 0x0 };
            let fin = i + 1 == chunks.len();
            frame(&mut wire, fin, opcode, chunk, [9, 8, 7, 6]);
        }
        let mut conn = Connection::server(Config::default());
        let mut result = None;
        for p in wire.chunks(piece) {
            conn.receive(p);
            loop {
                match conn.next_event() {
                    Ok(Some(Event::Message(Message::Text(text)))) => {
                        result = Some(Ok(text));
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => {
                        result = Some(Err(e));
                        break;
                    }
                }
            }
        }
        match result {
            Some(Ok(text)) => {
                prop_assert!(std_ok);
                prop_assert_eq!(text.as_bytes(), &bytes[..]);
            }
            Some(Err(_)) => prop_assert!(!std_ok),
            None => prop_assert!(false, "no outcome"),
        }
    }
}

fn frame(out: &mut Vec<u8>, fin: bool, opcode: u8, payload: &[u8], key: [u8; 4]) {
    out.push(u8::from(fin) << 7 | opcode);
    match payload.len() {
        n @ 0..=125 => out.push(0x80 | n as u8),
        n => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
    }
    out.extend_from_slice(&key);
    out.extend(reference_mask(payload, key, 0));
}
