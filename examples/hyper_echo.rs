//! A hyper 1.x server that serves plain HTTP on `/` and upgrades `/echo`
//! to a WebSocket with this crate's handshake on `http` types, then echoes
//! every message with the tokio layer.
//!
//! ```text
//! cargo run --example hyper_echo --features tokio,http -- 127.0.0.1:8080
//! ```
//!
//! hyper owns the HTTP/1.1 connection; [`WebSocketRequest::upgrade`] checks
//! the request and [`WebSocketRequest::accept`] makes the `101` response and
//! the [`rfc6455::Connection`]; `hyper::upgrade::on` hands over the stream
//! once hyper has written that response.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rfc6455::Config;
use rfc6455::handshake::Accept;
use rfc6455::handshake::http_types::WebSocketRequest;
use rfc6455::tokio::WebSocketStream;
use tokio::net::TcpListener;

/// The subprotocols this server speaks, in order of preference.
const PROTOCOLS: &[&str] = &["echo.v1"];

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into())
        .parse()
        .expect("an address such as 127.0.0.1:8080");
    let listener = TcpListener::bind(addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    serve(listener).await
}

/// Serves every connection `listener` accepts, each on its own task.
pub async fn serve(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (tcp, _) = listener.accept().await?;
        tokio::spawn(async move {
            let connection = http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), service_fn(route))
                .with_upgrades();
            if let Err(e) = connection.await {
                eprintln!("connection: {e}");
            }
        });
    }
}

/// `/echo` upgrades; `/` is a page; anything else is 404.
async fn route(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(match request.uri().path() {
        "/echo" => upgrade(request),
        "/" => text(StatusCode::OK, "hyper_echo: connect a WebSocket to /echo\n"),
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    })
}

/// Answers the upgrade and starts echoing on the upgraded stream.
fn upgrade(mut request: Request<Incoming>) -> Response<Full<Bytes>> {
    let offer = match WebSocketRequest::upgrade(&request, Config::default()) {
        Ok(offer) => offer,
        // 426 with `Upgrade: websocket` for a plain GET, 400 for a broken
        // upgrade, ...: the answer the byte-level handshake would write.
        Err(e) => return e.to_http_response(request.version()).map(Full::new),
    };
    let mut accept = Accept::default();
    if let Some(protocol) = offer.first_protocol_in(PROTOCOLS) {
        accept = accept.protocol(protocol);
    }
    let (response, conn) = match offer.accept(accept) {
        Ok(accepted) => accepted,
        Err(e) => return text(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e}\n")),
    };
    tokio::spawn(async move {
        // Resolves once hyper has written the 101.
        let upgraded = match hyper::upgrade::on(&mut request).await {
            Ok(upgraded) => upgraded,
            Err(e) => return eprintln!("upgrade: {e}"),
        };
        let mut ws = WebSocketStream::from_connection(TokioIo::new(upgraded), conn);
        while let Some(message) = ws.next().await {
            let sent = match message {
                Ok(message) => ws.send(message).await,
                Err(e) => Err(e),
            };
            if let Err(e) = sent {
                return eprintln!("echo: {e}");
            }
        }
    });
    response.map(|()| Full::new(Bytes::new()))
}

fn text(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_owned())));
    *response.status_mut() = status;
    response
}
