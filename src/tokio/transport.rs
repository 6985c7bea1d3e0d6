//! The transports the tokio layer makes itself: a client's TCP stream, in
//! TLS for `wss://` (feature `tokio-rustls`), and TLS for servers.

#[cfg(feature = "tokio-rustls")]
use std::boxed::Box;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use ::tokio::net::TcpStream;

/// What a tokio client connects over: TCP, or TLS over TCP for `wss://`
/// (feature `tokio-rustls`). Through a proxy, the TCP stream is the tunnel.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientStream {
    /// `ws://`.
    Plain(TcpStream),
    /// `wss://`: TLS, client side (boxed: the session state is large).
    #[cfg(feature = "tokio-rustls")]
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

/// A server's TLS stream over `S`, from
/// [`accept_tls_with`](super::accept_tls_with).
#[cfg(feature = "tokio-rustls")]
pub type TlsStream<S = TcpStream> = tokio_rustls::server::TlsStream<S>;

impl ClientStream {
    /// The TCP stream underneath.
    #[must_use]
    pub fn tcp(&self) -> &TcpStream {
        match self {
            ClientStream::Plain(tcp) => tcp,
            #[cfg(feature = "tokio-rustls")]
            ClientStream::Tls(tls) => tls.get_ref().0,
        }
    }
}

/// Calls `$method` on whichever stream this is (both are `Unpin`).
macro_rules! delegate {
    ($self:ident, $method:ident($($arg:expr),*)) => {
        match $self.get_mut() {
            ClientStream::Plain(tcp) => Pin::new(tcp).$method($($arg),*),
            #[cfg(feature = "tokio-rustls")]
            ClientStream::Tls(tls) => Pin::new(&mut **tls).$method($($arg),*),
        }
    };
}

impl AsyncRead for ClientStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        delegate!(self, poll_read(cx, buf))
    }
}

impl AsyncWrite for ClientStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        delegate!(self, poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        delegate!(self, poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            ClientStream::Plain(tcp) => tcp.is_write_vectored(),
            #[cfg(feature = "tokio-rustls")]
            ClientStream::Tls(tls) => tls.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate!(self, poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate!(self, poll_shutdown(cx))
    }
}
