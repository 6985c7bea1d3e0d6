//! Negotiating permessage-deflate parameters (RFC 7692 section 7).
//!
//! The handshakes in [`handshake`](crate::handshake) call these functions
//! themselves when [`Config::deflate`](crate::Config::deflate) is enabled;
//! they are public for callers who run a handshake of their own (an RFC 8441
//! stream, a proxy) and then call
//! [`Connection::with_deflate`](crate::Connection::with_deflate).
//!
//! ```
//! use rfc6455::deflate::{DeflateConfig, client_accept, client_offer, server_negotiate};
//!
//! let mut client = DeflateConfig::default();
//! client.client_no_context_takeover = true;
//! let offer = client_offer(&client);
//! assert_eq!(offer, "permessage-deflate; client_no_context_takeover; client_max_window_bits");
//!
//! let mut server = DeflateConfig::default();
//! server.server_max_window_bits = 12;
//! let (server_params, response) = server_negotiate(&server, [offer.as_str()]).unwrap();
//! assert_eq!(
//!     response,
//!     "permessage-deflate; client_no_context_takeover; server_max_window_bits=12; \
//!      client_max_window_bits=15"
//! );
//!
//! let client_params = client_accept(&client, &response).unwrap();
//! assert_eq!(client_params, server_params);
//! assert_eq!(client_params.server_max_window_bits, 12);
//! ```
//!
//! # Parsing
//!
//! An element is `permessage-deflate` followed by `;`-separated parameters,
//! each a token with an optional `=` value, a token or a quoted string
//! (optional whitespace is allowed around `;` and `=`). Extension and
//! parameter names compare ASCII case-insensitively. A window size is the
//! decimal `8` to `15` without leading zeros (RFC 7692 section 7.1.2), so
//! `08` is refused; the quoted form (`"10"`) is accepted and, after removing
//! its backslash escapes, must follow the same rule (RFC 6455 section 9.1).
//!
//! Parsing takes one pass over the element without backtracking, so it runs
//! in time linear in its length whatever the input (thousands of
//! parameters, unclosed quotes, runs of backslashes).
//!
//! Configured window sizes outside 8..=15 are clamped into that range.

use alloc::string::String;

use super::{DeflateConfig, DeflateParams};
use crate::handshake::HandshakeError;
use crate::handshake::head::{extension_name, is_tchar, split_quoted_list};

/// The extension's name.
pub(crate) const PERMESSAGE_DEFLATE: &str = "permessage-deflate";

/// Whether an extension element (or offer) is named `permessage-deflate`.
pub(crate) fn is_permessage_deflate(element: &[u8]) -> bool {
    extension_name(element).eq_ignore_ascii_case(PERMESSAGE_DEFLATE.as_bytes())
}

/// The `Sec-WebSocket-Extensions` element a client offers for `config`.
///
/// Always carries `client_max_window_bits` (with `=N` when
/// `config.client_max_window_bits` is below 15, bare otherwise), so that the
/// server may limit the client's window; `server_max_window_bits=N` when
/// `config.server_max_window_bits` is below 15; and
/// `server_no_context_takeover` / `client_no_context_takeover` when set.
/// `config.enabled` is not looked at.
///
/// ```
/// let mut config = rfc6455::deflate::DeflateConfig::default();
/// assert_eq!(
///     rfc6455::deflate::client_offer(&config),
///     "permessage-deflate; client_max_window_bits"
/// );
/// config.server_no_context_takeover = true;
/// config.server_max_window_bits = 10;
/// config.client_max_window_bits = 9;
/// assert_eq!(
///     rfc6455::deflate::client_offer(&config),
///     "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; \
///      client_max_window_bits=9"
/// );
/// ```
#[must_use]
pub fn client_offer(config: &DeflateConfig) -> String {
    let server_bits = clamp_bits(config.server_max_window_bits);
    let client_bits = clamp_bits(config.client_max_window_bits);
    let mut out = String::from(PERMESSAGE_DEFLATE);
    if config.server_no_context_takeover {
        out.push_str("; server_no_context_takeover");
    }
    if config.client_no_context_takeover {
        out.push_str("; client_no_context_takeover");
    }
    if server_bits < 15 {
        out.push_str("; server_max_window_bits=");
        push_bits(&mut out, server_bits);
    }
    out.push_str("; client_max_window_bits");
    if client_bits < 15 {
        out.push('=');
        push_bits(&mut out, client_bits);
    }
    out
}

