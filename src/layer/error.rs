//! The layers' error, flat: one variant per fault, never an error inside
//! an error of this crate.

use alloc::boxed::Box;
use core::fmt;

use super::excerpt::Excerpt;
use crate::error::{ConnectionError, Refused, SendError};
use crate::handshake::{HandshakeError, Rejection};

/// Why a layer call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The transport failed (connect, read, write; TLS too).
    Io(std::io::Error),
    /// The connection ended without a clean close: the peer broke the
    /// protocol (its close code was sent, see
    /// [`ConnectionError::close_code`]), the transport ended before the
    /// close handshake, or a keepalive or close timeout ran out.
    Connection(ConnectionError),
    /// A send, ping or close the connection refused (it is not open, or a
    /// frame could never be sent); nothing was queued.
    Refused(Refused),
    /// The opening handshake failed: a malformed request (a server reads
    /// it; the client was answered with its status), a response this
    /// client must refuse, or a bad URL or header given to this end.
    Handshake(HandshakeError),
    /// The server answered the upgrade with another status than 101 (a
    /// redirect, 401, 404, ...): its status, reason, headers and body (see
    /// [`Rejection`]). The Display shows the start of the body, made safe
    /// to print, and what the status suggests to check.
    Rejected(Box<Rejection>),
    /// The opening handshake did not finish within the open timeout.
    OpenTimeout,
    /// A write to the transport took nothing for the write timeout (a peer
    /// that does not read): the connection was closed.
    WriteTimeout,
    /// The forward proxy refused to open a tunnel to the server (407 asks
    /// for credentials, 403 or 502 refuse the target): its status, reason,
    /// headers (`Proxy-Authenticate`) and body, as for
    /// [`Rejected`](Self::Rejected).
    ProxyRefused(Box<Rejection>),
    /// The TLS handshake or session failed: an untrusted certificate
    /// ([`rustls::CertificateError::UnknownIssuer`]), one for another name
    /// ([`NotValidForName`](rustls::CertificateError::NotValidForName)), an
    /// alert from the peer, ...
    #[cfg(feature = "rustls")]
    Tls(rustls::Error),
    /// No TLS configuration could be made on this end (before any byte
    /// was sent): a crypto provider or a root source missing from the
    /// build, or `SSL_CERT_FILE`/`SSL_CERT_DIR` naming nothing usable.
    #[cfg(feature = "rustls")]
    TlsConfig(crate::tls::ConfigError),
}

impl Error {
    /// The rejection, if the server refused the upgrade.
    #[must_use]
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Error::Rejected(rejection) => Some(rejection),
            _ => None,
        }
    }

    /// The proxy's refusal, if the proxy refused the tunnel.
    #[must_use]
    pub fn proxy_refusal(&self) -> Option<&Rejection> {
        match self {
            Error::ProxyRefused(rejection) => Some(rejection),
            _ => None,
        }
    }
}

/// What a refusal's status (and headers) say to check, where they say
/// more than its body: the server's refusal of the upgrade.
fn upgrade_hint(f: &mut fmt::Formatter<'_>, r: &Rejection) -> fmt::Result {
    const DROPPED: &str = "a reverse proxy in between must forward the Upgrade and Connection \
                           headers over HTTP/1.1";
    match r.status() {
        200..=299 => write!(
            f,
            " (a plain HTTP answer, not an upgrade: check the URL's path; {DROPPED})"
        ),
        300..=399 => match r.header("location") {
            Some(to) => write!(f, " (it redirects to {}: connect to that URL)", Excerpt(to)),
            None => f.write_str(" (a redirect without a Location: fix the server)"),
        },
        401 => f.write_str(
            " (it wants credentials: give them with ClientOptions::header, \
             as its WWW-Authenticate asks)",
        ),
        403 => f.write_str(" (it refuses this client: check the credentials and the Origin)"),
        404 => f.write_str(" (no WebSocket at this path: check the URL's path)"),
        426 => match r.header("sec-websocket-version") {
            Some(asked) if !asked.split(|&b| b == b',').any(|v| v.trim_ascii() == b"13") => {
                write!(
                    f,
                    " (it asks for Sec-WebSocket-Version {}; this client speaks 13, RFC 6455: \
                     use an endpoint that does)",
                    Excerpt(asked)
                )
            }
            _ => write!(f, " (the server saw no upgrade: {DROPPED})"),
        },
        505 => f.write_str(
            " (the server does not take this HTTP version: an upgrade needs HTTP/1.1 \
             all the way, check any proxy in between)",
        ),
        _ => Ok(()),
    }
}

