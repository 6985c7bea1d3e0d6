//! Opening a blocking WebSocket: connecting as a client, accepting as a
//! server. The way there is [`crate::layer`]'s connect and accept plans;
//! this file only carries out their actions with `std::io`.

#[cfg(feature = "rustls")]
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec;
use core::time::Duration;
use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Instant;

use super::stream::ClientStream;
#[cfg(feature = "rustls")]
use super::stream::TlsStream;
use super::websocket::{Transport, WebSocket};
use crate::handshake::Request;
use crate::layer::{
    AcceptAction, AcceptPlan, Answer, ClientOptions, ConnectAction, ConnectPlan, Ending, Error,
    HANDSHAKE_READ, HttpRequest, Input, PlainRequests, ServerOptions, ServerResponse, Upgrade,
};

/// The feature this layer's `wss://` needs, when the build lacks it.
const WSS_NEEDS: Option<&str> = if cfg!(feature = "rustls") {
    None
} else {
    Some("rustls")
};

/// Connects to a `ws://` or `wss://` URL with [`ClientOptions::new`]'s
/// defaults (the proxy from the environment, if it names one).
pub fn connect(url: &str) -> Result<(WebSocket<ClientStream>, ServerResponse), Error> {
    connect_with(ClientOptions::new(url))
}

/// Connects as `options` say and runs the opening handshake, all within
/// the open timeout: TCP to the server, or to the proxy, which is asked
/// for a tunnel with `CONNECT` ([`ClientOptions::proxy`]); then, for
/// `wss://`, TLS (feature `rustls`; without it `wss://` fails at once with
/// an `Unsupported` I/O error that names the feature); then the upgrade.
///
/// A proxy that refuses is [`Error::ProxyRefused`]; a server that refuses
/// the upgrade is [`Error::Rejected`]; a TLS failure (an untrusted or
/// wrong certificate) is `Error::Tls`.
pub fn connect_with(
    options: ClientOptions,
) -> Result<(WebSocket<ClientStream>, ServerResponse), Error> {
    let plan = ConnectPlan::new(&options, WSS_NEEDS)?;
    run_connect(plan, None, &options, &mut |dial, stream, left| {
        *stream = Some(match dial {
            Dial::Tcp { host, port } => ClientStream::Plain(connect_tcp(&host, port, left)?),
            #[cfg(feature = "rustls")]
            Dial::Tls { host } => start_tls(stream.take(), &host, &options, left)?,
            #[cfg(not(feature = "rustls"))]
            Dial::Tls { host } => return Err(tls_unsupported(&host)),
        });
        Ok(())
    })
}

/// Runs the client's opening handshake on a transport already connected
/// (through a proxy, over TLS, ...), within the open timeout.
pub fn connect_on<S: Transport>(
    stream: S,
    options: ClientOptions,
) -> Result<(WebSocket<S>, ServerResponse), Error> {
    let plan = ConnectPlan::on_transport(&options)?;
    // The plan for a given transport only writes and reads.
    run_connect(plan, Some(stream), &options, &mut |_, _, _| {
        Err(io::ErrorKind::Unsupported.into())
    })
}

/// A transport to make: TCP, or TLS over the TCP made.
enum Dial {
    Tcp { host: String, port: u16 },
    Tls { host: String },
}

/// Makes the transport as a [`Dial`] says, within the time left.
type Dialer<'a, S> = dyn FnMut(Dial, &mut Option<S>, Option<Duration>) -> io::Result<()> + 'a;