/// Checks the server's `permessage-deflate` response element against the
/// offer [`client_offer`] made for `config`, and returns the parameters the
/// connection runs with.
///
/// Fails with [`HandshakeError::InvalidDeflateParams`] (RFC 7692 section 7:
/// the client must then fail the connection) when the element is not
/// `permessage-deflate` or is malformed; has a parameter twice or one
/// other than the four RFC 7692 defines; gives `server_no_context_takeover`
/// or `client_no_context_takeover` a value; gives a window size that is
/// missing or not 8 to 15; omits `server_max_window_bits` although the offer
/// limited it, or answers with a larger value than offered; limits
/// `client_max_window_bits` to more than `config.client_max_window_bits`;
/// or omits `server_no_context_takeover` although the offer asked for it.
///
/// In the result, `server_max_window_bits` is 15 when the response leaves it
/// out; `client_max_window_bits` is the response's value, or
/// `config.client_max_window_bits` when the response leaves it out (the
/// offer told the server that the client keeps to that limit anyway); and
/// `client_no_context_takeover` is set when the response has it or
/// `config` asks for it (the client then honours it on its own).
pub fn client_accept(
    config: &DeflateConfig,
    response_element: &str,
) -> Result<DeflateParams, HandshakeError> {
    let invalid = HandshakeError::InvalidDeflateParams;
    let element = response_element.as_bytes();
    if !is_permessage_deflate(element) {
        return Err(invalid);
    }
    let response = parse_params(element).map_err(|Malformed| invalid)?;
    let offered_server_bits = clamp_bits(config.server_max_window_bits);
    let offered_client_bits = clamp_bits(config.client_max_window_bits);

    let server_max_window_bits = match response.server_max_window_bits {
        None if offered_server_bits < 15 => return Err(invalid),
        None => 15,
        Some(None) => return Err(invalid),
        Some(Some(bits)) if bits > offered_server_bits => return Err(invalid),
        Some(Some(bits)) => bits,
    };
    let client_max_window_bits = match response.client_max_window_bits {
        None => offered_client_bits,
        Some(None) => return Err(invalid),
        Some(Some(bits)) if bits > offered_client_bits => return Err(invalid),
        Some(Some(bits)) => bits,
    };
    if config.server_no_context_takeover && !response.server_no_context_takeover {
        return Err(invalid);
    }
    Ok(DeflateParams {
        server_no_context_takeover: response.server_no_context_takeover,
        client_no_context_takeover: response.client_no_context_takeover
            || config.client_no_context_takeover,
        server_max_window_bits,
        client_max_window_bits,
    })
}

/// The server's side: picks the first acceptable `permessage-deflate` offer
/// among `offers` and returns the parameters the connection runs with and
/// the response element to send. `None` when `config.enabled` is false or
/// no offer is acceptable (the server then answers without the extension).
///
/// Each item of `offers` is one extension element, as
/// [`Request::extensions`](crate::handshake::Request::extensions) yields
/// them, or a whole `Sec-WebSocket-Extensions` value, which is split on its
/// top-level commas. Elements of other extensions are skipped.
///
/// An offer is declined (RFC 7692 section 7) when it is malformed: a
/// parameter twice, one other than the four RFC 7692 defines, a value on
/// `server_no_context_takeover` or `client_no_context_takeover`,
/// `server_max_window_bits` without a value, or a window size that is not
/// 8 to 15. It is also declined when `config.client_max_window_bits` is
/// below 15 and the offer lacks `client_max_window_bits`, since the server
/// could not limit the client's window.
///
/// The response carries:
/// - `server_no_context_takeover` if the client asked for it or
///   `config.server_no_context_takeover` is set;
/// - `client_no_context_takeover` if the client offered it or
///   `config.client_no_context_takeover` is set;
/// - `server_max_window_bits=N`, N the smaller of the client's value (if
///   any) and `config.server_max_window_bits`, if the client offered it or
///   the configured value is below 15;
/// - `client_max_window_bits=N`, N the smaller of the client's value (15
///   if it gave none) and `config.client_max_window_bits`, if the client
///   offered it.
pub fn server_negotiate<'a>(
    config: &DeflateConfig,
    offers: impl IntoIterator<Item = &'a str>,
) -> Option<(DeflateParams, String)> {
    if !config.enabled {
        return None;
    }
    let mut chosen = None;
    for offer in offers {
        // An unclosed quote ends the item; the elements before it were seen.
        let _ = split_quoted_list(offer.as_bytes(), |element| {
            if chosen.is_none() && is_permessage_deflate(element) {
                chosen = accept_offer(config, element);
            }
            Ok(())
        });
        if chosen.is_some() {
            break;
        }
    }
    chosen
}

