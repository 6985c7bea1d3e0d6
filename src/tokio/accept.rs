//! The server side: the opening handshake on an accepted transport. The
//! way there is [`crate::layer`]'s accept plan; this file only carries out
//! its actions with tokio's I/O.

use std::boxed::Box;
use std::future::{Future, Ready, ready};
use std::io;
use std::vec;

use ::tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use ::tokio::time::Instant;

use super::connect::{within, write};
use super::stream::WebSocketStream;
use crate::handshake::Request;
use crate::layer::{
    self, AcceptAction, AcceptPlan, Answer, Ending, HANDSHAKE_READ, HttpRequest, Input,
    PlainRequests, ServerOptions, Upgrade,
};

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
    Box::pin(async move {
        let options = ServerOptions::default();
        let plan = AcceptPlan::new(&options, PlainRequests::Refuse);
        run(plan, Some(stream), &options, |_| Answer::accept(), no_tls)
            .await?
            .into_websocket()
    })
}

/// The TLS step of a plain transport's plan, which has none.
fn no_tls<S>() -> Ready<io::Result<S>> {
    ready(Err(io::ErrorKind::Unsupported.into()))
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
        let plan = AcceptPlan::new(&options, PlainRequests::HandBack);
        run(plan, Some(stream), &options, answer, no_tls).await
    })
}

/// Accepts a WebSocket over TLS: the TLS handshake with `tls` (see
/// [`tls::server_config`](crate::tls::server_config)), then
/// [`accept_with`]'s, both within the open timeout. Plain HTTP requests
/// (an HTTPS page) come back as [`Upgrade::Http`] on the TLS stream. Boxed
/// like [`accept_with`].
#[cfg(feature = "tokio-rustls")]
pub fn accept_tls_with<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    tls: std::sync::Arc<rustls::ServerConfig>,
    options: ServerOptions,
    answer: impl FnMut(&Request) -> Answer,
) -> impl Future<
    Output = Result<
        Upgrade<WebSocketStream<super::transport::TlsStream<S>>, super::transport::TlsStream<S>>,
        layer::Error,
    >,
> {
    Box::pin(async move {
        let plan = AcceptPlan::over_tls(&options, PlainRequests::HandBack);
        let mut raw = Some(stream);
        let acceptor = tokio_rustls::TlsAcceptor::from(tls);
        run(plan, None, &options, answer, move || {
            let raw = raw.take();
            let acceptor = acceptor.clone();
            async move {
                match raw {
                    Some(raw) => acceptor.accept(raw).await,
                    None => Err(io::ErrorKind::Unsupported.into()),
                }
            }
        })
        .await
    })
}

/// Carries out `plan`'s actions on `stream`, which `start_tls` makes (a TLS
/// handshake over the raw transport) if the plan says so. Each action gets
/// what is left of the open timeout; the transport is shut down when the
/// handshake ends without a WebSocket or a plain request.
async fn run<S, F>(
    mut plan: AcceptPlan,
    mut stream: Option<S>,
    options: &ServerOptions,
    mut answer: impl FnMut(&Request) -> Answer,
    mut start_tls: impl FnMut() -> F,
) -> Result<Upgrade<WebSocketStream<S>, S>, layer::Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: Future<Output = io::Result<S>>,
{
    let started = Instant::now();
    let mut buf = vec![0; HANDSHAKE_READ];
    let mut input = Input::Start;
    let failure = loop {
        let next = plan
            .time_left(started.elapsed())
            .and_then(|left| Ok((left, plan.step(input, &mut answer)?)));
        let (left, action) = match next {
            Ok(next) => next,
            Err(e) => break e,
        };
        input = Input::Done;
        let done = match (action, stream.as_mut()) {
            (AcceptAction::StartTls, _) => within(left, start_tls())
                .await
                .map(|made| stream = Some(made)),
            (AcceptAction::Read, Some(io)) => within(left, io.read(&mut buf))
                .await
                .map(|n| input = Input::Read(&buf[..n])),
            (AcceptAction::Write(bytes), Some(io)) => within(left, write(io, &bytes)).await,
            (AcceptAction::Open(conn), Some(_)) => {
                let io = stream.take().ok_or_else(not_made)?;
                return Ok(Upgrade::WebSocket(
                    WebSocketStream::from_connection(io, *conn)
                        .with_write_limit(options.write_limit)
                        .with_write_timeout(options.write_timeout),
                ));
            }
            (AcceptAction::HandBack(bytes), Some(_)) => {
                let stream = stream.take().ok_or_else(not_made)?;
                return Ok(Upgrade::Http(HttpRequest { stream, bytes }));
            }
            (AcceptAction::Close(ending), Some(io)) => {
                let _ = io.shutdown().await;
                return match ending {
                    Ending::Rejected(status) => Ok(Upgrade::Rejected(status)),
                    Ending::Failed(error) => Err(error),
                };
            }
            (_, None) => Err(not_made()),
        };
        if let Err(e) = done {
            break plan.fail(e);
        }
    };
    if let Some(io) = stream.as_mut() {
        let _ = io.shutdown().await;
    }
    Err(failure)
}

/// A plan that used a transport before making it: a bug in the plan.
fn not_made() -> io::Error {
    io::Error::other("the accept plan used a transport before making it")
}