/// Carries out `plan`'s actions on `stream`, which `dial` makes if the
/// plan says so.
fn run_connect<S: Transport>(
    mut plan: ConnectPlan,
    mut stream: Option<S>,
    options: &ClientOptions,
    dial: &mut Dialer<'_, S>,
) -> Result<(WebSocket<S>, ServerResponse), Error> {
    let started = Instant::now();
    let mut buf = vec![0; HANDSHAKE_READ];
    let mut input = Input::Start;
    loop {
        let action = plan.step(input)?;
        // After the step, which may have changed what the wait is for.
        let left = plan.time_left(started.elapsed())?;
        input = Input::Done;
        let done = match action {
            ConnectAction::ConnectTcp { host, port } => {
                dial(Dial::Tcp { host, port }, &mut stream, left)
            }
            ConnectAction::StartTls { host } => dial(Dial::Tls { host }, &mut stream, left),
            ConnectAction::Write(bytes) => made(&mut stream).and_then(|io| write(io, &bytes, left)),
            ConnectAction::Read => made(&mut stream)
                .and_then(|io| read(io, &mut buf, left))
                .map(|n| input = Input::Read(&buf[..n])),
            ConnectAction::Open(conn, response) => {
                let mut io = stream.take().ok_or_else(not_made)?;
                io.set_read_timeout(None)?;
                io.set_write_timeout(options.write_timeout)?;
                return Ok((WebSocket::from_connection(io, *conn), response));
            }
        };
        if let Err(e) = done {
            return Err(plan.fail(e));
        }
    }
}

/// TCP to `host:port`, trying each address within what is left of the
/// open timeout, with `TCP_NODELAY`.
fn connect_tcp(host: &str, port: u16, left: Option<Duration>) -> io::Result<TcpStream> {
    let started = Instant::now();
    let mut last_error = None;
    for addr in (host, port).to_socket_addrs()? {
        let attempt = match left {
            Some(left) => match left.checked_sub(started.elapsed()) {
                Some(rest) if !rest.is_zero() => TcpStream::connect_timeout(&addr, rest),
                _ => return Err(io::ErrorKind::TimedOut.into()),
            },
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(stream) => {
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "host has no address")))
}

/// TLS over the TCP stream made, for `wss://`.
#[cfg(feature = "rustls")]
fn start_tls(
    tcp: Option<ClientStream>,
    host: &str,
    options: &ClientOptions,
    left: Option<Duration>,
) -> io::Result<ClientStream> {
    let Some(ClientStream::Plain(mut tcp)) = tcp else {
        return Err(not_made());
    };
    let name = crate::tls::server_name(host)?;
    let mut tls = rustls::ClientConnection::new(options.tls_config_or_default()?, name)
        .map_err(io::Error::other)?;
    tls_handshake(&mut tls, &mut tcp, left)?;
    Ok(ClientStream::Tls(Box::new(rustls::StreamOwned::new(
        tls, tcp,
    ))))
}

