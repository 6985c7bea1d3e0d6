//! What the handshake's header fields must say, checked once for every
//! front door.
//!
//! The rules read fields through [`Fields`], which an HTTP/1.1 head and (with
//! the `http` feature) an `http::HeaderMap` both implement, so the HTTP/1.1
//! upgrade, its `http`-typed twin and extended CONNECT (RFC 8441, RFC 9220)
//! refuse the same input with the same [`RequestError`]. The checks both
//! sides make are generic over the side's error ([`PeerFault`]).

use alloc::vec::Vec;

use super::head::{
    Head, PeerFault, extension_name, is_field_value, is_token, list_elements, split_quoted_list,
    trim_ows,
};
use super::{HeaderField, RequestError, ResponseError};

/// Read access to header fields by name (ASCII case-insensitive).
pub(crate) trait Fields {
    /// The values of every field called `name`, in order.
    fn field_values<'a>(&'a self, name: &'static str) -> impl Iterator<Item = &'a [u8]>;
}

impl Fields for Head {
    fn field_values<'a>(&'a self, name: &'static str) -> impl Iterator<Item = &'a [u8]> {
        self.values(name)
    }
}

#[cfg(feature = "http")]
impl Fields for ::http::HeaderMap {
    fn field_values<'a>(&'a self, name: &'static str) -> impl Iterator<Item = &'a [u8]> {
        self.get_all(name).iter().map(::http::HeaderValue::as_bytes)
    }
}

/// The value of a field that may appear at most once.
pub(crate) fn single<E: PeerFault>(
    fields: &impl Fields,
    name: HeaderField,
) -> Result<Option<&[u8]>, E> {
    let mut values = fields.field_values(name.as_str());
    let first = values.next();
    if values.next().is_some() {
        return Err(E::duplicate(name));
    }
    Ok(first)
}

/// Whether any field called `name` lists `token` (case-insensitive).
pub(crate) fn has_token<F: Fields>(fields: &F, name: &'static str, token: &str) -> bool {
    fields
        .field_values(name)
        .flat_map(list_elements)
        .any(|t| t.eq_ignore_ascii_case(token.as_bytes()))
}

/// `Upgrade: websocket` and `Connection: upgrade`, on both sides of an
/// HTTP/1.1 upgrade.
pub(crate) fn require_upgrade<E: PeerFault>(fields: &impl Fields) -> Result<(), E> {
    if !has_token(fields, "Upgrade", "websocket") {
        return Err(E::MISSING_UPGRADE);
    }
    if !has_token(fields, "Connection", "upgrade") {
        return Err(E::MISSING_CONNECTION_UPGRADE);
    }
    Ok(())
}

/// A request with a body: the body would be taken for frames.
pub(crate) fn forbid_body<E: PeerFault>(fields: &impl Fields) -> Result<(), E> {
    let chunked = fields.field_values("Transfer-Encoding").next().is_some();
    if chunked
        || fields
            .field_values("Content-Length")
            .any(|v| trim_ows(v) != b"0")
    {
        return Err(E::INVALID_HTTP);
    }
    Ok(())
}

/// Fails with the side's `ForbiddenHeader(name)` if `name` is present.
#[cfg(any(feature = "http", test))]
pub(crate) fn forbid<E: PeerFault>(fields: &impl Fields, name: HeaderField) -> Result<(), E> {
    match fields.field_values(name.as_str()).next() {
        Some(_) => Err(E::forbidden(name)),
        None => Ok(()),
    }
}

/// `Sec-WebSocket-Version: 13`, once.
pub(crate) fn require_version<F: Fields>(fields: &F) -> Result<(), RequestError> {
    match single::<RequestError>(fields, HeaderField::SecWebSocketVersion)? {
        Some(v) if trim_ows(v) == b"13" => Ok(()),
        _ => Err(RequestError::UnsupportedVersion),
    }
}

/// The client's `Sec-WebSocket-Key`: once, base64 of 16 bytes.
pub(crate) fn client_key<F: Fields>(fields: &F) -> Result<&[u8], RequestError> {
    let key = single(fields, HeaderField::SecWebSocketKey)?.ok_or(RequestError::MissingKey)?;
    let key = trim_ows(key);
    let mut decoded = [0u8; 18];
    let valid = key.len() == 24
        && base64::Engine::decode_slice(
            &base64::engine::general_purpose::STANDARD,
            key,
            &mut decoded,
        ) == Ok(16);
    if valid {
        Ok(key)
    } else {
        Err(RequestError::InvalidKey)
    }
}

