//! The demo: an axum app on hyper that serves a page and a WebSocket echo
//! over HTTP/1.1 and HTTP/2 alike.
//!
//! `cargo run --features axum --example echo_server [ADDR]` (default
//! 127.0.0.1:9001), then open http://127.0.0.1:9001/ in a browser. `GET /`
//! serves a page that opens `new WebSocket('ws://' + location.host +
//! '/echo', ['soap', 'xmpp'])`; `/echo` selects the first of `soap`, `xmpp`
//! that the client offered and echoes every message, whether the request
//! was an HTTP/1.1 upgrade or an extended CONNECT on an HTTP/2 stream (RFC
//! 8441; cleartext HTTP/2 with prior knowledge works too). Each WebSocket
//! is logged with which it was. Other paths get 404; a request for `/echo`
//! that is not a valid WebSocket request gets the handshake's refusal.
//!
//! `--tls` serves HTTPS and WSS, with a certificate signed by a certificate
//! authority made at start; the CA's certificate is written to a file
//! (printed) for clients to trust: `SSL_CERT_FILE=that-file` for
//! `echo_client`, a browser's certificate settings, or Chromium's
//! `--ignore-certificate-errors`. ALPN offers `h2` and `http/1.1`, so a
//! browser loads the page over HTTP/2 and opens its WebSocket on the same
//! connection; `--http1` offers `http/1.1` only.
//!
//! Ctrl-C (or SIGTERM) stops accepting, closes every WebSocket with 1001
//! (going away) and waits for their close handshakes, each bounded by the
//! close timeout, before the process exits.
//!
//! ```text
//! cargo run --features axum,tokio-rustls,rustls-ring --example echo_server -- --tls
//! ```

use std::error::Error;
use std::io::Write;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Version};
use axum::response::{Html, Response};
use axum::routing::{any, get};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rfc6455::axum::{WebSocket, WebSocketUpgrade};
use rfc6455::{CloseCode, CloseFrame};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

#[cfg(feature = "tokio-rustls")]
#[path = "support/certs.rs"]
mod certs;

const PAGE: &str = include_str!("echo_page.html");
const KNOWN_PROTOCOLS: [&str; 2] = ["soap", "xmpp"];

type BoxError = Box<dyn Error + Send + Sync>;

/// The WebSockets to close on shutdown, and the signal to close them.
#[derive(Clone, Default)]
struct Shutdown {
    signal: CancellationToken,
    sockets: TaskTracker,
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let (mut addr, mut tls, mut http1_only) = ("127.0.0.1:9001".to_string(), false, false);
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--tls" => tls = true,
            "--http1" => http1_only = true,
            _ => addr = arg,
        }
    }
    let listener = TcpListener::bind(&addr).await?;
    let local = listener.local_addr()?;
    let acceptor = if tls {
        let (acceptor, ca_file) = tls::acceptor(http1_only)?;
        println!("echo server on https://{local}/");
        println!("certificate authority: {ca_file}");
        Some(acceptor)
    } else {
        println!("echo server on http://{local}/");
        None
    };
    std::io::stdout().flush()?;
    let shutdown = Shutdown::default();
    let app = Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        // `any`: over HTTP/2 a WebSocket request is a CONNECT, not a GET.
        .route("/echo", any(echo))
        .fallback(|| async { (StatusCode::NOT_FOUND, "Not Found\n") })
        .with_state(shutdown.clone());
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => accepted?,
            () = stop_signal() => break,
        };
        tcp.set_nodelay(true)?;
        let (app, acceptor) = (app.clone(), acceptor.clone());
        tokio::spawn(async move {
            let served = match acceptor {
                Some(acceptor) => match tls::accept(&acceptor, tcp).await {
                    Ok(stream) => serve(stream, app).await,
                    Err(e) => Err(e),
                },
                None => serve(tcp, app).await,
            };
            if let Err(e) = served {
                log(format_args!("connection from {peer}: {e}"));
            }
        });
    }
    shutdown.signal.cancel();
    shutdown.sockets.close();
    let open = shutdown.sockets.len();
    log(format_args!(
        "shutting down: closing {open} WebSockets with 1001"
    ));
    shutdown.sockets.wait().await;
    log(format_args!("every WebSocket closed"));
    Ok(())
}

