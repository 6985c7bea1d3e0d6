//! Parsing a client's `ws://` or `wss://` URL (RFC 6455 section 3) into
//! what the request needs: the host, port and resource.

use alloc::string::{String, ToString};

use super::Misuse;

/// A parsed WebSocket URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct WsUrl {
    pub secure: bool,
    /// The host, an IPv6 address without its brackets.
    pub host: String,
    pub ipv6: bool,
    /// The port given, or the scheme's default (80, 443).
    pub port: u16,
    /// Path and query, at least `/`.
    pub resource: String,
}

impl WsUrl {
    /// Parses `ws://host[:port][/path][?query]` or `wss://...`; see
    /// [`ClientRequest::new`](super::ClientRequest::new) for what it refuses.
    pub fn parse(url: &str) -> Result<WsUrl, Misuse> {
        let (scheme, rest) = url.split_once("://").ok_or(Misuse::InvalidUrl)?;
        let secure = if scheme.eq_ignore_ascii_case("ws") {
            false
        } else if scheme.eq_ignore_ascii_case("wss") {
            true
        } else {
            return Err(Misuse::UnsupportedScheme);
        };
        if rest.contains('#') {
            return Err(Misuse::FragmentInUrl);
        }
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, resource) = rest.split_at(split);
        let (host, ipv6, port) = parse_authority(authority)?;
        let port = port.unwrap_or(if secure { 443 } else { 80 });
        if !resource.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Misuse::InvalidUrl);
        }
        let resource = if resource.starts_with('/') {
            resource.to_string()
        } else {
            let mut r = String::from("/");
            r.push_str(resource);
            r
        };
        Ok(WsUrl {
            secure,
            host: host.to_string(),
            ipv6,
            port,
            resource,
        })
    }
}

/// Splits `host[:port]` or `[v6]:port`: (host, whether IPv6, port).
fn parse_authority(authority: &str) -> Result<(&str, bool, Option<u16>), Misuse> {
    let (host, ipv6, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or(Misuse::InvalidUrl)?;
        if host.parse::<core::net::Ipv6Addr>().is_err() {
            return Err(Misuse::InvalidUrl);
        }
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(Misuse::InvalidUrl)?),
        };
        (host, true, port)
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        let valid = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
        if !valid {
            return Err(Misuse::InvalidUrl);
        }
        (host, false, port)
    };
    let port = match port {
        None | Some("") => None,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => match p.parse::<u16>() {
            Ok(0) | Err(_) => return Err(Misuse::InvalidUrl),
            Ok(n) => Some(n),
        },
        Some(_) => return Err(Misuse::InvalidUrl),
    };
    Ok((host, ipv6, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_forms() {
        assert_eq!(parse_authority("a.b"), Ok(("a.b", false, None)));
        assert_eq!(parse_authority("a:8080"), Ok(("a", false, Some(8080))));
        assert_eq!(parse_authority("a:"), Ok(("a", false, None)));
        assert_eq!(parse_authority("[::1]:9"), Ok(("::1", true, Some(9))));
        assert_eq!(parse_authority("[::1]"), Ok(("::1", true, None)));
        for bad in [
            "", ":80", "a:0", "a:65536", "a:x", "[::1", "[zz]", "[::1]x", "u@h", "a b",
        ] {
            assert_eq!(parse_authority(bad), Err(Misuse::InvalidUrl), "{bad}");
        }
    }

    #[test]
    fn a_url_without_a_path_asks_for_the_root_on_the_scheme_s_port() {
        let url = WsUrl::parse("WSS://[::1]?q").unwrap();
        assert_eq!((url.secure, url.ipv6, url.port), (true, true, 443));
        assert_eq!((url.host.as_str(), url.resource.as_str()), ("::1", "/?q"));
    }
}
