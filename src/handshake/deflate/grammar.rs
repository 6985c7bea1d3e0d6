//! The grammar of a `permessage-deflate` element's parameters (RFC 7692
//! section 7, with RFC 6455 section 9.1's quoted strings): one pass, no
//! backtracking, so linear in the element's length whatever it holds.

use crate::handshake::head::is_tchar;

/// The element did not follow the grammar, or broke a rule of RFC 7692
/// that holds for offers and responses alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Malformed;

/// The parameters of a `permessage-deflate` element, each at most once.
/// A window size is `Some(None)` when the parameter had no value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Params {
    pub(super) server_no_context_takeover: bool,
    pub(super) client_no_context_takeover: bool,
    pub(super) server_max_window_bits: Option<Option<u8>>,
    pub(super) client_max_window_bits: Option<Option<u8>>,
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
pub(super) fn parse_params(element: &[u8]) -> Result<Params, Malformed> {
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
    use alloc::string::{String, ToString};

    use crate::deflate::DeflateConfig;
    use crate::handshake::deflate::server_negotiate;
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
}