/// The server's answer to one `permessage-deflate` offer, or `None` to
/// decline it.
fn accept_offer(config: &DeflateConfig, element: &[u8]) -> Option<(DeflateParams, String)> {
    let offer = parse_params(element).ok()?;
    let server_bits = clamp_bits(config.server_max_window_bits);
    let client_bits = clamp_bits(config.client_max_window_bits);

    let server_max_window_bits = match offer.server_max_window_bits {
        // The RFC gives this parameter a value in an offer.
        Some(None) => return None,
        Some(Some(bits)) => Some(bits.min(server_bits)),
        None if server_bits < 15 => Some(server_bits),
        None => None,
    };
    let client_max_window_bits = match offer.client_max_window_bits {
        Some(bits) => Some(bits.unwrap_or(15).min(client_bits)),
        // Without the parameter the client may use any window.
        None if client_bits < 15 => return None,
        None => None,
    };
    let params = DeflateParams {
        server_no_context_takeover: offer.server_no_context_takeover
            || config.server_no_context_takeover,
        client_no_context_takeover: offer.client_no_context_takeover
            || config.client_no_context_takeover,
        server_max_window_bits: server_max_window_bits.unwrap_or(15),
        client_max_window_bits: client_max_window_bits.unwrap_or(15),
    };

    let mut response = String::from(PERMESSAGE_DEFLATE);
    if params.server_no_context_takeover {
        response.push_str("; server_no_context_takeover");
    }
    if params.client_no_context_takeover {
        response.push_str("; client_no_context_takeover");
    }
    if let Some(bits) = server_max_window_bits {
        response.push_str("; server_max_window_bits=");
        push_bits(&mut response, bits);
    }
    if let Some(bits) = client_max_window_bits {
        response.push_str("; client_max_window_bits=");
        push_bits(&mut response, bits);
    }
    Some((params, response))
}

/// A configured window size, kept within what RFC 7692 allows.
fn clamp_bits(bits: u8) -> u8 {
    bits.clamp(8, 15)
}

/// Appends a window size (8 to 15) in decimal.
fn push_bits(out: &mut String, bits: u8) {
    if bits >= 10 {
        out.push('1');
    }
    out.push(char::from(b'0' + bits % 10));
}

/// The element did not follow the grammar, or broke a rule of RFC 7692
/// that holds for offers and responses alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Malformed;

/// The parameters of a `permessage-deflate` element, each at most once.
/// A window size is `Some(None)` when the parameter had no value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Params {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<Option<u8>>,
    client_max_window_bits: Option<Option<u8>>,
}

