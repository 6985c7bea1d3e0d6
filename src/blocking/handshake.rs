//! Opening a blocking WebSocket: connecting as a client, accepting as a
//! server. The handshake itself is the core's ([`crate::layer`]'s steps).

#[cfg(feature = "rustls")]
use alloc::boxed::Box;
use alloc::vec;
use core::time::Duration;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Instant;

use super::stream::ClientStream;
#[cfg(feature = "rustls")]
use super::stream::TlsStream;
use super::websocket::{Transport, WebSocket};
use crate::handshake::{ClientRequest, HandshakeError, Request};
use crate::layer::{
    self, AcceptStep, Accepting, Answer, ClientOptions, Connecting, Error, HttpRequest, Proxy,
    ServerOptions, ServerResponse, Then, Tunneling, Upgrade,
};

/// Bytes read at a time during the handshake.
const HANDSHAKE_READ: usize = 4096;

/// Connects to a `ws://` or `wss://` URL with [`ClientOptions::new`]'s
/// defaults (the proxy from the environment, if it names one).
pub fn connect(url: &str) -> Result<(WebSocket<ClientStream>, ServerResponse), Error> {
    connect_with(ClientOptions::new(url))
}

/// Connects as `options` say and runs the opening handshake, all within
/// the open timeout: TCP to the server, or to the proxy, which is asked
/// for a tunnel with `CONNECT` ([`ClientOptions::proxy`]); then, for
/// `wss://`, TLS (feature `rustls`; without it `wss://` fails with an
/// `Unsupported` I/O error); then the upgrade.
///
/// A proxy that refuses is [`Error::ProxyRefused`]; a server that refuses
/// the upgrade is [`Error::Rejected`]; a TLS failure (an untrusted or
/// wrong certificate) is `Error::Tls`.
pub fn connect_with(
    options: ClientOptions,
) -> Result<(WebSocket<ClientStream>, ServerResponse), Error> {
    let started = Instant::now();
    let target = ClientRequest::new(options.url())?;
    layer::check_tls_support(&target)?;
    let proxy = options.proxy_for(&target)?;
    let mut tcp = match &proxy {
        Some(proxy) => connect_tcp(&proxy.host, proxy.port, options.open_timeout, started)
            .map_err(|e| proxy.blame(e))?,
        None => connect_tcp(target.host(), target.port(), options.open_timeout, started)?,
    };
    if let Some(proxy) = &proxy {
        open_tunnel(&mut tcp, proxy, &target, options.open_timeout, started)?;
    }
    let stream = match target.is_secure() {
        #[cfg(feature = "rustls")]
        true => start_tls(tcp, &target, &options, started)?,
        _ => ClientStream::Plain(tcp),
    };
    handshake_client(stream, &options, started)
}

/// TCP to `host:port`, trying each address within what is left of the
/// open timeout, with `TCP_NODELAY`.
fn connect_tcp(
    host: &str,
    port: u16,
    open_timeout: Option<Duration>,
    started: Instant,
) -> Result<TcpStream, Error> {
    let mut last_error = None;
    for addr in (host, port).to_socket_addrs()? {
        let attempt = match remaining(open_timeout, started)? {
            Some(left) => TcpStream::connect_timeout(&addr, left),
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(stream) => {
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => return Err(Error::OpenTimeout),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "host has no address"))
        .into())
}

/// Asks `proxy` for a tunnel to the target.
fn open_tunnel(
    tcp: &mut TcpStream,
    proxy: &Proxy,
    target: &ClientRequest,
    open_timeout: Option<Duration>,
    started: Instant,
) -> Result<(), Error> {
    let (request, mut tunneling) = Tunneling::start(proxy, target)?;
    tcp.write_all(&request).map_err(|e| proxy.blame(e.into()))?;
    let mut buf = [0; 1024];
    loop {
        tcp.set_read_timeout(remaining(open_timeout, started)?)?;
        let n = read_within(tcp, &mut buf).map_err(|e| proxy.blame(e))?;
        if n == 0 {
            return Err(proxy.blame(io::Error::from(io::ErrorKind::UnexpectedEof).into()));
        }
        if tunneling.receive(&buf[..n])? {
            return Ok(());
        }
    }
}

