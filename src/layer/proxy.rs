//! Which forward proxy a client goes through: one given in its options, or
//! the one the environment names for the URL's scheme (the variables curl
//! and python-websockets read), unless `no_proxy` exempts the host.
//!
//! The CONNECT exchange itself is the core's
//! ([`ConnectRequest`](crate::handshake::ConnectRequest)).

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use std::io;

use super::error::Error;
use crate::handshake::{ClientRequest, ConnectRequest};

/// Where a client's proxy comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum ProxySetting {
    /// From the environment (the default).
    #[default]
    Environment,
    /// No proxy, whatever the environment says.
    Off,
    /// This proxy URL.
    Url(String),
}

/// A forward proxy: where to connect, and the credentials to send.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Proxy {
    pub host: String,
    pub port: u16,
    credentials: Option<(String, String)>,
}

impl core::fmt::Debug for Proxy {
    /// Leaves the credentials out.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Proxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("credentials", &self.credentials.is_some())
            .finish()
    }
}

impl Proxy {
    /// Parses `http://[user[:password]@]host[:port][/]`; a URL without a
    /// scheme counts as `http://` (as curl reads it). The port defaults to
    /// 80; user and password are percent-decoded. A proxy reached over TLS
    /// (`https://`) or SOCKS is refused with `Unsupported`.
    pub fn parse(url: &str) -> io::Result<Proxy> {
        let invalid = |why: &str| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                std::format!("invalid proxy URL {:?}: {why}", redact(url)),
            )
        };
        let rest = match url.split_once("://") {
            None => url,
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    std::format!(
                        "proxy scheme {scheme}:// is not supported (only http:// proxies, \
                         which tunnel ws:// and wss:// with CONNECT)"
                    ),
                ));
            }
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport).ok_or_else(|| invalid("bad host or port"))?;
        let credentials = match userinfo {
            None => None,
            Some(info) => {
                let (user, password) = info.split_once(':').unwrap_or((info, ""));
                let decode = |s| percent_decode(s).ok_or_else(|| invalid("bad percent-encoding"));
                Some((decode(user)?, decode(password)?))
            }
        };
        Ok(Proxy {
            host: host.to_string(),
            port: port.unwrap_or(80),
            credentials,
        })
    }

    /// `error`, saying that it came from this proxy if it is an I/O error.
    pub fn blame(&self, error: Error) -> Error {
        match error {
            Error::Io(e) => Error::Io(io::Error::new(
                e.kind(),
                std::format!("proxy {}:{}: {e}", self.host, self.port),
            )),
            other => other,
        }
    }

    /// The CONNECT request for the WebSocket URL's host and port.
    pub fn connect_request(&self, target: &ClientRequest) -> ConnectRequest {
        let request = ConnectRequest::new(target.host(), target.port());
        match &self.credentials {
            Some((user, password)) => request.basic_auth(user, password),
            None => request,
        }
    }
}

/// The proxy a client with `setting` uses for `target`, if any.
pub(crate) fn choose(setting: &ProxySetting, target: &ClientRequest) -> io::Result<Option<Proxy>> {
    match setting {
        ProxySetting::Off => Ok(None),
        ProxySetting::Url(url) => Proxy::parse(url).map(Some),
        ProxySetting::Environment => from_environment(target, |name| std::env::var(name).ok())
            .map(|url| Proxy::parse(&url))
            .transpose(),
    }
}

/// The proxy URL the environment (read through `var`) names for `target`.
///
/// `wss://` reads `wss_proxy`, then `https_proxy`; `ws://` reads
/// `ws_proxy`, then `http_proxy`; both then read `all_proxy`. Each
/// variable in lower case first, then upper case, except `HTTP_PROXY`,
/// which is never read (a CGI server sets it from a request's `Proxy:`
/// header, as curl warns). Empty values count as unset. `no_proxy` (or
/// `NO_PROXY`) then exempts hosts: see [`exempt`].
pub(crate) fn from_environment(
    target: &ClientRequest,
    var: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    let names: &[&str] = if target.is_secure() {
        &["wss_proxy", "WSS_PROXY", "https_proxy", "HTTPS_PROXY"]
    } else {
        &["ws_proxy", "WS_PROXY", "http_proxy"]
    };
    let read = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    let url = names
        .iter()
        .chain(&["all_proxy", "ALL_PROXY"])
        .find_map(|name| read(name))?;
    let no_proxy = read("no_proxy").or_else(|| read("NO_PROXY"));
    match no_proxy {
        Some(list) if exempt(&list, target.host(), target.port()) => None,
        _ => Some(url),
    }
}

/// Whether the `no_proxy` list exempts `host:port`: a comma-separated list
/// of `*` (everything), host names (which also cover their subdomains, with
/// or without a leading dot), IP addresses, and any of these with `:port`
/// (that port only). Names compare case-insensitively; IPv6 entries may be
/// in brackets. CIDR ranges are not understood (they match nothing).
pub(crate) fn exempt(list: &str, host: &str, port: u16) -> bool {
    let host = host.trim_end_matches('.');
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let Some((name, entry_port)) = split_host_port(entry) else {
                return false;
            };
            if entry_port.is_some_and(|p| p != port) {
                return false;
            }
            let name = name.trim_start_matches('.').trim_end_matches('.');
            if name.is_empty() {
                return false;
            }
            // A subdomain: `.name` ends the host (byte-wise, so that no
            // character boundary matters).
            let (host, name) = (host.as_bytes(), name.as_bytes());
            host.eq_ignore_ascii_case(name)
                || (host.len() > name.len()
                    && host[host.len() - name.len() - 1] == b'.'
                    && host[host.len() - name.len()..].eq_ignore_ascii_case(name))
        })
}

