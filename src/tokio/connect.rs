//! The client side: connect to a `ws://` URL, or run the opening handshake
//! on a transport of your own.

use std::future::Future;
use std::io;
use std::vec;

use ::tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use ::tokio::net::TcpStream;

use super::WebSocketStream;
use crate::handshake::ClientRequest;
use crate::layer::{self, ClientOptions, Connecting, ServerResponse};

/// Bytes read at a time during the opening handshake.
const HANDSHAKE_READ: usize = 4096;

/// Connects to `url` (`ws://host[:port]/path`) with
/// [`default_config`](crate::layer::default_config) and a 10 s open
/// timeout: [`connect_with`] with [`ClientOptions::new`].
pub async fn connect(
    url: &str,
) -> Result<(WebSocketStream<TcpStream>, ServerResponse), layer::Error> {
    connect_with(ClientOptions::new(url)).await
}

/// Connects over TCP to the host and port of `options`' URL (with
/// `TCP_NODELAY` set) and runs the opening handshake; the open timeout
/// bounds both, and running out is [`layer::Error::OpenTimeout`].
///
/// A `wss://` URL fails with an [`Unsupported`](io::ErrorKind::Unsupported)
/// I/O error for now: this layer has no TLS yet (run [`connect_on`] over a
/// TLS stream of your own). A server that refuses the upgrade gives
/// [`layer::Error::Rejected`], with its status and headers.
pub async fn connect_with(
    options: ClientOptions,
) -> Result<(WebSocketStream<TcpStream>, ServerResponse), layer::Error> {
    let request = ClientRequest::new(options.url())?;
    if request.is_secure() {
        return Err(layer::Error::Io(io::Error::new(
            io::ErrorKind::Unsupported,
            "wss:// needs TLS, which rfc6455::tokio does not provide yet; \
             connect a TLS stream yourself and use connect_on",
        )));
    }
    let open_timeout = options.open_timeout;
    within(open_timeout, async move {
        let stream = TcpStream::connect((request.host(), request.port())).await?;
        stream.set_nodelay(true)?;
        handshake(stream, &options).await
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
            let stream = WebSocketStream::from_connection(stream, conn, options.write_limit);
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