/// Runs the TLS handshake for `wss://` within the open timeout.
#[cfg(feature = "rustls")]
fn start_tls(
    mut tcp: TcpStream,
    target: &ClientRequest,
    options: &ClientOptions,
    started: Instant,
) -> Result<ClientStream, Error> {
    let name = crate::tls::server_name(target.host())?;
    let mut tls = rustls::ClientConnection::new(options.tls_config_or_default()?, name)
        .map_err(Error::Tls)?;
    tls_handshake(&mut tls, &mut tcp, options.open_timeout, started)?;
    Ok(ClientStream::Tls(Box::new(rustls::StreamOwned::new(
        tls, tcp,
    ))))
}

/// Drives a TLS handshake on `io` until it is done, within the open
/// timeout.
#[cfg(feature = "rustls")]
fn tls_handshake<C, D, T>(
    tls: &mut C,
    io: &mut T,
    open_timeout: Option<Duration>,
    started: Instant,
) -> Result<(), Error>
where
    C: core::ops::DerefMut + core::ops::Deref<Target = rustls::ConnectionCommon<D>>,
    D: rustls::SideData,
    T: Transport,
{
    while tls.is_handshaking() {
        let left = remaining(open_timeout, started)?;
        io.set_read_timeout(left)?;
        io.set_write_timeout(left)?;
        match tls.complete_io(io) {
            Ok((0, 0)) if tls.is_handshaking() => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the peer closed the connection during the TLS handshake",
                )
                .into());
            }
            Ok(_) => {}
            Err(e) if is_timeout(&e) => return Err(Error::OpenTimeout),
            Err(e) => return Err(e.into()),
        }
    }
    io.set_write_timeout(None)?;
    Ok(())
}

/// Runs the client's opening handshake on a transport already connected
/// (through a proxy, over TLS, ...), within the open timeout.
pub fn connect_on<S: Transport>(
    stream: S,
    options: ClientOptions,
) -> Result<(WebSocket<S>, ServerResponse), Error> {
    handshake_client(stream, &options, Instant::now())
}

fn handshake_client<S: Transport>(
    mut stream: S,
    options: &ClientOptions,
    started: Instant,
) -> Result<(WebSocket<S>, ServerResponse), Error> {
    stream.set_write_timeout(options.write_timeout)?;
    let (request, mut connecting) = Connecting::start(options)?;
    stream.write_all(&request)?;
    let mut buf = vec![0; HANDSHAKE_READ];
    loop {
        stream.set_read_timeout(remaining(options.open_timeout, started)?)?;
        let n = read_within(&mut stream, &mut buf)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection during the opening handshake",
            )
            .into());
        }
        if let Some((conn, response)) = connecting.receive(&buf[..n])? {
            return Ok((WebSocket::from_connection(stream, conn), response));
        }
    }
}

/// Accepts a WebSocket on `stream` with [`ServerOptions::default`], for any
/// path and with no subprotocol. A request that is not an upgrade is
/// answered with an error response and fails.
pub fn accept<S: Transport>(stream: S) -> Result<WebSocket<S>, Error> {
    match accept_inner(
        stream,
        &ServerOptions::default(),
        &mut |_| Answer::accept(),
        false,
        Instant::now(),
    )? {
        Upgrade::WebSocket(ws) => Ok(ws),
        // Plain requests were answered; rejections are not made here.
        Upgrade::Http(_) | Upgrade::Rejected(_) => Err(HandshakeError::MissingUpgrade.into()),
    }
}

/// Reads the request on `stream` within the open timeout and lets `answer`
/// decide on it: a WebSocket, or a rejection (written, and the transport
/// closed). A plain HTTP request is handed back with its bytes, so that
/// one port can also serve pages.
pub fn accept_with<S: Transport>(
    stream: S,
    options: ServerOptions,
    mut answer: impl FnMut(&Request) -> Answer,
) -> Result<Upgrade<WebSocket<S>, S>, Error> {
    accept_inner(stream, &options, &mut answer, true, Instant::now())
}