/// A parameter's value as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value<'a> {
    Absent,
    Token(&'a [u8]),
    /// The text between the quotes, escapes still in.
    Quoted(&'a [u8]),
}

/// Parses the parameters of an extension element (whose name the caller
/// has checked). Fails on a parameter other than the four RFC 7692
/// defines, a parameter given twice, a value on a flag parameter, or a
/// window size that is given but not 8 to 15.
fn parse_params(element: &[u8]) -> Result<Params, Malformed> {
    let mut params = Params::default();
    each_param(element, |name, value| {
        if name.eq_ignore_ascii_case(b"server_no_context_takeover") {
            set_flag(&mut params.server_no_context_takeover, value)
        } else if name.eq_ignore_ascii_case(b"client_no_context_takeover") {
            set_flag(&mut params.client_no_context_takeover, value)
        } else if name.eq_ignore_ascii_case(b"server_max_window_bits") {
            set_bits(&mut params.server_max_window_bits, value)
        } else if name.eq_ignore_ascii_case(b"client_max_window_bits") {
            set_bits(&mut params.client_max_window_bits, value)
        } else {
            Err(Malformed)
        }
    })?;
    Ok(params)
}

fn set_flag(flag: &mut bool, value: Value<'_>) -> Result<(), Malformed> {
    if *flag || value != Value::Absent {
        return Err(Malformed);
    }
    *flag = true;
    Ok(())
}

fn set_bits(slot: &mut Option<Option<u8>>, value: Value<'_>) -> Result<(), Malformed> {
    if slot.is_some() {
        return Err(Malformed);
    }
    *slot = Some(window_bits(value)?);
    Ok(())
}

/// A window size value: `None` if absent, else 8 to 15 in decimal without
/// leading zeros, as a token or (after unescaping) a quoted string.
fn window_bits(value: Value<'_>) -> Result<Option<u8>, Malformed> {
    // Longer than two characters cannot be valid: stop copying there.
    let mut digits = [0u8; 3];
    let mut len = 0;
    let mut push = |b: u8| {
        if len < digits.len() {
            digits[len] = b;
        }
        len += 1;
    };
    match value {
        Value::Absent => return Ok(None),
        Value::Token(token) => token.iter().for_each(|&b| push(b)),
        Value::Quoted(quoted) => {
            let mut escaped = false;
            for &b in quoted {
                if escaped || b != b'\\' {
                    push(b);
                    escaped = false;
                } else {
                    escaped = true;
                }
            }
        }
    }
    match &digits[..len.min(digits.len())] {
        [d @ b'8'..=b'9'] => Ok(Some(d - b'0')),
        [b'1', d @ b'0'..=b'5'] => Ok(Some(10 + d - b'0')),
        _ => Err(Malformed),
    }
}

/// Calls `each` with the name and value of every parameter of `element`, in
/// order, stopping at its first error. One pass, no backtracking.
///
/// Grammar (RFC 6455 section 9.1, with optional whitespace around `;` and
/// `=`): `token *( ";" token [ "=" ( token / quoted-string ) ] )`.
fn each_param<'a>(
    element: &'a [u8],
    mut each: impl FnMut(&'a [u8], Value<'a>) -> Result<(), Malformed>,
) -> Result<(), Malformed> {
    let mut cursor = Cursor { rest: element };
    cursor.skip_ows();
    if cursor.token().is_empty() {
        return Err(Malformed);
    }
    loop {
        cursor.skip_ows();
        match cursor.next() {
            None => return Ok(()),
            Some(b';') => {}
            Some(_) => return Err(Malformed),
        }
        cursor.skip_ows();
        let name = cursor.token();
        if name.is_empty() {
            return Err(Malformed);
        }
        cursor.skip_ows();
        let value = if cursor.eat(b'=') {
            cursor.skip_ows();
            if cursor.eat(b'"') {
                Value::Quoted(cursor.quoted_rest()?)
            } else {
                match cursor.token() {
                    [] => return Err(Malformed),
                    token => Value::Token(token),
                }
            }
        } else {
            Value::Absent
        };
        each(name, value)?;
    }
}