/// The `Host` field: once, not empty, UTF-8.
pub(crate) fn host<F: Fields>(fields: &F) -> Result<&[u8], RequestError> {
    let host = trim_ows(single(fields, HeaderField::Host)?.ok_or(RequestError::MissingHost)?);
    if host.is_empty() {
        return Err(RequestError::MissingHost);
    }
    utf8(host)
}

/// The `Origin` field, if present: once, UTF-8.
pub(crate) fn origin<F: Fields>(fields: &F) -> Result<Option<&[u8]>, RequestError> {
    single(fields, HeaderField::Origin)?
        .map(|v| utf8(trim_ows(v)))
        .transpose()
}

fn utf8(value: &[u8]) -> Result<&[u8], RequestError> {
    match core::str::from_utf8(value) {
        Ok(_) => Ok(value),
        Err(_) => Err(RequestError::InvalidHttp),
    }
}

/// The subprotocols a request offers, across all its
/// `Sec-WebSocket-Protocol` lines; each must be a token.
pub(crate) fn offered_protocols<F: Fields>(fields: &F) -> Result<Vec<&[u8]>, RequestError> {
    let mut protocols = Vec::new();
    for value in fields.field_values("Sec-WebSocket-Protocol") {
        for p in list_elements(value) {
            if !is_token(p) {
                return Err(RequestError::InvalidProtocol);
            }
            protocols.push(p);
        }
    }
    Ok(protocols)
}

/// The extension elements a request offers (or a response accepts), across
/// all `Sec-WebSocket-Extensions` lines; each must be UTF-8 text with a
/// token for its name. `each` sees every element and may refuse it.
pub(crate) fn extension_elements<'a, E: PeerFault>(
    fields: &'a impl Fields,
    mut each: impl FnMut(&'a [u8]) -> Result<(), E>,
) -> Result<Vec<&'a [u8]>, E> {
    let mut elements = Vec::new();
    for value in fields.field_values("Sec-WebSocket-Extensions") {
        split_quoted_list(value, E::INVALID_EXTENSION, |element| {
            let text = is_field_value(element) && core::str::from_utf8(element).is_ok();
            if !text || !is_token(extension_name(element)) {
                return Err(E::INVALID_EXTENSION);
            }
            each(element)?;
            elements.push(element);
            Ok(())
        })?;
    }
    Ok(elements)
}

