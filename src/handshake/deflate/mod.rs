//! Negotiating permessage-deflate (RFC 7692 section 7): the client's
//! offer, the server's choice, the client's check of the answer. Public
//! through [`rfc6455::deflate`](crate::deflate), where the rules are set
//! out.

use alloc::string::String;

use crate::deflate::{DeflateConfig, DeflateParams};
use crate::handshake::error::ResponseError;
use crate::handshake::head::{extension_name, split_quoted_list};

mod grammar;

use grammar::{Malformed, parse_params};

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
/// Fails with [`ResponseError::InvalidDeflateParams`] (RFC 7692 section 7:
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
) -> Result<DeflateParams, ResponseError> {
    let invalid = ResponseError::InvalidDeflateParams;
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
        let _ = split_quoted_list(offer.as_bytes(), (), |element| {
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

#[cfg(test)]
mod tests {
    use super::*;
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
}