/// Drives a TLS handshake on `io` until it is done, within `left`.
#[cfg(feature = "rustls")]
fn tls_handshake<C, D, T>(tls: &mut C, io: &mut T, left: Option<Duration>) -> io::Result<()>
where
    C: core::ops::DerefMut + core::ops::Deref<Target = rustls::ConnectionCommon<D>>,
    D: rustls::SideData,
    T: Transport,
{
    let started = Instant::now();
    while tls.is_handshaking() {
        let rest = match left {
            Some(left) => Some(
                left.checked_sub(started.elapsed())
                    .filter(|rest| !rest.is_zero())
                    .ok_or(io::ErrorKind::TimedOut)?,
            ),
            None => None,
        };
        io.set_read_timeout(rest)?;
        io.set_write_timeout(rest)?;
        if let (0, 0) = tls.complete_io(io)?
            && tls.is_handshaking()
        {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    Ok(())
}

/// Accepts a WebSocket on `stream` with [`ServerOptions::default`], for any
/// path and with no subprotocol. A request that is not an upgrade is
/// answered with an error response and fails.
pub fn accept<S: Transport>(stream: S) -> Result<WebSocket<S>, Error> {
    let options = ServerOptions::default();
    let plan = AcceptPlan::new(&options, PlainRequests::Refuse);
    run_accept(
        plan,
        stream,
        &options,
        &mut |_| Answer::accept(),
        &mut no_tls,
    )?
    .into_websocket()
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
    let plan = AcceptPlan::new(&options, PlainRequests::HandBack);
    run_accept(plan, stream, &options, &mut answer, &mut no_tls)
}

/// The TLS step of a plain transport's plan, which has none.
fn no_tls<S>(_: &mut S, _: Option<Duration>) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

/// Accepts a WebSocket over TLS: the TLS handshake with `tls` (see
/// [`tls::server_config`](crate::tls::server_config)), then
/// [`accept_with`]'s, both within the open timeout. Plain HTTP requests
/// (an HTTPS page) come back as [`Upgrade::Http`] on the TLS stream.
#[cfg(feature = "rustls")]
pub fn accept_tls_with<T: Transport>(
    stream: T,
    tls: alloc::sync::Arc<rustls::ServerConfig>,
    options: ServerOptions,
    mut answer: impl FnMut(&Request) -> Answer,
) -> Result<Upgrade<WebSocket<TlsStream<T>>, TlsStream<T>>, Error> {
    let session = rustls::ServerConnection::new(tls).map_err(Error::Tls)?;
    let stream = rustls::StreamOwned::new(session, stream);
    let plan = AcceptPlan::over_tls(&options, PlainRequests::HandBack);
    run_accept(plan, stream, &options, &mut answer, &mut |tls, left| {
        tls_handshake(&mut tls.conn, &mut tls.sock, left)
    })
}

/// Carries out `plan`'s actions on `stream` (`start_tls` runs a TLS
/// stream's handshake); shuts it down on failure.
fn run_accept<S: Transport>(
    mut plan: AcceptPlan,
    mut stream: S,
    options: &ServerOptions,
    answer: &mut dyn FnMut(&Request) -> Answer,
    start_tls: &mut dyn FnMut(&mut S, Option<Duration>) -> io::Result<()>,
) -> Result<Upgrade<WebSocket<S>, S>, Error> {
    let started = Instant::now();
    let mut buf = vec![0; HANDSHAKE_READ];
    let mut input = Input::Start;
    loop {
        let action = plan
            .time_left(started.elapsed())
            .and_then(|left| Ok((left, plan.step(input, answer)?)));
        let (left, action) = match action {
            Ok(next) => next,
            Err(e) => {
                let _ = stream.shutdown();
                return Err(e);
            }
        };
        input = Input::Done;
        let done = match action {
            AcceptAction::StartTls => start_tls(&mut stream, left),
            AcceptAction::Read => {
                read(&mut stream, &mut buf, left).map(|n| input = Input::Read(&buf[..n]))
            }
            AcceptAction::Write(bytes) => write(&mut stream, &bytes, left),
            AcceptAction::Open(conn) => {
                stream.set_read_timeout(None)?;
                stream.set_write_timeout(options.write_timeout)?;
                return Ok(Upgrade::WebSocket(WebSocket::from_connection(
                    stream, *conn,
                )));
            }
            AcceptAction::HandBack(bytes) => {
                stream.set_read_timeout(None)?;
                stream.set_write_timeout(None)?;
                return Ok(Upgrade::Http(HttpRequest { stream, bytes }));
            }
            AcceptAction::Close(ending) => {
                let _ = stream.shutdown();
                return match ending {
                    Ending::Rejected(status) => Ok(Upgrade::Rejected(status)),
                    Ending::Failed(error) => Err(error),
                };
            }
        };
        if let Err(e) = done {
            let _ = stream.shutdown();
            return Err(plan.fail(e));
        }
    }
}

/// TLS asked of a build without it (the plan refuses `wss://` first).
#[cfg(not(feature = "rustls"))]
fn tls_unsupported(host: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        std::format!("TLS to {host} needs the rustls feature of rfc6455"),
    )
}

/// Writes all of `bytes` within `left`.
fn write<S: Transport>(io: &mut S, bytes: &[u8], left: Option<Duration>) -> io::Result<()> {
    io.set_write_timeout(left)?;
    io.write_all(bytes)?;
    io.flush()
}

/// One read within `left`.
fn read<S: Transport>(io: &mut S, buf: &mut [u8], left: Option<Duration>) -> io::Result<usize> {
    io.set_read_timeout(left)?;
    loop {
        match io.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

/// The transport the plan made before it writes or reads.
fn made<S>(stream: &mut Option<S>) -> io::Result<&mut S> {
    stream.as_mut().ok_or_else(not_made)
}

/// A plan that writes before it connects: a bug in the plan.
fn not_made() -> io::Error {
    io::Error::other("the connect plan used a transport before making it")
}
