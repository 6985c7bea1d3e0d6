//! The transports the blocking layer makes itself: a client's TCP stream,
//! in TLS for `wss://` (feature `rustls`), and TLS over any transport for
//! servers.

#[cfg(feature = "rustls")]
use alloc::boxed::Box;
use core::time::Duration;
use std::io::{self, Read, Write};
use std::net::TcpStream;

use super::websocket::Transport;

/// What a blocking client connects over: TCP, or TLS over TCP for
/// `wss://` (feature `rustls`). Through a proxy, the TCP stream is the
/// tunnel.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientStream {
    /// `ws://`.
    Plain(TcpStream),
    /// `wss://`: TLS, client side (boxed: the session state is large).
    #[cfg(feature = "rustls")]
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl ClientStream {
    /// The TCP stream underneath.
    #[must_use]
    pub fn tcp(&self) -> &TcpStream {
        match self {
            ClientStream::Plain(tcp) => tcp,
            #[cfg(feature = "rustls")]
            ClientStream::Tls(tls) => tls.get_ref(),
        }
    }

    /// The transport as `Read + Write`, whichever it is.
    fn io(&mut self) -> &mut dyn Transport {
        match self {
            ClientStream::Plain(tcp) => tcp,
            #[cfg(feature = "rustls")]
            ClientStream::Tls(tls) => &mut **tls,
        }
    }
}

impl Read for ClientStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.io().read(buf)
    }
}

impl Write for ClientStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.io().write(buf)
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.io().write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.io().flush()
    }
}

impl Transport for ClientStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.io().set_read_timeout(timeout)
    }

    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.io().set_write_timeout(timeout)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        self.io().shutdown()
    }
}

/// A TLS stream over a transport: timeouts go to the transport; shutting
/// down sends TLS's `close_notify` first.
#[cfg(feature = "rustls")]
impl<C, D, T> Transport for rustls::StreamOwned<C, T>
where
    C: core::ops::DerefMut + core::ops::Deref<Target = rustls::ConnectionCommon<D>>,
    D: rustls::SideData,
    T: Transport,
{
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.sock.set_read_timeout(timeout)
    }

    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.sock.set_write_timeout(timeout)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        // Mid-handshake (a handshake that failed) there is no session to
        // close, and `complete_io` would wait for the peer's next flight.
        if !self.conn.is_handshaking() {
            self.conn.send_close_notify();
            // Best effort: the peer may already be gone.
            let _ = self.conn.complete_io(&mut self.sock);
        }
        self.sock.shutdown()
    }
}

/// A server's TLS stream over `T` (a [`TcpStream`] by default), from
/// [`accept_tls_with`](super::accept_tls_with).
#[cfg(feature = "rustls")]
pub type TlsStream<T = TcpStream> = rustls::StreamOwned<rustls::ServerConnection, T>;