/// Accepts a WebSocket over TLS: the TLS handshake with `tls` (see
/// [`tls::server_config`](crate::tls::server_config)), then
/// [`accept_with`]'s, both within the open timeout. Plain HTTP requests
/// (an HTTPS page) come back as [`Upgrade::Http`] on the TLS stream.
#[cfg(feature = "rustls")]
pub fn accept_tls_with<T: Transport>(
    mut stream: T,
    tls: alloc::sync::Arc<rustls::ServerConfig>,
    options: ServerOptions,
    mut answer: impl FnMut(&Request) -> Answer,
) -> Result<Upgrade<WebSocket<TlsStream<T>>, TlsStream<T>>, Error> {
    let started = Instant::now();
    let mut session = rustls::ServerConnection::new(tls).map_err(Error::Tls)?;
    if let Err(e) = tls_handshake(&mut session, &mut stream, options.open_timeout, started) {
        let _ = stream.shutdown();
        return Err(e);
    }
    let stream = rustls::StreamOwned::new(session, stream);
    accept_inner(stream, &options, &mut answer, true, started)
}

fn accept_inner<S: Transport>(
    mut stream: S,
    options: &ServerOptions,
    answer: &mut dyn FnMut(&Request) -> Answer,
    hand_back_plain: bool,
    started: Instant,
) -> Result<Upgrade<WebSocket<S>, S>, Error> {
    stream.set_write_timeout(options.write_timeout)?;
    let mut accepting = Accepting::new(options.config.clone());
    let mut buf = vec![0; HANDSHAKE_READ];
    loop {
        let read = remaining(options.open_timeout, started).and_then(|left| {
            stream.set_read_timeout(left)?;
            read_within(&mut stream, &mut buf)
        });
        let n = match read {
            Ok(n) => n,
            Err(e) => {
                let _ = stream.shutdown();
                return Err(e);
            }
        };
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the client closed the connection during the opening handshake",
            )
            .into());
        }
        match accepting.receive(&buf[..n], answer) {
            AcceptStep::More => {}
            AcceptStep::Plain { bytes, .. } if hand_back_plain => {
                stream.set_read_timeout(None)?;
                return Ok(Upgrade::Http(HttpRequest { stream, bytes }));
            }
            AcceptStep::Plain { error, .. } => {
                let _ = stream.write_all(&error.response().unwrap_or_default());
                let _ = stream.shutdown();
                return Err(error.into());
            }
            AcceptStep::Respond { response, then } => {
                stream.write_all(&response)?;
                return match then {
                    Then::Open(conn) => Ok(Upgrade::WebSocket(WebSocket::from_connection(
                        stream, *conn,
                    ))),
                    Then::Rejected(status) => {
                        let _ = stream.shutdown();
                        Ok(Upgrade::Rejected(status))
                    }
                    Then::Fail(error) => {
                        let _ = stream.shutdown();
                        Err(error)
                    }
                };
            }
        }
    }
}

/// Whether a blocking call ran out of its timeout.
fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// What is left of the open timeout, or `OpenTimeout` if nothing is.
fn remaining(open_timeout: Option<Duration>, started: Instant) -> Result<Option<Duration>, Error> {
    match open_timeout {
        None => Ok(None),
        Some(limit) => {
            let left = limit.saturating_sub(started.elapsed());
            if left.is_zero() {
                Err(Error::OpenTimeout)
            } else {
                Ok(Some(left))
            }
        }
    }
}

/// One read, with the read timeout's expiry reported as `OpenTimeout`.
fn read_within<S: Read>(stream: &mut S, buf: &mut [u8]) -> Result<usize, Error> {
    loop {
        match stream.read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if is_timeout(&e) => return Err(Error::OpenTimeout),
            Err(e) => return Err(e.into()),
        }
    }
}
