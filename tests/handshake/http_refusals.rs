//! A refused request as an `http::Response` (the crate's own tests check
//! that every [`RequestError`]'s is the byte-level rejection; the hyper
//! example answers with it in `http_front_door`): the fields of a 426 and
//! a 405, and HTTP/2 and HTTP/3 without connection-specific fields.
#![cfg(feature = "http")]

use http::Version;
use rfc6455::handshake::RequestError;

/// Request errors of every status and header set (the crate's own tests
/// check every variant, where the list cannot miss one).
const REQUEST_ERRORS: [RequestError; 7] = [
    RequestError::InvalidHttp,
    RequestError::TooLarge,
    RequestError::NotGet,
    RequestError::HttpVersion,
    RequestError::MissingUpgrade,
    RequestError::UnsupportedVersion,
    RequestError::NotConnect,
];

#[test]
fn a_426_names_the_upgrade_and_the_version_and_a_405_what_is_allowed() {
    for error in [
        RequestError::MissingUpgrade,
        RequestError::HttpVersion,
        RequestError::UnsupportedVersion,
    ] {
        let response = error.to_http_response(Version::HTTP_11);
        assert_eq!(response.status(), 426);
        let headers = response.headers();
        assert_eq!(headers["upgrade"], "websocket", "{error:?}");
        assert_eq!(headers["connection"], "upgrade, close", "{error:?}");
        assert_eq!(headers["sec-websocket-version"], "13", "{error:?}");
    }
    let not_get = RequestError::NotGet.to_http_response(Version::HTTP_11);
    assert_eq!(not_get.headers()["allow"], "GET");
    let not_connect = RequestError::NotConnect.to_http_response(Version::HTTP_2);
    assert_eq!(not_connect.headers()["allow"], "CONNECT");
}

#[test]
fn over_http2_and_http3_the_connection_specific_fields_are_left_out() {
    for version in [Version::HTTP_2, Version::HTTP_3] {
        for error in REQUEST_ERRORS {
            let response = error.to_http_response(version);
            let h11 = error.to_http_response(Version::HTTP_11);
            assert!(!response.headers().contains_key("connection"), "{error:?}");
            assert!(!response.headers().contains_key("upgrade"), "{error:?}");
            assert_eq!(response.status(), h11.status());
            assert_eq!(response.body(), h11.body());
        }
        let version_mismatch = RequestError::UnsupportedVersion.to_http_response(version);
        assert_eq!(version_mismatch.headers()["sec-websocket-version"], "13");
    }
}
