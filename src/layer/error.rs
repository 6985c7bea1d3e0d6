//! The layers' error: the transport's, the protocol's, or the peer's
//! answer.

use alloc::boxed::Box;
use core::fmt;

use crate::handshake::{HandshakeError, Rejection};

/// Why a layer call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The transport failed (connect, read, write; TLS too).
    Io(std::io::Error),
    /// The WebSocket protocol: a violation by the peer (with the close
    /// code that was sent, see [`crate::Error::close_code`]), a failed
    /// handshake, a keepalive or close timeout, or a call the state refuses.
    Protocol(crate::Error),
    /// The server answered the upgrade with another status than 101 (a
    /// redirect, 401, 404, ...): its status, reason, headers and the start
    /// of its body.
    Rejected(Box<Rejection>),
    /// The opening handshake did not finish within the open timeout.
    OpenTimeout,
    /// A write to the transport took nothing for the write timeout (a peer
    /// that does not read): the connection was closed.
    WriteTimeout,
    /// The forward proxy refused to open a tunnel to the server (407 asks
    /// for credentials, 403 or 502 refuse the target): its status, reason,
    /// headers (`Proxy-Authenticate`) and the start of its body.
    ProxyRefused(Box<Rejection>),
    /// The TLS handshake or session failed: an untrusted certificate
    /// ([`rustls::CertificateError::UnknownIssuer`]), one for another name
    /// ([`NotValidForName`](rustls::CertificateError::NotValidForName)), an
    /// alert from the peer, ...
    #[cfg(feature = "rustls")]
    Tls(rustls::Error),
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
}

/// What to check when a server answered an upgrade with `status`, if the
/// status suggests that something in between did not pass the upgrade on.
fn upgrade_hint(status: u16) -> Option<&'static str> {
    match status {
        200..=299 | 400 | 426 | 505 => Some(
            "the server, or a proxy in between, did not take the upgrade: a reverse proxy \
             must forward the Upgrade and Connection headers over HTTP/1.1",
        ),
        _ => None,
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "transport error: {e}"),
            Error::Protocol(e) => write!(f, "{e}"),
            Error::Rejected(r) => {
                write!(
                    f,
                    "server refused the upgrade: {} {}",
                    r.status(),
                    r.reason()
                )?;
                match upgrade_hint(r.status()) {
                    Some(hint) => write!(f, " ({hint})"),
                    None => Ok(()),
                }
            }
            Error::OpenTimeout => {
                f.write_str("the opening handshake did not finish within the open timeout")
            }
            Error::WriteTimeout => f.write_str(
                "the peer took no data within the write timeout; the connection was closed",
            ),
            Error::ProxyRefused(r) => {
                write!(
                    f,
                    "the proxy refused the tunnel: {} {}",
                    r.status(),
                    r.reason()
                )?;
                // 407 asks for credentials; some proxies (tinyproxy)
                // answer wrong ones with 401.
                if matches!(r.status(), 401 | 407) {
                    f.write_str(
                        " (it wants credentials: give them in the proxy URL, \
                         http://user:password@host:port)",
                    )?;
                }
                Ok(())
            }
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

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Protocol(e) => Some(e),
            #[cfg(feature = "rustls")]
            Error::Tls(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    /// A TLS stream reports rustls' errors as I/O errors: those become
    /// [`Error::Tls`].
    fn from(e: std::io::Error) -> Self {
        #[cfg(feature = "rustls")]
        if let Some(tls) = crate::tls::rustls_error(&e) {
            return Error::Tls(tls.clone());
        }
        Error::Io(e)
    }
}

impl From<crate::Error> for Error {
    fn from(e: crate::Error) -> Self {
        Error::Protocol(e)
    }
}

impl From<crate::SendError> for Error {
    fn from(e: crate::SendError) -> Self {
        Error::Protocol(e.error())
    }
}

impl From<HandshakeError> for Error {
    fn from(e: HandshakeError) -> Self {
        Error::Protocol(crate::Error::Handshake(e))
    }
}
