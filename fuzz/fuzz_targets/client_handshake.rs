//! The client's response reader, after a request for a fixed URL made with a
//! deterministic random source (so the expected `Sec-WebSocket-Accept` is
//! fixed and seeds can carry it).
//!
//! Input: a `rfc6455_fuzz::HandshakeSetup`, then a mode byte (bit 0: mutate
//! a genuine response instead of taking raw bytes; bit 1: offer
//! subprotocols; bit 2: offer permessage-deflate; bits 3 and 4: in the
//! mutating mode, have the server select the subprotocol / the extension),
//! then either the response bytes or a list of edits to apply to the
//! genuine `101` that `Request::accept` writes for the request.
//!
//! Checks: no panic; the reader never holds more than `max_handshake_size`
//! bytes without failing; the same outcome whole and in pieces; an accepted
//! response carries the right accept key and only what was offered; the
//! unedited genuine response is accepted with what the server selected.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use rfc6455::handshake::{
    Accept, ClientHandshake, ClientRequest, HandshakeError, Response, ResponseError,
    ServerHandshake, accept_key,
};
use rfc6455::{Config, Role};
use rfc6455_fuzz::{FuzzRandom, HandshakeRun, HandshakeSetup, drain, feed_handshake, header_list};

const URL: &str = "ws://example.com/chat?room=1";
const PROTOCOLS: [&str; 2] = ["chat", "superchat"];
const EXTENSION: &str = "permessage-deflate; client_max_window_bits";
/// The seed of the random source that makes the key (the seeds' responses
/// carry the matching accept key).
const KEY_SEED: u64 = 0x5EED;

struct Mode {
    mutate: bool,
    offer_protocols: bool,
    offer_extension: bool,
    select_protocol: bool,
    select_extension: bool,
}

impl Mode {
    fn from_byte(b: u8) -> Mode {
        Mode {
            mutate: b & 1 != 0,
            offer_protocols: b & 2 != 0,
            offer_extension: b & 4 != 0,
            select_protocol: b & 8 != 0,
            select_extension: b & 16 != 0,
        }
    }
}

/// An edit to a genuine response.
#[derive(Arbitrary, Debug)]
enum Edit {
    Xor { at: u16, value: u8 },
    Insert { at: u16, bytes: Vec<u8> },
    Remove { at: u16, len: u8 },
    Truncate { at: u16 },
    Append(Vec<u8>),
}

impl Edit {
    fn apply(&self, bytes: &mut Vec<u8>) {
        let at = |at: &u16| usize::from(*at) % (bytes.len() + 1);
        match self {
            Edit::Xor { at: i, value } => {
                if !bytes.is_empty() {
                    let i = usize::from(*i) % bytes.len();
                    bytes[i] ^= value;
                }
            }
            Edit::Insert { at: i, bytes: new } => {
                let i = at(i);
                bytes.splice(i..i, new.iter().copied());
            }
            Edit::Remove { at: i, len } => {
                let i = at(i);
                let end = (i + usize::from(*len)).min(bytes.len());
                bytes.drain(i..end);
            }
            Edit::Truncate { at: i } => {
                let i = at(i);
                bytes.truncate(i);
            }
            Edit::Append(new) => bytes.extend_from_slice(new),
        }
    }
}

/// What a response reading shows, to compare two readings.
#[derive(Debug, PartialEq)]
enum Summary {
    Accepted {
        protocol: Option<String>,
        extensions: Vec<String>,
        headers: Vec<(String, Vec<u8>)>,
        leftover: Vec<u8>,
    },
    Rejected {
        status: u16,
        reason: String,
        headers: Vec<(String, Vec<u8>)>,
        /// The body, given every byte that followed the head.
        body: Vec<u8>,
    },
}

fn summarize(run: &HandshakeRun<Response>) -> Option<Result<Summary, HandshakeError>> {
    let leftover = |l: &[u8]| [l, &run.after].concat();
    run.outcome.as_ref().map(|outcome| match outcome {
        Ok(Response::Accepted(a)) => Ok(Summary::Accepted {
            protocol: a.protocol().map(str::to_owned),
            extensions: a.extensions().map(str::to_owned).collect(),
            headers: header_list(a.headers()),
            leftover: leftover(a.leftover()),
        }),
        Ok(Response::Rejected(r)) => {
            // The body reader takes what came with the head; the rest of
            // the input arrives as a transport would hand it over.
            let mut r = r.clone();
            if !run.after.is_empty() {
                r.receive_body(&run.after);
            }
            Ok(Summary::Rejected {
                status: r.status(),
                reason: r.reason().to_owned(),
                headers: header_list(r.headers()),
                body: r.body().to_vec(),
            })
        }
        Err(e) => Err(*e),
    })
}

