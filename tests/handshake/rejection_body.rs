//! A refusal's body, read after its head as RFC 9112 section 6.3 frames it:
//! `Content-Length`, chunked, or until the transport ends; the same in any
//! chunking, and bounded.

use rfc6455::Config;
use rfc6455::handshake::{ClientRequest, Rejection, Response};

/// Feeds `wire` in pieces of `size`: the head to the handshake, the rest
/// to the rejection while it wants more, then (if `eof`) the end.
fn read(wire: &[u8], size: usize, eof: bool) -> Rejection {
    let (_, mut handshake) = ClientRequest::new("ws://example.com/")
        .unwrap()
        .start(Config::default())
        .unwrap();
    let mut pieces = wire.chunks(size);
    let mut rejection = loop {
        let piece = pieces.next().expect("a whole head");
        match handshake.receive(piece).unwrap() {
            None => continue,
            Some(Response::Rejected(rejection)) => break rejection,
            Some(other) => panic!("{other:?}"),
        }
    };
    for piece in pieces {
        if !rejection.wants_body() {
            break;
        }
        rejection.receive_body(piece);
    }
    if eof && rejection.wants_body() {
        rejection.receive_body(b"");
    }
    rejection
}

fn chunked(body: &[u8], size: usize) -> Vec<u8> {
    let mut wire = b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for chunk in body.chunks(size) {
        wire.extend_from_slice(format!("{:X}\r\n", chunk.len()).as_bytes());
        wire.extend_from_slice(chunk);
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"0\r\nX-Trailer: 1\r\n\r\nnext response");
    wire
}

#[test]
fn a_content_length_body_is_whole_in_any_chunking_and_ignores_what_follows() {
    let wire = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 11\r\n\r\nnot allowedHTTP/1.1 200";
    for size in 1..=wire.len() {
        let rejection = read(wire, size, false);
        assert_eq!(rejection.body(), b"not allowed", "pieces of {size}");
        assert!(rejection.is_body_whole() && !rejection.wants_body());
    }
}

#[test]
fn a_chunked_body_is_decoded_in_any_chunking() {
    let body: Vec<u8> = (0..500u32).map(|i| b'a' + (i % 26) as u8).collect();
    let wire = chunked(&body, 70);
    for size in 1..=80 {
        let rejection = read(&wire, size, false);
        assert_eq!(rejection.body(), body, "pieces of {size}");
        assert!(rejection.is_body_whole(), "pieces of {size}");
    }
}

#[test]
fn a_body_without_length_ends_with_the_transport() {
    let wire = b"HTTP/1.1 500 Internal Server Error\r\n\r\nit broke";
    let open = read(wire, 5, false);
    assert_eq!(open.body(), b"it broke");
    assert!(open.wants_body() && !open.is_body_whole());
    let closed = read(wire, 5, true);
    assert!(closed.is_body_whole() && !closed.wants_body());
}

#[test]
fn a_body_cut_short_is_kept_but_not_whole() {
    let wire = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 100\r\n\r\nonly this";
    let rejection = read(wire, 7, true);
    assert_eq!(rejection.body(), b"only this");
    assert!(!rejection.is_body_whole() && !rejection.wants_body());
}

#[test]
fn statuses_without_a_body_and_empty_bodies_are_whole_at_once() {
    for head in [
        "HTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
    ] {
        let rejection = read(head.as_bytes(), head.len(), false);
        assert!(
            rejection.is_body_whole() && rejection.body().is_empty(),
            "{head}"
        );
    }
}

#[test]
fn a_body_past_the_limit_is_cut_at_the_limit() {
    let body = vec![b'x'; Rejection::MAX_BODY + 10];
    let mut wire = format!("HTTP/1.1 413 X\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    wire.extend_from_slice(&body);
    let rejection = read(&wire, 4096, false);
    assert_eq!(rejection.body().len(), Rejection::MAX_BODY);
    assert!(!rejection.is_body_whole() && !rejection.wants_body());
    let rejection = read(&chunked(&body, 1000), 4096, false);
    assert_eq!(rejection.body().len(), Rejection::MAX_BODY);
    assert!(!rejection.is_body_whole() && !rejection.wants_body());
}

#[test]
fn malformed_chunks_end_the_body_where_they_break() {
    for (wire, kept) in [
        (
            &b"HTTP/1.1 400 X\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY"[..],
            &b"abc"[..],
        ),
        (
            b"HTTP/1.1 400 X\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"",
        ),
    ] {
        let rejection = read(wire, 3, false);
        assert_eq!(rejection.body(), kept);
        assert!(!rejection.is_body_whole() && !rejection.wants_body());
    }
}