/// The same for a proxy's refusal of a tunnel.
fn tunnel_hint(f: &mut fmt::Formatter<'_>, r: &Rejection) -> fmt::Result {
    match r.status() {
        // 407 asks for credentials; some proxies (tinyproxy) answer wrong
        // ones with 401.
        401 | 407 => f.write_str(
            " (it wants credentials: give them in the proxy URL, \
             http://user:password@host:port)",
        ),
        403 => f.write_str(
            " (its policy refuses this host or port: ask its operator, or list the \
             host in NO_PROXY)",
        ),
        502 | 504 => f.write_str(" (it could not reach the server: check the URL's host and port)"),
        _ => Ok(()),
    }
}

/// `status reason`, and what the body says (a sanitised excerpt).
fn status_and_body(f: &mut fmt::Formatter<'_>, r: &Rejection) -> fmt::Result {
    write!(f, "{} {}", r.status(), Excerpt(r.reason().as_bytes()))?;
    if r.body().trim_ascii().is_empty() {
        Ok(())
    } else {
        write!(f, ", saying \"{}\"", Excerpt(r.body()))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "transport error: {e}"),
            Error::Connection(e) => write!(f, "{e}"),
            Error::Refused(e) => write!(f, "{e}"),
            Error::Handshake(e) => write!(f, "{e}"),
            Error::Rejected(r) => {
                f.write_str("the server refused the upgrade: ")?;
                status_and_body(f, r)?;
                upgrade_hint(f, r)
            }
            Error::OpenTimeout => {
                f.write_str("the opening handshake did not finish within the open timeout")
            }
            Error::WriteTimeout => f.write_str(
                "the peer took no data within the write timeout; the connection was closed",
            ),
            Error::ProxyRefused(r) => {
                f.write_str("the proxy refused the tunnel: ")?;
                status_and_body(f, r)?;
                tunnel_hint(f, r)
            }
            #[cfg(feature = "rustls")]
            Error::TlsConfig(e) => write!(f, "{e}"),
            #[cfg(feature = "rustls")]
            Error::Tls(e) => {
                write!(f, "TLS failed: {e}")?;
                match e {
                    // BadSignature: issued under a trusted CA's name, but
                    // not by that CA (a new CA with an old one's name).
                    rustls::Error::InvalidCertificate(
                        rustls::CertificateError::UnknownIssuer
                        | rustls::CertificateError::BadSignature,
                    ) => f.write_str(
                        " (the certificate's issuer is not trusted: add its CA to \
                             SSL_CERT_FILE, or pass a rustls::ClientConfig that trusts it)",
                    ),
                    rustls::Error::InvalidCertificate(
                        rustls::CertificateError::NotValidForName
                        | rustls::CertificateError::NotValidForNameContext { .. },
                    ) => f.write_str(" (the certificate is for another host name)"),
                    _ => Ok(()),
                }
            }
        }
    }
}

/// Every Display here includes the inner error's text, so `source` skips
/// the inner error (`anyhow`'s "Caused by" would repeat it) and goes on to
/// the inner error's own source.
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => std::error::Error::source(e),
            Error::Connection(e) => std::error::Error::source(e),
            Error::Refused(e) => std::error::Error::source(e),
            Error::Handshake(e) => std::error::Error::source(e),
            #[cfg(feature = "rustls")]
            Error::Tls(e) => std::error::Error::source(e),
            #[cfg(feature = "rustls")]
            Error::TlsConfig(e) => std::error::Error::source(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    /// A TLS stream reports rustls' errors as I/O errors: those become
    /// `Error::Tls`, and a TLS configuration the layer could not make,
    /// `Error::TlsConfig`.
    fn from(e: std::io::Error) -> Self {
        #[cfg(feature = "rustls")]
        if let Some(tls) = crate::tls::rustls_error(&e) {
            return Error::Tls(tls.clone());
        }
        #[cfg(feature = "rustls")]
        if let Some(config) = e.get_ref().and_then(|inner| inner.downcast_ref()) {
            return Error::TlsConfig(crate::tls::ConfigError::clone(config));
        }
        Error::Io(e)
    }
}

impl From<ConnectionError> for Error {
    fn from(e: ConnectionError) -> Self {
        Error::Connection(e)
    }
}

impl From<Refused> for Error {
    fn from(e: Refused) -> Self {
        Error::Refused(e)
    }
}

impl From<SendError> for Error {
    fn from(e: SendError) -> Self {
        Error::Refused(e.refused())
    }
}

impl From<HandshakeError> for Error {
    fn from(e: HandshakeError) -> Self {
        Error::Handshake(e)
    }
}

impl From<crate::handshake::RequestError> for Error {
    fn from(e: crate::handshake::RequestError) -> Self {
        HandshakeError::from(e).into()
    }
}

impl From<crate::handshake::ResponseError> for Error {
    fn from(e: crate::handshake::ResponseError) -> Self {
        HandshakeError::from(e).into()
    }
}

impl From<crate::handshake::Misuse> for Error {
    fn from(e: crate::handshake::Misuse) -> Self {
        HandshakeError::from(e).into()
    }
}
