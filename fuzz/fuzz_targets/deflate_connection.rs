//! Arbitrary bytes to a connection with permessage-deflate on: the inflate
//! path under a small decompressed-size budget.
//!
//! Checks: no panic; no message or chunk larger than the budget; buffered
//! bytes bounded by the limits (never by what compressed data claims to
//! inflate to); every error carries a close code and closes the connection;
//! in whole-message mode, feeding all at once delivers and fails the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rfc6455::deflate::DeflateParams;
use rfc6455::{Config, Connection, Event, Role};
use rfc6455_fuzz::{connection, drain};

const MAX_FRAME: usize = 4096;
const MAX_MESSAGE: usize = 16384;

fn build(setup: &[u8; 4]) -> (Role, Connection) {
    let params = DeflateParams {
        server_no_context_takeover: setup[0] & 1 != 0,
        client_no_context_takeover: setup[0] & 2 != 0,
        server_max_window_bits: 8 + setup[1] % 8,
        client_max_window_bits: 8 + setup[2] % 8,
    };
    let mut config = Config::default();
    config.max_frame_size = MAX_FRAME;
    config.max_message_size = MAX_MESSAGE;
    config.streaming = setup[0] & 4 != 0;
    config.lenient_masking = true;
    let role = if setup[0] & 8 != 0 {
        Role::Server
    } else {
        Role::Client
    };
    (role, connection(role, config).with_deflate(params))
}

fn check_event(event: &Event) {
    match event {
        Event::Message(message) => assert!(message.len() <= MAX_MESSAGE),
        Event::Chunk(chunk) => assert!(chunk.payload.len() <= MAX_MESSAGE),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((setup, rest)) = data.split_first_chunk::<4>() else {
        return;
    };
    let piece = 1 + usize::from(setup[3]);
    let (_, mut conn) = build(setup);
    let mut events = Vec::new();
    let mut error: Option<rfc6455::ConnectionError> = None;
    for chunk in rest.chunks(piece) {
        conn.receive(chunk);
        let (new, e) = drain(&mut conn);
        new.iter().for_each(check_event);
        events.extend(new);
        assert!(conn.buffered_len() <= MAX_FRAME + MAX_MESSAGE + 14 + piece + 1);
        if let Some(e) = e {
            assert!(
                e.is_peer_violation(),
                "{e:?} from input alone, not a violation"
            );
            assert!(conn.is_closed());
            error = Some(e);
            break;
        }
    }
    if setup[0] & 4 == 0 {
        let (_, mut whole) = build(setup);
        whole.receive(rest);
        let (whole_events, whole_error) = drain(&mut whole);
        assert_eq!((whole_events, whole_error), (events, error));
    }
});
