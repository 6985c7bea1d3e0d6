//! The server side: the opening handshake on an accepted transport.

use std::boxed::Box;
use std::future::Future;
use std::vec;

use ::tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::WebSocketStream;
use super::connect::within;
use crate::handshake::{HandshakeError, Request};
use crate::layer::{
    self, AcceptStep, Accepting, Answer, HttpRequest, ServerOptions, Then, Upgrade,
};

/// Bytes read at a time during the opening handshake.
const HANDSHAKE_READ: usize = 4096;

/// Accepts a WebSocket on `stream` with [`ServerOptions::default`],
/// accepting every upgrade request (no subprotocol).
///
/// A request that is not a WebSocket upgrade (plain HTTP: another method
/// than GET, no `Upgrade: websocket`, HTTP/1.0) is answered with the
/// response the handshake gives for it (426 with `Upgrade: websocket` and
/// a hint about proxies, 405 with `Allow: GET`), the transport is shut
/// down, and the handshake's error is returned. To serve plain HTTP on the
/// same port, use [`accept_with`], which hands such requests back.
///
/// The handshake's state (the request parser, the timer) is boxed and freed
/// when the handshake is over, as with [`accept_with`]: a task that accepts
/// and then serves the connection does not keep room for it.
pub fn accept<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
) -> impl Future<Output = Result<WebSocketStream<S>, layer::Error>> {
    Box::pin(accept_default(stream))
}

async fn accept_default<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
) -> Result<WebSocketStream<S>, layer::Error> {
    let options = ServerOptions::default();
    let (upgrade, plain_error) = within(
        options.open_timeout,
        handshake(stream, &options, |_| Answer::accept()),
    )
    .await?;
    match upgrade {
        Upgrade::WebSocket(stream) => Ok(stream),
        Upgrade::Http(HttpRequest { mut stream, .. }) => {
            let error = plain_error.unwrap_or(HandshakeError::MissingUpgrade);
            if let Some(response) = error.response() {
                let _ = stream.write_all(&response).await;
            }
            let _ = stream.shutdown().await;
            Err(error.into())
        }
        // Not expected: the answer always accepts.
        Upgrade::Rejected(status) => Err(layer::Error::Io(std::io::Error::other(std::format!(
            "the upgrade was rejected with {status}"
        )))),
    }
}

/// Runs the server's opening handshake on `stream`; `answer` decides on a
/// whole upgrade request (see [`Answer`]): for example
/// [`Answer::accept_protocol`] with a subprotocol from
/// [`Request::first_protocol_in`], or [`Answer::reject`] after checking
/// [`Request::origin`].
///
/// - An accepted upgrade is [`Upgrade::WebSocket`].
/// - A plain HTTP request (not an upgrade) is [`Upgrade::Http`]: the
///   transport and every byte read, for the caller to serve.
/// - A rejected one is [`Upgrade::Rejected`]: the rejection was written and
///   the transport shut down.
/// - A broken upgrade request is answered with the matching HTTP error
///   (400, 426, 431, ...), the transport is shut down and the handshake
///   error returned.
///
/// The open timeout bounds the whole handshake, reading the request
/// included: a client that sends its request slowly, or never finishes it,
/// gets [`layer::Error::OpenTimeout`].
///
/// The returned future is a box, freed when the handshake is over: the
/// handshake's state is about 2 KB, and a task that awaited it inline
/// would keep room for it for as long as it then serves the connection.
pub fn accept_with<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    options: ServerOptions,
    answer: impl FnMut(&Request) -> Answer,
) -> impl Future<Output = Result<Upgrade<WebSocketStream<S>, S>, layer::Error>> {
    Box::pin(async move {
        let (upgrade, _) =
            within(options.open_timeout, handshake(stream, &options, answer)).await?;
        Ok(upgrade)
    })
}

/// Accepts a WebSocket over TLS: the TLS handshake with `tls` (see
/// [`tls::server_config`](crate::tls::server_config)), then
/// [`accept_with`]'s, both within the open timeout. Plain HTTP requests
/// (an HTTPS page) come back as [`Upgrade::Http`] on the TLS stream. Boxed
/// like [`accept_with`].
#[cfg(feature = "rustls")]
pub fn accept_tls_with<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    tls: std::sync::Arc<rustls::ServerConfig>,
    options: ServerOptions,
    answer: impl FnMut(&Request) -> Answer,
) -> impl Future<
    Output = Result<
        Upgrade<WebSocketStream<super::TlsStream<S>>, super::TlsStream<S>>,
        layer::Error,
    >,
> {
    Box::pin(async move {
        within(options.open_timeout, async {
            let stream = tokio_rustls::TlsAcceptor::from(tls).accept(stream).await?;
            let (upgrade, _) = handshake(stream, &options, answer).await?;
            Ok(upgrade)
        })
        .await
    })
}

/// The handshake; for a plain HTTP request, also how it is not an upgrade.
async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    options: &ServerOptions,
    mut answer: impl FnMut(&Request) -> Answer,
) -> Result<(Upgrade<WebSocketStream<S>, S>, Option<HandshakeError>), layer::Error> {
    let mut accepting = Accepting::new(options.config.clone());
    let mut buf = vec![0; HANDSHAKE_READ];
    let (response, then) = loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(layer::Error::Io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the client closed the connection before its request was complete",
            )));
        }
        match accepting.receive(&buf[..n], &mut answer) {
            AcceptStep::More => {}
            AcceptStep::Plain { bytes, error } => {
                return Ok((Upgrade::Http(HttpRequest { stream, bytes }), Some(error)));
            }
            AcceptStep::Respond { response, then } => break (response, then),
        }
    };
    stream.write_all(&response).await?;
    stream.flush().await?;
    let upgrade = match then {
        Then::Open(conn) => Upgrade::WebSocket(
            WebSocketStream::from_connection(stream, *conn, options.write_limit)
                .with_write_timeout(options.write_timeout),
        ),
        Then::Rejected(status) => {
            let _ = stream.shutdown().await;
            Upgrade::Rejected(status)
        }
        Then::Fail(error) => {
            let _ = stream.shutdown().await;
            return Err(error);
        }
    };
    Ok((upgrade, None))
}
