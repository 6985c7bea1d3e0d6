//! The client side: connect to a `ws://` or `wss://` URL (through a
//! proxy if need be), or run the opening handshake on a transport of your
//! own.

use std::future::Future;
use std::io;
use std::vec;

use ::tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use ::tokio::net::TcpStream;

use super::{ClientStream, WebSocketStream};
use crate::handshake::ClientRequest;
use crate::layer::{self, ClientOptions, Connecting, Proxy, ServerResponse, Tunneling};

/// Bytes read at a time during the opening handshake.
const HANDSHAKE_READ: usize = 4096;

/// Connects to `url` (`ws://` or `wss://`) with
/// [`default_config`](crate::layer::default_config), a 10 s open timeout
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
/// ([`ClientOptions::proxy`]); then, for `wss://`, TLS (feature `rustls`;
/// without it `wss://` fails with an `Unsupported` I/O error); then the
/// upgrade. `TCP_NODELAY` is set.
///
/// A proxy that refuses is [`layer::Error::ProxyRefused`]; a server that
/// refuses the upgrade is [`layer::Error::Rejected`], with its status and
/// headers; a TLS failure (an untrusted or wrong certificate) is
/// `layer::Error::Tls`.
pub async fn connect_with(
    options: ClientOptions,
) -> Result<(WebSocketStream<ClientStream>, ServerResponse), layer::Error> {
    let target = ClientRequest::new(options.url())?;
    layer::check_tls_support(&target)?;
    let proxy = options.proxy_for(&target)?;
    within(options.open_timeout, async {
        let tcp = match &proxy {
            Some(proxy) => {
                let mut tcp = connect_tcp(&proxy.host, proxy.port)
                    .await
                    .map_err(|e| proxy.blame(e))?;
                open_tunnel(&mut tcp, proxy, &target).await?;
                tcp
            }
            None => connect_tcp(target.host(), target.port()).await?,
        };
        let stream = match target.is_secure() {
            #[cfg(feature = "rustls")]
            true => start_tls(tcp, &target, &options).await?,
            _ => ClientStream::Plain(tcp),
        };
        handshake(stream, &options).await
    })
    .await
}

async fn connect_tcp(host: &str, port: u16) -> Result<TcpStream, layer::Error> {
    let tcp = TcpStream::connect((host, port)).await?;
    tcp.set_nodelay(true)?;
    Ok(tcp)
}

/// Asks `proxy` for a tunnel to the target.
async fn open_tunnel(
    tcp: &mut TcpStream,
    proxy: &Proxy,
    target: &ClientRequest,
) -> Result<(), layer::Error> {
    let (request, mut tunneling) = Tunneling::start(proxy, target)?;
    tcp.write_all(&request)
        .await
        .map_err(|e| proxy.blame(e.into()))?;
    let mut buf = [0; 1024];
    loop {
        let n = tcp
            .read(&mut buf)
            .await
            .map_err(|e| proxy.blame(e.into()))?;
        if n == 0 {
            return Err(proxy.blame(io::Error::from(io::ErrorKind::UnexpectedEof).into()));
        }
        if tunneling.receive(&buf[..n])? {
            return Ok(());
        }
    }
}

/// The TLS handshake for `wss://`.
#[cfg(feature = "rustls")]
async fn start_tls(
    tcp: TcpStream,
    target: &ClientRequest,
    options: &ClientOptions,
) -> Result<ClientStream, layer::Error> {
    let name = crate::tls::server_name(target.host())?;
    let connector = tokio_rustls::TlsConnector::from(options.tls_config_or_default()?);
    let tls = connector.connect(name, tcp).await?;
    Ok(ClientStream::Tls(std::boxed::Box::new(tls)))
}

/// Runs the client's opening handshake on `stream`, a transport already
/// connected to the server of `options`' URL (a TLS stream, a proxy
/// tunnel, a `DuplexStream` in tests); the open timeout bounds it.
pub async fn connect_on<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    options: ClientOptions,
) -> Result<(WebSocketStream<S>, ServerResponse), layer::Error> {
    within(options.open_timeout, handshake(stream, &options)).await
}

async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    options: &ClientOptions,
) -> Result<(WebSocketStream<S>, ServerResponse), layer::Error> {
    let (request, mut connecting) = Connecting::start(options)?;
    stream.write_all(&request).await?;
    stream.flush().await?;
    let mut buf = vec![0; HANDSHAKE_READ];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(layer::Error::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection before its handshake response was complete",
            )));
        }
        if let Some((conn, response)) = connecting.receive(&buf[..n])? {
            let stream = WebSocketStream::from_connection(stream, conn, options.write_limit)
                .with_write_timeout(options.write_timeout);
            return Ok((stream, response));
        }
    }
}

/// Runs `future` within `timeout`, if there is one.
pub(super) async fn within<T>(
    timeout: Option<std::time::Duration>,
    future: impl Future<Output = Result<T, layer::Error>>,
) -> Result<T, layer::Error> {
    match timeout {
        Some(timeout) => ::tokio::time::timeout(timeout, future)
            .await
            .unwrap_or(Err(layer::Error::OpenTimeout)),
        None => future.await,
    }
}