/// The unread part of an element.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn next(&mut self) -> Option<u8> {
        let (&b, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(b)
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.rest.first() == Some(&byte) {
            self.rest = &self.rest[1..];
            true
        } else {
            false
        }
    }

    fn skip_ows(&mut self) {
        while let [b' ' | b'\t', rest @ ..] = self.rest {
            self.rest = rest;
        }
    }

    /// The longest run of token characters (possibly empty).
    fn token(&mut self) -> &'a [u8] {
        let end = self
            .rest
            .iter()
            .position(|&b| !is_tchar(b))
            .unwrap_or(self.rest.len());
        let (token, rest) = self.rest.split_at(end);
        self.rest = rest;
        token
    }

    /// After an opening quote: the quoted text up to the closing quote,
    /// which is consumed. Fails if the quote is never closed.
    fn quoted_rest(&mut self) -> Result<&'a [u8], Malformed> {
        let mut escaped = false;
        for (i, &b) in self.rest.iter().enumerate() {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                let text = &self.rest[..i];
                self.rest = &self.rest[i + 1..];
                return Ok(text);
            }
        }
        Err(Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec::Vec;

    fn params(element: &str) -> Result<Params, Malformed> {
        parse_params(element.as_bytes())
    }

    #[test]
    fn parses_every_parameter_with_whitespace_and_case_variations() {
        let p = params(
            "permessage-deflate ;Server_No_Context_Takeover;\tclient_no_context_takeover ; \
             server_max_window_bits = 10; client_max_window_bits",
        )
        .unwrap();
        assert_eq!(
            p,
            Params {
                server_no_context_takeover: true,
                client_no_context_takeover: true,
                server_max_window_bits: Some(Some(10)),
                client_max_window_bits: Some(None),
            }
        );
        assert_eq!(params("permessage-deflate").unwrap(), Params::default());
    }

    #[test]
    fn window_bits_accept_8_to_15_without_leading_zeros() {
        for bits in 8..=15u8 {
            let token = bits.to_string();
            assert_eq!(window_bits(Value::Token(token.as_bytes())), Ok(Some(bits)));
            assert_eq!(window_bits(Value::Quoted(token.as_bytes())), Ok(Some(bits)));
        }
        for bad in [
            "",
            "0",
            "7",
            "16",
            "08",
            "015",
            "1",
            "9a",
            "+9",
            " 9",
            "100",
            "9999999999",
        ] {
            assert_eq!(
                window_bits(Value::Token(bad.as_bytes())),
                Err(Malformed),
                "{bad}"
            );
            assert_eq!(
                window_bits(Value::Quoted(bad.as_bytes())),
                Err(Malformed),
                "{bad}"
            );
        }
        assert_eq!(window_bits(Value::Absent), Ok(None));
    }

    #[test]
    fn quoted_window_bits_are_unescaped() {
        assert_eq!(window_bits(Value::Quoted(br"1\0")), Ok(Some(10)));
        assert_eq!(window_bits(Value::Quoted(br"\9")), Ok(Some(9)));
        assert_eq!(window_bits(Value::Quoted(br"\\9")), Err(Malformed));
    }

    #[test]
    fn grammar_errors_are_malformed() {
        for bad in [
            "",
            ";",
            "permessage-deflate;",
            "permessage-deflate; ;client_max_window_bits",
            "permessage-deflate client_max_window_bits",
            "permessage-deflate; client_max_window_bits=",
            "permessage-deflate; client_max_window_bits=\"10",
            "permessage-deflate; client_max_window_bits=\"10\"x",
            "permessage-deflate; client_max_window_bits=10, x",
            "permessage-deflate; =10",
        ] {
            assert_eq!(params(bad), Err(Malformed), "{bad:?}");
        }
    }

    #[test]
    fn flags_take_no_value_and_nothing_repeats() {
        assert_eq!(
            params("permessage-deflate; server_no_context_takeover=1"),
            Err(Malformed)
        );
        assert_eq!(
            params("permessage-deflate; client_no_context_takeover=\"\""),
            Err(Malformed)
        );
        assert_eq!(
            params("permessage-deflate; client_max_window_bits; CLIENT_MAX_WINDOW_BITS=9"),
            Err(Malformed)
        );
        assert_eq!(params("permessage-deflate; x=1"), Err(Malformed));
    }

    #[test]
    fn name_check_is_case_insensitive_and_ignores_parameters() {
        assert!(is_permessage_deflate(b"PerMessage-Deflate; x"));
        assert!(!is_permessage_deflate(b"permessage-deflate-x"));
        assert!(!is_permessage_deflate(b"x-webkit-deflate-frame"));
    }

    #[test]
    fn push_bits_writes_decimal() {
        let mut s = String::new();
        for bits in 8..=15 {
            push_bits(&mut s, bits);
            s.push(' ');
        }
        assert_eq!(s, "8 9 10 11 12 13 14 15 ");
    }

    #[test]
    fn out_of_range_config_is_clamped() {
        let config = DeflateConfig {
            server_max_window_bits: 3,
            client_max_window_bits: 200,
            ..DeflateConfig::default()
        };
        assert_eq!(
            client_offer(&config),
            "permessage-deflate; server_max_window_bits=8; client_max_window_bits"
        );
    }

    #[test]
    fn ten_thousand_parameters_parse_in_one_pass() {
        let mut element = String::from("permessage-deflate");
        for _ in 0..10_000 {
            element.push_str("; client_max_window_bits");
        }
        assert_eq!(params(&element), Err(Malformed));
        let mut count = 0;
        let r = each_param(element.as_bytes(), |_, _| {
            count += 1;
            Ok(())
        });
        assert_eq!((r, count), (Ok(()), 10_000));
    }

    #[test]
    fn long_backslash_run_in_unclosed_quote_is_malformed() {
        let mut element = String::from("permessage-deflate; server_max_window_bits=\"");
        element.push_str(&"\\".repeat(100_001));
        assert_eq!(params(&element), Err(Malformed));
        let offers: Vec<&str> = alloc::vec![&element, "permessage-deflate"];
        assert!(server_negotiate(&DeflateConfig::default(), offers).is_some());
    }
}
