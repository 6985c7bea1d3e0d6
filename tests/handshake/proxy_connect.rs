//! The CONNECT preamble for forward proxies: what the request says, and how
//! the proxy's answer is read (any chunking, limits, nothing lost).

use proptest::prelude::*;
use rfc6455::handshake::{
    ConnectHandshake, ConnectRequest, HandshakeError, Misuse, ProxyResponse, ResponseError,
};

fn reader() -> ConnectHandshake {
    ConnectRequest::new("example.com", 443).start().unwrap().1
}

fn read_whole(bytes: &[u8]) -> Result<Option<ProxyResponse>, HandshakeError> {
    reader().receive(bytes)
}

/// An answer, summarised for comparison: status, leftover, or the error.
fn summary(answer: Result<Option<ProxyResponse>, HandshakeError>) -> String {
    summary_with(answer, &[])
}

/// The summary of an answer read from a prefix of the bytes, as if `unfed`
/// (the rest) had been read with it: they would be leftover (or body) too.
fn summary_with(answer: Result<Option<ProxyResponse>, HandshakeError>, unfed: &[u8]) -> String {
    let with = |leftover: &[u8]| [leftover, unfed].concat();
    match answer {
        Ok(None) => "more".into(),
        Ok(Some(ProxyResponse::Tunnel(t))) => {
            format!("tunnel {} {:?}", t.status(), with(t.leftover()))
        }
        Ok(Some(ProxyResponse::Refused(mut r))) => {
            // An empty read would be the end of the transport.
            if !unfed.is_empty() {
                r.receive_body(unfed);
            }
            format!("refused {} {:?} {:?}", r.status(), r.reason(), r.body())
        }
        Err(e) => format!("error {e:?}"),
    }
}

#[test]
fn any_2xx_opens_the_tunnel_over_http_1_1_or_1_0() {
    for answer in [
        "HTTP/1.1 200 Connection established\r\n\r\n",
        "HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n",
        "HTTP/1.1 204 No Content\n\n",
    ] {
        match read_whole(answer.as_bytes()) {
            Ok(Some(ProxyResponse::Tunnel(t))) => assert!(t.leftover().is_empty()),
            other => panic!("{answer:?}: {}", summary(other)),
        }
    }
}

#[test]
fn bytes_after_the_answer_belong_to_the_tunnel() {
    let mut bytes = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
    bytes.extend_from_slice(b"HTTP/1.1 101 Switching Protocols\r\n");
    match read_whole(&bytes) {
        Ok(Some(ProxyResponse::Tunnel(t))) => {
            assert_eq!(t.status(), 200);
            assert_eq!(t.leftover(), b"HTTP/1.1 101 Switching Protocols\r\n");
        }
        other => panic!("{}", summary(other)),
    }
}

#[test]
fn a_407_is_a_refusal_with_its_challenge_and_body() {
    let answer = b"HTTP/1.1 407 Proxy Authentication Required\r\n\
        Proxy-Authenticate: Basic realm=\"tinyproxy\"\r\nContent-Length: 4\r\n\r\ndeny";
    match read_whole(answer) {
        Ok(Some(ProxyResponse::Refused(r))) => {
            assert_eq!(r.status(), 407);
            assert_eq!(r.reason(), "Proxy Authentication Required");
            assert_eq!(
                r.header("proxy-authenticate"),
                Some(&b"Basic realm=\"tinyproxy\""[..])
            );
            assert_eq!(r.body(), b"deny");
            assert!(r.is_body_whole());
        }
        other => panic!("{}", summary(other)),
    }
}

#[test]
fn other_statuses_refuse_the_tunnel() {
    for status in [101, 301, 400, 403, 404, 500, 502, 503] {
        let answer = format!("HTTP/1.1 {status} X\r\n\r\n");
        match read_whole(answer.as_bytes()) {
            Ok(Some(ProxyResponse::Refused(r))) => assert_eq!(r.status(), status),
            other => panic!("{status}: {}", summary(other)),
        }
    }
}

#[test]
fn the_answer_head_is_bounded_in_size_and_header_count() {
    let mut reading = ConnectRequest::new("h", 1).limits(64, 2).start().unwrap().1;
    assert!(reading.receive(b"HTTP/1.1 200 OK\r\n").unwrap().is_none());
    let error = reading.receive(&[b'a'; 64]).unwrap_err();
    assert_eq!(error, HandshakeError::Response(ResponseError::TooLarge));
    assert_eq!(reading.receive(b"\r\n\r\n").unwrap_err(), error, "sticky");

    let mut reading = ConnectRequest::new("h", 1)
        .limits(1024, 2)
        .start()
        .unwrap()
        .1;
    let many = b"HTTP/1.1 200 OK\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n";
    assert_eq!(
        reading.receive(many).unwrap_err(),
        HandshakeError::Response(ResponseError::TooManyHeaders)
    );
}

#[test]
fn a_malformed_answer_is_an_error_and_a_result_is_final() {
    for answer in [
        &b"SSH-2.0-OpenSSH_9.2\r\n\r\n"[..],
        b"HTTP/2 200\r\n\r\n",
        b"\r\n\r\n",
    ] {
        assert_eq!(
            read_whole(answer).unwrap_err(),
            HandshakeError::Response(ResponseError::InvalidHttp),
            "{answer:?}"
        );
    }
    let mut reading = reader();
    assert!(
        reading
            .receive(b"HTTP/1.1 200 OK\r\n\r\n")
            .unwrap()
            .is_some()
    );
    assert_eq!(
        reading.receive(b"more").unwrap_err(),
        HandshakeError::Misuse(Misuse::AlreadyComplete)
    );
}

/// Answers worth chunking: valid ones of each kind, with trailing bytes,
/// and arbitrary bytes.
fn answers() -> impl Strategy<Value = Vec<u8>> {
    let status = prop_oneof![Just(200u16), Just(407), 100u16..600];
    let header = ("[A-Za-z-]{1,12}", "[ -~]{0,20}");
    let valid = (
        status,
        prop::bool::ANY,
        prop::collection::vec(header, 0..5),
        prop::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(status, crlf, headers, tail)| {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = format!("HTTP/1.1 {status} Reason{eol}");
            for (name, value) in headers {
                text.push_str(&format!("{name}: {value}{eol}"));
            }
            text.push_str(eol);
            let mut bytes = text.into_bytes();
            bytes.extend(tail);
            bytes
        });
    prop_oneof![valid, prop::collection::vec(any::<u8>(), 0..200)]
}

proptest! {
    #[test]
    fn chunking_never_changes_the_answer(bytes in answers(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6)) {
        let whole = summary(read_whole(&bytes));
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        points.sort_unstable();
        let mut reading = reader();
        let mut start = 0;
        let mut pieced = "more".to_string();
        for end in points.into_iter().chain([bytes.len()]) {
            match reading.receive(&bytes[start..end]) {
                Ok(None) => start = end,
                other => {
                    pieced = summary_with(other, &bytes[end..]);
                    break;
                }
            }
        }
        prop_assert_eq!(whole, pieced);
    }

    #[test]
    fn a_tunnel_loses_no_byte(bytes in answers()) {
        if let Ok(Some(ProxyResponse::Tunnel(t))) = read_whole(&bytes) {
            prop_assert!(bytes.ends_with(t.leftover()));
            let head = &bytes[..bytes.len() - t.leftover().len()];
            prop_assert!(head.ends_with(b"\n\n") || head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\r\n"));
        }
    }
}