async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("a SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// HTTP/1.1 or HTTP/2 (by ALPN, or by the client's preface in cleartext)
/// on one connection, with upgrades and extended CONNECT enabled.
async fn serve<S>(stream: S, app: Router) -> Result<(), BoxError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http2().enable_connect_protocol();
    builder
        .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(app))
        .await
}

async fn echo(ws: WebSocketUpgrade, State(shutdown): State<Shutdown>) -> Response {
    let ws = ws.protocols(KNOWN_PROTOCOLS);
    let carrier = match ws.version() {
        Version::HTTP_2 => "an HTTP/2 stream (extended CONNECT)",
        _ => "an HTTP/1.1 upgrade",
    };
    let protocol = ws.selected_protocol().unwrap_or("none");
    log(format_args!(
        "WebSocket over {carrier}, subprotocol {protocol}"
    ));
    let sockets = shutdown.sockets.clone();
    ws.on_upgrade(move |socket| sockets.track_future(echo_messages(socket, shutdown.signal)))
}

async fn echo_messages(mut socket: WebSocket, shutdown: CancellationToken) {
    loop {
        let message = tokio::select! {
            message = socket.next() => message,
            () = shutdown.cancelled() => {
                let going_away = CloseFrame::new(CloseCode::GOING_AWAY, "server shutting down");
                // Waits for the peer's close frame, at most the close timeout.
                let _ = socket.close_with(going_away).await;
                return;
            }
        };
        let Some(message) = message else { return };
        let sent = match message {
            Ok(message) => socket.send(message).await,
            Err(e) => Err(e),
        };
        if let Err(e) = sent {
            return log(format_args!("WebSocket ended: {e}"));
        }
    }
}

/// A line on standard output; nothing if nobody reads it any more.
fn log(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

#[cfg(feature = "tokio-rustls")]
mod tls {
    use std::sync::Arc;

    use tokio::net::TcpStream;
    use tokio_rustls::TlsAcceptor;
    use tokio_rustls::server::TlsStream;

    use super::{BoxError, certs};

    /// A certificate from a CA made now, ALPN `h2` then `http/1.1` (or
    /// `http/1.1` alone); the acceptor and the CA's file.
    pub fn acceptor(http1_only: bool) -> Result<(TlsAcceptor, String), BoxError> {
        let certs = certs::generate()?;
        let dir = std::env::temp_dir().join(format!("rfc6455-echo-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let ca_path = dir.join("ca.pem");
        std::fs::write(&ca_path, &certs.ca_pem)?;
        let mut config = (*rfc6455::tls::server_config(certs.chain, certs.key)?).clone();
        config.alpn_protocols = match http1_only {
            true => vec![b"http/1.1".to_vec()],
            false => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        };
        let ca_file = ca_path.display().to_string();
        Ok((TlsAcceptor::from(Arc::new(config)), ca_file))
    }

    pub async fn accept(
        acceptor: &TlsAcceptor,
        tcp: TcpStream,
    ) -> Result<TlsStream<TcpStream>, BoxError> {
        Ok(acceptor.accept(tcp).await?)
    }
}

#[cfg(not(feature = "tokio-rustls"))]
mod tls {
    use tokio::net::TcpStream;

    use super::BoxError;

    /// No TLS in this build: say how to get it.
    pub fn acceptor(_http1_only: bool) -> Result<(Never, String), BoxError> {
        Err("--tls needs TLS on the tokio layer and a crypto provider: \
             cargo run --features axum,tokio-rustls,rustls-ring --example echo_server -- --tls"
            .into())
    }

    /// Stands for the acceptor a TLS build has; never made.
    #[derive(Clone)]
    pub enum Never {}

    pub async fn accept(never: &Never, _tcp: TcpStream) -> Result<TcpStream, BoxError> {
        match *never {}
    }
}
