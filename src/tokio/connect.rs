//! The client side: connect to a `ws://` or `wss://` URL (through a
//! proxy if need be), or run the opening handshake on a transport of your
//! own. The way there is [`crate::layer`]'s connect plan; this file only
//! carries out its actions with tokio's I/O.

use std::future::{Future, ready};
use std::io;
use std::string::String;
use std::time::Duration;
use std::vec;

use ::tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use ::tokio::net::TcpStream;
use ::tokio::time::Instant;

use super::stream::WebSocketStream;
use super::transport::ClientStream;
use crate::layer::{
    self, ClientOptions, ConnectAction, ConnectPlan, HANDSHAKE_READ, Input, ServerResponse,
};

/// The feature this layer's `wss://` needs, when the build lacks it.
const WSS_NEEDS: Option<&str> = if cfg!(feature = "tokio-rustls") {
    None
} else {
    Some("tokio-rustls")
};

/// Connects to `url` (`ws://` or `wss://`) with `Config::default()`
/// (timers on), a 10 s open timeout
/// and the proxy from the environment, if it names one: [`connect_with`]
/// with [`ClientOptions::new`].
pub async fn connect(
    url: &str,
) -> Result<(WebSocketStream<ClientStream>, ServerResponse), layer::Error> {
    connect_with(ClientOptions::new(url)).await
}

/// Connects as `options` say and runs the opening handshake, all within
/// the open timeout (running out is [`layer::Error::OpenTimeout`]): TCP to
/// the server, or to the proxy, which is asked for a tunnel with `CONNECT`
/// ([`ClientOptions::proxy`]); then, for `wss://`, TLS (feature
/// `tokio-rustls`; without it `wss://` fails at once with an `Unsupported`
/// I/O error that names the feature); then the
/// upgrade. `TCP_NODELAY` is set.
///
/// A proxy that refuses is [`layer::Error::ProxyRefused`]; a server that
/// refuses the upgrade is [`layer::Error::Rejected`], with its status and
/// headers; a TLS failure (an untrusted or wrong certificate) is
/// `layer::Error::Tls`.
pub async fn connect_with(
    options: ClientOptions,
) -> Result<(WebSocketStream<ClientStream>, ServerResponse), layer::Error> {
    let plan = ConnectPlan::new(&options, WSS_NEEDS)?;
    run(plan, None, &options, |dial, stream| {
        dial_client(dial, stream, &options)
    })
    .await
}

/// Runs the client's opening handshake on `stream`, a transport already
/// connected to the server of `options`' URL (a TLS stream, a proxy
/// tunnel, a `DuplexStream` in tests); the open timeout bounds it.
pub async fn connect_on<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    options: ClientOptions,
) -> Result<(WebSocketStream<S>, ServerResponse), layer::Error> {
    let plan = ConnectPlan::on_transport(&options)?;
    // The plan for a given transport only writes and reads.
    run(plan, Some(stream), &options, |_, _| {
        ready(Err(io::ErrorKind::Unsupported.into()))
    })
    .await
}

/// A transport to make: TCP, or TLS over the TCP made.
enum Dial {
    Tcp { host: String, port: u16 },
    Tls { host: String },
}

/// Carries out `plan`'s actions on `stream`, which `dial` makes if the
/// plan says so. Each action gets what is left of the open timeout.
async fn run<S, F>(
    mut plan: ConnectPlan,
    mut stream: Option<S>,
    options: &ClientOptions,
    mut dial: impl FnMut(Dial, Option<S>) -> F,
) -> Result<(WebSocketStream<S>, ServerResponse), layer::Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: Future<Output = io::Result<S>>,
{
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
                within(left, dial(Dial::Tcp { host, port }, stream.take()))
                    .await
                    .map(|made| stream = Some(made))
            }
            ConnectAction::StartTls { host } => {
                within(left, dial(Dial::Tls { host }, stream.take()))
                    .await
                    .map(|made| stream = Some(made))
            }
            ConnectAction::Write(bytes) => match stream.as_mut() {
                Some(io) => within(left, write(io, &bytes)).await,
                None => Err(not_made()),
            },
            ConnectAction::Read => match stream.as_mut() {
                Some(io) => within(left, io.read(&mut buf))
                    .await
                    .map(|n| input = Input::Read(&buf[..n])),
                None => Err(not_made()),
            },
            ConnectAction::Open(conn, response) => {
                let io = stream.take().ok_or_else(not_made)?;
                let ws = WebSocketStream::from_connection(io, *conn)
                    .with_write_limit(options.write_limit)
                    .with_write_timeout(options.write_timeout);
                return Ok((ws, response));
            }
        };
        if let Err(e) = done {
            return Err(plan.fail(e));
        }
    }
}

/// Makes a client's transport: TCP (with `TCP_NODELAY`), or TLS over it.
#[cfg_attr(
    not(feature = "tokio-rustls"),
    allow(unused_variables, reason = "TLS options")
)]
async fn dial_client(
    dial: Dial,
    stream: Option<ClientStream>,
    options: &ClientOptions,
) -> io::Result<ClientStream> {
    match (dial, stream) {
        (Dial::Tcp { host, port }, _) => {
            let tcp = TcpStream::connect((host.as_str(), port)).await?;
            tcp.set_nodelay(true)?;
            Ok(ClientStream::Plain(tcp))
        }
        #[cfg(feature = "tokio-rustls")]
        (Dial::Tls { host }, Some(ClientStream::Plain(tcp))) => {
            let name = crate::tls::server_name(&host)?;
            let connector = tokio_rustls::TlsConnector::from(options.tls_config_or_default()?);
            let tls = connector.connect(name, tcp).await?;
            Ok(ClientStream::Tls(std::boxed::Box::new(tls)))
        }
        #[cfg(not(feature = "tokio-rustls"))]
        (Dial::Tls { host }, _) => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            std::format!("TLS to {host} needs the tokio-rustls feature of rfc6455"),
        )),
        #[cfg(feature = "tokio-rustls")]
        (Dial::Tls { .. }, _) => Err(not_made()),
    }
}

/// Writes and flushes all of `bytes`.
pub(super) async fn write<S: AsyncWrite + Unpin>(io: &mut S, bytes: &[u8]) -> io::Result<()> {
    io.write_all(bytes).await?;
    io.flush().await
}

/// Runs `future` within `left`, if there is a limit; running out is a
/// `TimedOut` I/O error, which the plans report as the open timeout.
pub(super) async fn within<T>(
    left: Option<Duration>,
    future: impl Future<Output = io::Result<T>>,
) -> io::Result<T> {
    match left {
        Some(left) => ::tokio::time::timeout(left, future)
            .await
            .unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into())),
        None => future.await,
    }
}

/// A plan that used a transport before making it: a bug in the plan.
fn not_made() -> io::Error {
    io::Error::other("the connect plan used a transport before making it")
}
