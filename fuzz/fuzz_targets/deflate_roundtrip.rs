//! permessage-deflate round trips: fuzz-chosen messages (compressible or not,
//! with or without context takeover, any window bits and level) sent by one
//! end arrive equal at the other, fed in fuzz-chosen pieces.
#![no_main]

use std::num::NonZeroUsize;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rfc6455::deflate::DeflateParams;
use rfc6455::{Config, Event, Message, Role};
use rfc6455_fuzz::{connection, drain, peer_role};

#[derive(Arbitrary, Debug)]
enum Payload {
    Text(String),
    Binary(Vec<u8>),
    /// `count % 4096` copies of `text`: compresses well.
    Repeated {
        text: String,
        count: u16,
    },
}

#[derive(Arbitrary, Debug)]
struct Input {
    client_to_server: bool,
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_window: u8,
    client_window: u8,
    level: u8,
    min_compress_size: u8,
    fragment_size: Option<u16>,
    piece: u16,
    messages: Vec<Payload>,
}

fuzz_target!(|input: Input| {
    let params = DeflateParams {
        server_no_context_takeover: input.server_no_context_takeover,
        client_no_context_takeover: input.client_no_context_takeover,
        server_max_window_bits: 8 + input.server_window % 8,
        client_max_window_bits: 8 + input.client_window % 8,
    };
    let mut config = Config::default();
    config.deflate.compression_level = u32::from(input.level % 10);
    config.deflate.min_compress_size = usize::from(input.min_compress_size);
    config.fragment_size = input
        .fragment_size
        .and_then(|n| NonZeroUsize::new(n.into()));
    let sender_role = if input.client_to_server {
        Role::Client
    } else {
        Role::Server
    };
    let mut sender = connection(sender_role, config.clone()).with_deflate(params);
    let mut receiver = connection(peer_role(sender_role), config).with_deflate(params);

    let messages: Vec<Message> = input
        .messages
        .into_iter()
        .map(|payload| match payload {
            Payload::Text(text) => Message::from(text),
            Payload::Binary(bytes) => Message::from(bytes),
            Payload::Repeated { text, count } => {
                Message::from(text.repeat(usize::from(count % 4096)))
            }
        })
        .collect();
    for message in &messages {
        sender.send(message.clone()).unwrap();
    }
    let wire = sender.take_output();
    let mut received = Vec::new();
    for chunk in wire.chunks(1 + usize::from(input.piece)) {
        receiver.receive(chunk);
        let (events, error) = drain(&mut receiver);
        assert_eq!(error, None);
        received.extend(events);
    }
    let expected: Vec<Event> = messages.into_iter().map(Event::Message).collect();
    assert_eq!(received, expected);
});
