//! An axum 0.8 app: a page on `/`, a WebSocket echo on `/echo` (HTTP/1.1
//! upgrade, or extended CONNECT when the client speaks HTTP/2).
//!
//! `cargo run --example axum_echo --features axum -- 127.0.0.1:9002`

use axum::Router;
use axum::response::Response;
use axum::routing::{any, get};
use rfc6455::axum::{WebSocket, WebSocketUpgrade};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or("127.0.0.1:9002".into());
    let app = Router::new()
        .route(
            "/",
            get(|| async { "axum_echo: connect a WebSocket to /echo\n" }),
        )
        // `any`: an HTTP/2 WebSocket request is a CONNECT, not a GET.
        .route("/echo", any(echo));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}

async fn echo(ws: WebSocketUpgrade) -> Response {
    println!(
        "WebSocket over {:?}, origin {:?}",
        ws.version(),
        ws.origin()
    );
    ws.protocols(["soap", "xmpp"]).on_upgrade(echo_messages)
}

async fn echo_messages(mut socket: WebSocket) {
    while let Some(message) = socket.next().await {
        let sent = match message {
            Ok(message) => socket.send(message).await,
            Err(e) => Err(e),
        };
        if let Err(e) = sent {
            return eprintln!("echo: {e}");
        }
    }
}