/// Splits `host[:port]` or `[v6][:port]` (a bare IPv6 address has no
/// port); `None` if the host is empty or the port is not a number from 1.
fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else if s.matches(':').count() > 1 {
        (s, None)
    } else {
        match s.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (s, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    match port {
        None => Some((host, None)),
        Some(p) => p.parse().ok().filter(|&p| p != 0).map(|p| (host, Some(p))),
    }
}

/// Decodes `%XX` escapes; `None` if one is malformed or the result is not
/// UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next()?, bytes.next()?];
            let hex = core::str::from_utf8(&hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}

/// `url` with its user info replaced, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            std::format!("{}://***{}", &url[..scheme_end], &url[at..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::format;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        move |name| map.get(name).map(|v| v.to_string())
    }

    fn target(url: &str) -> ClientRequest {
        ClientRequest::new(url).unwrap()
    }

    #[test]
    fn wss_prefers_wss_proxy_then_https_proxy_then_all_proxy() {
        let wss = target("wss://example.com/");
        let all = [
            ("wss_proxy", "http://w:1"),
            ("https_proxy", "http://s:1"),
            ("all_proxy", "http://a:1"),
        ];
        assert_eq!(from_environment(&wss, env(&all)).unwrap(), "http://w:1");
        assert_eq!(
            from_environment(&wss, env(&all[1..])).unwrap(),
            "http://s:1"
        );
        assert_eq!(
            from_environment(&wss, env(&all[2..])).unwrap(),
            "http://a:1"
        );
        let upper = [("HTTPS_PROXY", "http://S:1"), ("ALL_PROXY", "http://A:1")];
        assert_eq!(from_environment(&wss, env(&upper)).unwrap(), "http://S:1");
        assert_eq!(from_environment(&wss, env(&[("http_proxy", "x")])), None);
    }

    #[test]
    fn ws_reads_ws_proxy_then_http_proxy_but_never_upper_case_http_proxy() {
        let ws = target("ws://example.com/");
        let vars = [("ws_proxy", "http://w:1"), ("http_proxy", "http://h:1")];
        assert_eq!(from_environment(&ws, env(&vars)).unwrap(), "http://w:1");
        assert_eq!(
            from_environment(&ws, env(&vars[1..])).unwrap(),
            "http://h:1"
        );
        assert_eq!(
            from_environment(&ws, env(&[("HTTP_PROXY", "http://H:1")])),
            None
        );
        assert_eq!(from_environment(&ws, env(&[("https_proxy", "x")])), None);
        assert_eq!(from_environment(&ws, env(&[("ws_proxy", " ")])), None);
    }

    #[test]
    fn no_proxy_exempts_hosts_domains_ports_and_everything() {
        let ws = target("ws://api.example.com:8080/");
        for list in [
            "*",
            "api.example.com",
            "example.com",
            ".example.com",
            "other, EXAMPLE.com",
            "api.example.com:8080",
        ] {
            let vars = [("ws_proxy", "http://p:1"), ("no_proxy", list)];
            assert_eq!(from_environment(&ws, env(&vars)), None, "{list}");
        }
        for list in ["ample.com", "api.example.com:9090", "", "com.example"] {
            let vars = [("ws_proxy", "http://p:1"), ("NO_PROXY", list)];
            assert!(from_environment(&ws, env(&vars)).is_some(), "{list}");
        }
        assert!(exempt("127.0.0.1", "127.0.0.1", 80));
        assert!(!exempt("127.0.0.1", "127.0.0.10", 80));
        assert!(exempt("[::1]:9000, ::2", "::1", 9000));
        assert!(exempt("::2", "::2", 1));
        // Names that are not ASCII compare byte-wise, without a panic.
        assert!(!exempt("é.com", "xé.com", 80));
        assert!(exempt("é.com", "x.é.com", 80));
    }

    #[test]
    fn proxy_urls_give_host_port_and_decoded_credentials() {
        let p = Proxy::parse("http://us%40er:p%3Ass@proxy.local:3128/").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("proxy.local", 3128));
        assert_eq!(
            p.credentials,
            Some(("us@er".to_string(), "p:ss".to_string()))
        );
        let p = Proxy::parse("proxy.local").unwrap();
        assert_eq!(
            (p.host.as_str(), p.port, p.credentials),
            ("proxy.local", 80, None)
        );
        let p = Proxy::parse("HTTP://[::1]:8888").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("::1", 8888));
        let with_secret = Proxy::parse("http://u:secret@h:1").unwrap();
        assert!(!format!("{with_secret:?}").contains("secret"));
    }

    #[test]
    fn unsupported_and_malformed_proxy_urls_are_clear_errors() {
        let e = Proxy::parse("socks5://p:1080").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::Unsupported);
        assert!(e.to_string().contains("socks5://"), "{e}");
        let e = Proxy::parse("https://p:443").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::Unsupported);
        for bad in ["http://:80", "http://p:0", "http://p:x", "http://u:%zz@p:1"] {
            let e = Proxy::parse(bad).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{bad}");
        }
        let e = Proxy::parse("http://user:secret@p:x").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
    }
}