/// The subprotocol a response selects: at most one, among `offered`.
pub(crate) fn selected_protocol<'a, F: Fields>(
    fields: &'a F,
    offered: &[alloc::string::String],
) -> Result<Option<&'a [u8]>, ResponseError> {
    let mut protocol = None;
    for value in fields.field_values("Sec-WebSocket-Protocol") {
        for p in list_elements(value) {
            if protocol.is_some() {
                return Err(ResponseError::InvalidProtocol);
            }
            if !offered.iter().any(|o| o.as_bytes() == p) {
                return Err(ResponseError::ProtocolNotOffered);
            }
            protocol = Some(p);
        }
    }
    Ok(protocol)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fields from (name, value) pairs, the smallest [`Fields`] there is.
    struct Pairs(&'static [(&'static str, &'static str)]);

    impl Fields for Pairs {
        fn field_values<'a>(&'a self, name: &'static str) -> impl Iterator<Item = &'a [u8]> {
            self.0
                .iter()
                .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_bytes())
        }
    }

    #[test]
    fn a_repeated_single_field_is_a_duplicate() {
        let f = Pairs(&[("Host", "a"), ("host", "b")]);
        assert_eq!(
            host(&f),
            Err(RequestError::DuplicateHeader(HeaderField::Host))
        );
    }

    #[test]
    fn upgrade_tokens_are_found_in_lists_case_insensitively() {
        let f = Pairs(&[
            ("Upgrade", "h2c, WebSocket"),
            ("Connection", "keep-alive, Upgrade"),
        ]);
        assert_eq!(require_upgrade::<RequestError>(&f), Ok(()));
        let f = Pairs(&[("Upgrade", "websocket")]);
        assert_eq!(
            require_upgrade(&f),
            Err(ResponseError::MissingConnectionUpgrade)
        );
        assert_eq!(
            require_upgrade(&Pairs(&[])),
            Err(RequestError::MissingUpgrade)
        );
    }

    #[test]
    fn a_body_is_refused_but_an_empty_one_is_not() {
        assert_eq!(
            forbid_body::<RequestError>(&Pairs(&[("Content-Length", "0")])),
            Ok(())
        );
        assert_eq!(
            forbid_body(&Pairs(&[("Content-Length", "3")])),
            Err(RequestError::InvalidHttp)
        );
        assert_eq!(
            forbid_body(&Pairs(&[("Transfer-Encoding", "chunked")])),
            Err(ResponseError::InvalidHttp)
        );
    }

    #[test]
    fn keys_must_be_sixteen_bytes_of_base64() {
        let ok = Pairs(&[("Sec-WebSocket-Key", " dGhlIHNhbXBsZSBub25jZQ== ")]);
        assert_eq!(client_key(&ok), Ok(&b"dGhlIHNhbXBsZSBub25jZQ=="[..]));
        let short = Pairs(&[("Sec-WebSocket-Key", "AAAA")]);
        assert_eq!(client_key(&short), Err(RequestError::InvalidKey));
        assert_eq!(client_key(&Pairs(&[])), Err(RequestError::MissingKey));
    }

    #[test]
    fn only_version_13_is_supported() {
        let ok = Pairs(&[("Sec-WebSocket-Version", "13")]);
        assert_eq!(require_version(&ok), Ok(()));
        let old = Pairs(&[("Sec-WebSocket-Version", "8")]);
        assert_eq!(require_version(&old), Err(RequestError::UnsupportedVersion));
        assert_eq!(
            require_version(&Pairs(&[])),
            Err(RequestError::UnsupportedVersion)
        );
    }

    #[test]
    fn offered_protocols_are_tokens_across_lines() {
        let f = Pairs(&[
            ("Sec-WebSocket-Protocol", "a, b"),
            ("Sec-WebSocket-Protocol", "c"),
        ]);
        assert_eq!(offered_protocols(&f).unwrap(), [&b"a"[..], b"b", b"c"]);
        let bad = Pairs(&[("Sec-WebSocket-Protocol", "a b")]);
        assert_eq!(offered_protocols(&bad), Err(RequestError::InvalidProtocol));
    }

    #[test]
    fn a_response_selects_at_most_one_offered_protocol() {
        let offered = ["a".into(), "b".into()];
        let one = Pairs(&[("Sec-WebSocket-Protocol", "b")]);
        assert_eq!(selected_protocol(&one, &offered), Ok(Some(&b"b"[..])));
        let two = Pairs(&[("Sec-WebSocket-Protocol", "a, b")]);
        assert_eq!(
            selected_protocol(&two, &offered),
            Err(ResponseError::InvalidProtocol)
        );
        let other = Pairs(&[("Sec-WebSocket-Protocol", "c")]);
        assert_eq!(
            selected_protocol(&other, &offered),
            Err(ResponseError::ProtocolNotOffered)
        );
    }

    #[test]
    fn extension_elements_need_token_names_and_closed_quotes() {
        let f = Pairs(&[("Sec-WebSocket-Extensions", "x; a=\"1,2\", y")]);
        assert_eq!(
            extension_elements::<RequestError>(&f, |_| Ok(())).unwrap(),
            [&b"x; a=\"1,2\""[..], b"y"]
        );
        let unclosed = Pairs(&[("Sec-WebSocket-Extensions", "x; a=\"1")]);
        let spaced = Pairs(&[("Sec-WebSocket-Extensions", "x y; a")]);
        let nameless = Pairs(&[("Sec-WebSocket-Extensions", "=1")]);
        for bad in [unclosed, spaced, nameless] {
            assert_eq!(
                extension_elements(&bad, |_| Ok(())),
                Err(RequestError::InvalidExtension),
                "{:?}",
                bad.0
            );
        }
    }

    #[test]
    fn forbidden_fields_are_named_in_the_error() {
        let f = Pairs(&[("Sec-WebSocket-Key", "x")]);
        assert_eq!(
            forbid(&f, HeaderField::SecWebSocketKey),
            Err(RequestError::ForbiddenHeader(HeaderField::SecWebSocketKey))
        );
        assert_eq!(forbid::<RequestError>(&f, HeaderField::Upgrade), Ok(()));
    }
}