/// The request and a fresh reader for its response.
fn start(mode: &Mode, config: &Config) -> (Vec<u8>, ClientHandshake) {
    let mut request = ClientRequest::new(URL).unwrap();
    if mode.offer_protocols {
        for p in PROTOCOLS {
            request = request.protocol(p);
        }
    }
    if mode.offer_extension {
        request = request.extension(EXTENSION);
    }
    request
        .start_with_random(config.clone(), Box::new(FuzzRandom::new(KEY_SEED)))
        .unwrap()
}

/// The `101` the server side writes for `request`.
fn genuine_response(mode: &Mode, request: &[u8]) -> (Vec<u8>, Option<&'static str>) {
    let mut config = Config::default();
    config.deflate.enabled = false; // permessage-deflate is accepted by hand below
    let request = ServerHandshake::new(config)
        .receive(request)
        .unwrap()
        .unwrap();
    let mut accept = Accept::default();
    let protocol = request
        .first_protocol_in(&PROTOCOLS)
        .filter(|_| mode.select_protocol);
    if let Some(p) = protocol {
        accept = accept.protocol(p);
    }
    if mode.offer_extension && mode.select_extension {
        accept = accept.extension("permessage-deflate");
    }
    (request.accept(accept).unwrap().0, protocol)
}

fn read(config: &Config, mode: &Mode, response: &[u8], sizes: &[usize]) -> HandshakeRun<Response> {
    let (_, mut reader) = start(mode, config);
    feed_handshake(response, sizes, config.max_handshake_size, |piece| {
        reader.receive(piece)
    })
}

/// An extension element's name: the text before its first `;`, trimmed.
fn extension_name(element: &str) -> &str {
    element.split(';').next().unwrap_or_default().trim()
}

/// The value of the request's `Sec-WebSocket-Key`.
fn request_key(request: &[u8]) -> &[u8] {
    let text = core::str::from_utf8(request).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .unwrap();
    line.as_bytes()
}

fuzz_target!(|data: &[u8]| {
    let Some((setup, rest)) = HandshakeSetup::parse(data) else {
        return;
    };
    let Some((&mode, rest)) = rest.split_first() else {
        return;
    };
    let mode = Mode::from_byte(mode);
    let config = &setup.config;
    let (request, _) = start(&mode, config);
    let expected_accept = accept_key(request_key(&request));

    let mut genuine = None;
    let response = if mode.mutate {
        let (mut response, protocol) = genuine_response(&mode, &request);
        let edits: Vec<Edit> =
            Arbitrary::arbitrary_take_rest(Unstructured::new(rest)).unwrap_or_default();
        if edits.is_empty() {
            genuine = Some(protocol);
        }
        for edit in &edits {
            edit.apply(&mut response);
        }
        response
    } else {
        rest.to_vec()
    };

    let chunked = read(config, &mode, &response, &setup.piece_sizes);
    let whole = read(config, &mode, &response, &[]);
    assert_eq!(
        summarize(&whole),
        summarize(&chunked),
        "whole and in pieces differ"
    );

    match whole.outcome {
        Some(Ok(Response::Accepted(accepted))) => {
            let accept = accepted
                .header("Sec-WebSocket-Accept")
                .expect("accepted without a key");
            assert_eq!(
                accept.trim_ascii(),
                expected_accept.as_bytes(),
                "accepted a wrong key"
            );
            if let Some(p) = accepted.protocol() {
                assert!(
                    mode.offer_protocols && PROTOCOLS.contains(&p),
                    "accepted {p:?}, never offered"
                );
            }
            for e in accepted.extensions() {
                assert!(
                    mode.offer_extension
                        && extension_name(e).eq_ignore_ascii_case("permessage-deflate"),
                    "accepted {e:?}"
                );
            }
            if let Some(protocol) = genuine {
                assert_eq!(accepted.protocol(), protocol);
            }
            let protocol = accepted.protocol().map(str::to_owned);
            let extensions: Vec<String> = accepted.extensions().map(str::to_owned).collect();
            let mut conn = accepted.into_connection();
            assert_eq!(conn.role(), Role::Client);
            assert_eq!(conn.protocol(), protocol.as_deref());
            assert!(conn.extensions().eq(extensions.iter().map(String::as_str)));
            let _ = drain(&mut conn);
        }
        Some(Ok(Response::Rejected(rejection))) => {
            assert_ne!(rejection.status(), 101);
            assert!(
                genuine.is_none(),
                "the genuine response was rejected: {rejection:?}"
            );
        }
        Some(Err(e)) => {
            // Only the response can be at fault.
            let HandshakeError::Response(e) = e else {
                panic!("not a response error: {e:?}");
            };
            assert!(
                genuine.is_none()
                    || e == ResponseError::TooLarge
                    || e == ResponseError::TooManyHeaders,
                "the genuine response failed: {e:?}"
            );
        }
        None => {
            assert!(response.len() <= config.max_handshake_size);
            assert!(genuine.is_none(), "the genuine response did not end");
        }
    }
});
