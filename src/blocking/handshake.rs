//! Opening a blocking WebSocket: connecting as a client, accepting as a
//! server. The handshake itself is the core's ([`crate::layer`]'s steps).

use alloc::vec;
use std::io::{self, Read};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Instant;

use super::websocket::{Transport, WebSocket};
use crate::handshake::{ClientRequest, HandshakeError, Request};
use crate::layer::{
    AcceptStep, Accepting, Answer, ClientOptions, Connecting, Error, HttpRequest, ServerOptions,
    ServerResponse, Then, Upgrade,
};

/// Bytes read at a time during the handshake.
const HANDSHAKE_READ: usize = 4096;

/// Connects to a `ws://` URL with [`ClientOptions::new`]'s defaults.
pub fn connect(url: &str) -> Result<(WebSocket<TcpStream>, ServerResponse), Error> {
    connect_with(ClientOptions::new(url))
}

/// Connects over TCP as `options` say, and runs the opening handshake,
/// both within the open timeout. `wss://` needs TLS, which this layer does
/// not include yet: it fails with [`HandshakeError::UnsupportedScheme`].
pub fn connect_with(
    options: ClientOptions,
) -> Result<(WebSocket<TcpStream>, ServerResponse), Error> {
    let started = Instant::now();
    let target = ClientRequest::new(options.url())?;
    if target.is_secure() {
        return Err(HandshakeError::UnsupportedScheme.into());
    }
    let mut last_error = None;
    for addr in (target.host(), target.port()).to_socket_addrs()? {
        let attempt = match remaining(options.open_timeout, started)? {
            Some(left) => TcpStream::connect_timeout(&addr, left),
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(stream) => {
                stream.set_nodelay(true)?;
                return handshake_client(stream, &options, started);
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => return Err(Error::OpenTimeout),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "host has no address"))
        .into())
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
    accept_inner(stream, &options, &mut answer, true)
}

fn accept_inner<S: Transport>(
    mut stream: S,
    options: &ServerOptions,
    answer: &mut dyn FnMut(&Request) -> Answer,
    hand_back_plain: bool,
) -> Result<Upgrade<WebSocket<S>, S>, Error> {
    let started = Instant::now();
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

/// What is left of the open timeout, or `OpenTimeout` if nothing is.
fn remaining(
    open_timeout: Option<core::time::Duration>,
    started: Instant,
) -> Result<Option<core::time::Duration>, Error> {
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
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(Error::OpenTimeout);
            }
            Err(e) => return Err(e.into()),
        }
    }
}
