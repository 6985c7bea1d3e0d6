//! The reader of a proxy's answer to CONNECT.
//!
//! Input: two cut points (one byte each), then the proxy's bytes.
//!
//! Checks: no panic; the same outcome whole and in up to three pieces; a
//! tunnel is opened only on a 2xx, and the tunnel's leftover plus the
//! answer's head is exactly the input (nothing lost, nothing invented); an
//! error or an answer is final (the next call fails).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rfc6455::handshake::{ConnectHandshake, ConnectRequest, HandshakeError, ProxyResponse};

/// Small caps so the fuzzer reaches them.
const MAX_SIZE: usize = 512;
const MAX_HEADERS: usize = 8;

#[derive(Debug, PartialEq)]
enum Outcome {
    More,
    Tunnel(u16, Vec<u8>),
    Refused(u16, Vec<u8>),
    Failed(HandshakeError),
}

fn reader() -> ConnectHandshake {
    ConnectRequest::new("example.com", 443)
        .limits(MAX_SIZE, MAX_HEADERS)
        .start()
        .expect("a valid request")
        .1
}

/// Feeds `pieces` in order up to the first result, then what follows it:
/// a tunnel's leftover gets the rest, a refusal's body reads it (as a
/// caller reading the body to its end does).
fn run(pieces: &[&[u8]]) -> Outcome {
    let mut reading = reader();
    for (i, piece) in pieces.iter().enumerate() {
        let rest = &pieces[i + 1..];
        let outcome = match reading.receive(piece) {
            Ok(None) => continue,
            Ok(Some(ProxyResponse::Tunnel(t))) => {
                let status = t.status();
                let mut leftover = t.into_leftover();
                rest.iter().for_each(|p| leftover.extend_from_slice(p));
                Outcome::Tunnel(status, leftover)
            }
            Ok(Some(ProxyResponse::Refused(mut r))) => {
                // An empty read is the transport's end to `receive_body`:
                // an empty piece is no read at all.
                rest.iter()
                    .filter(|p| !p.is_empty())
                    .for_each(|p| r.receive_body(p));
                Outcome::Refused(r.status(), r.body().to_vec())
            }
            Err(e) => Outcome::Failed(e),
        };
        assert!(reading.receive(b"x").is_err(), "a result is final");
        return outcome;
    }
    Outcome::More
}

fuzz_target!(|data: &[u8]| {
    let [a, b, bytes @ ..] = data else { return };
    let whole = run(&[bytes]);
    let cut1 = usize::from(*a).min(bytes.len());
    let cut2 = (cut1 + usize::from(*b)).min(bytes.len());
    let (x, rest) = bytes.split_at(cut1);
    let (y, z) = rest.split_at(cut2 - cut1);
    assert_eq!(whole, run(&[x, y, z]), "chunking changed the outcome");
    match &whole {
        Outcome::Tunnel(status, leftover) => {
            assert!((200..300).contains(status));
            let head_len = bytes.len() - leftover.len();
            assert!(bytes[..head_len].ends_with(b"\n"));
            assert_eq!(&bytes[head_len..], &leftover[..]);
            assert!(head_len <= MAX_SIZE);
        }
        Outcome::Refused(status, _) => assert!(!(200..300).contains(status)),
        Outcome::More => assert!(bytes.len() <= MAX_SIZE),
        Outcome::Failed(_) => {}
    }
});
