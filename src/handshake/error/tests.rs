//! Statuses, Displays and sizes of the handshake errors.

use super::*;
use alloc::string::ToString;

/// Every request error with the status it must answer with. The match
/// stops compiling when a variant is added: a reminder to list it.
fn every_request_error() -> [(RequestError, u16); 18] {
    let all = [
        (RequestError::InvalidHttp, 400),
        (RequestError::TooLarge, 431),
        (RequestError::TooManyHeaders, 431),
        (RequestError::NotGet, 405),
        (RequestError::HttpVersion, 426),
        (RequestError::InvalidTarget, 400),
        (RequestError::MissingHost, 400),
        (RequestError::DuplicateHeader(HeaderField::Host), 400),
        (RequestError::MissingUpgrade, 426),
        (RequestError::MissingConnectionUpgrade, 400),
        (RequestError::MissingKey, 400),
        (RequestError::InvalidKey, 400),
        (RequestError::UnsupportedVersion, 426),
        (RequestError::InvalidProtocol, 400),
        (RequestError::InvalidExtension, 400),
        (RequestError::ForbiddenHeader(HeaderField::Upgrade), 400),
        (RequestError::NotConnect, 405),
        (RequestError::MissingProtocol, 400),
    ];
    for (error, _) in all {
        match error {
            RequestError::InvalidHttp
            | RequestError::TooLarge
            | RequestError::TooManyHeaders
            | RequestError::NotGet
            | RequestError::HttpVersion
            | RequestError::InvalidTarget
            | RequestError::MissingHost
            | RequestError::DuplicateHeader(_)
            | RequestError::MissingUpgrade
            | RequestError::MissingConnectionUpgrade
            | RequestError::MissingKey
            | RequestError::InvalidKey
            | RequestError::UnsupportedVersion
            | RequestError::InvalidProtocol
            | RequestError::InvalidExtension
            | RequestError::ForbiddenHeader(_)
            | RequestError::NotConnect
            | RequestError::MissingProtocol => {}
        }
    }
    all
}

#[test]
fn every_request_error_has_its_status_and_a_display_that_blames_the_client() {
    for (error, status) in every_request_error() {
        assert_eq!(error.status(), status, "{error:?}");
        let text = error.to_string();
        assert!(text.starts_with("the client's request "), "{text}");
        assert!(text.contains(&alloc::format!("({status}): ")), "{text}");
        let umbrella = HandshakeError::from(error);
        assert_eq!(umbrella.http_status(), Some(status));
        assert_eq!(umbrella.to_string(), text);
    }
}

#[test]
fn only_requests_that_are_not_upgrades_count_as_plain_http() {
    for (error, _) in every_request_error() {
        let plain = matches!(
            error,
            RequestError::NotGet
                | RequestError::MissingUpgrade
                | RequestError::HttpVersion
                | RequestError::NotConnect
                | RequestError::MissingProtocol
        );
        assert_eq!(error.is_plain_http(), plain, "{error:?}");
        assert_eq!(HandshakeError::from(error).is_plain_http(), plain);
    }
}

#[test]
fn displays_say_who_was_at_fault_and_what_to_do() {
    assert_eq!(
        RequestError::MissingKey.to_string(),
        "the client's request has no Sec-WebSocket-Key (400): it is not a WebSocket \
         client, or a proxy stripped the header"
    );
    assert_eq!(
        RequestError::DuplicateHeader(HeaderField::Host).to_string(),
        "the client's request repeats a header that may appear once: Host (400): \
         fix the client (or the proxy in between)"
    );
    assert_eq!(
        ResponseError::InvalidAcceptKey.to_string(),
        "the server's Sec-WebSocket-Accept does not match our key: the server (or a \
         proxy) does not speak RFC 6455"
    );
    assert_eq!(
        Misuse::FragmentInUrl.to_string(),
        "ws URL has a fragment (#...): remove it (RFC 6455 forbids fragments)"
    );
    assert_eq!(
        HandshakeError::from(ResponseError::Rejected(403)).to_string(),
        "the server answered 403 instead of accepting the WebSocket: check the URL, \
         credentials and origin"
    );
}

#[test]
fn response_and_misuse_errors_have_no_status() {
    assert_eq!(
        HandshakeError::from(ResponseError::TooLarge).http_status(),
        None
    );
    assert_eq!(
        HandshakeError::from(Misuse::AlreadyComplete).http_status(),
        None
    );
    assert!(!HandshakeError::from(ResponseError::MissingUpgrade).is_plain_http());
    assert!(
        ResponseError::TooLarge
            .to_string()
            .starts_with("the server's ")
    );
}

#[test]
fn errors_stay_a_few_bytes_to_move() {
    assert!(size_of::<RequestError>() <= 2);
    assert!(size_of::<HandshakeError>() <= 8);
}

/// Header fields as (lower-case name, value), in order.
#[cfg(feature = "http")]
type Fields = alloc::vec::Vec<(alloc::string::String, alloc::vec::Vec<u8>)>;

/// The response's fields, in order.
#[cfg(feature = "http")]
fn fields_of(response: &http::Response<bytes::Bytes>) -> Fields {
    response
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().into(), value.as_bytes().into()))
        .collect()
}

#[cfg(feature = "http")]
#[test]
fn every_request_error_as_an_http_response_is_the_byte_level_rejection() {
    for (error, status) in every_request_error() {
        let written = error.response();
        let mut fields = [httparse::EMPTY_HEADER; 16];
        let mut parsed = httparse::Response::new(&mut fields);
        let Ok(httparse::Status::Complete(head)) = parsed.parse(&written) else {
            panic!("{error:?}: not a whole response");
        };
        let body = &written[head..];
        let response = error.to_http_response(http::Version::HTTP_11);
        assert_eq!(parsed.code, Some(status), "{error:?}");
        assert_eq!(response.status(), status, "{error:?}");
        assert_eq!(response.body().as_ref(), body, "{error:?}");
        // The framing is the HTTP library's; every other field is the same.
        let mut written_fields = Fields::new();
        for field in parsed.headers.iter() {
            if field.name.eq_ignore_ascii_case("content-length") {
                assert_eq!(field.value, body.len().to_string().as_bytes());
            } else {
                written_fields.push((field.name.to_ascii_lowercase(), field.value.to_vec()));
            }
        }
        assert_eq!(fields_of(&response), written_fields, "{error:?}");
        let umbrella = HandshakeError::from(error)
            .to_http_response(http::Version::HTTP_11)
            .unwrap();
        assert_eq!(
            (umbrella.status(), fields_of(&umbrella), umbrella.body()),
            (response.status(), fields_of(&response), response.body())
        );
    }
    assert!(
        HandshakeError::from(Misuse::AlreadyComplete)
            .to_http_response(http::Version::HTTP_11)
            .is_none()
    );
}
