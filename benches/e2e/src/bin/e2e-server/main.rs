//! `e2e-server <impl> <addr> [room]`: a WebSocket echo server on one of five
//! crates (ours three ways), for the end-to-end benchmark (see `README.md`);
//! with `room`, a broadcast room instead (see [`room`]: `rfc6455`,
//! `tungstenite`, `tokio-websockets` and `yawc`).
//!
//! `<impl>` is `rfc6455`, `rfc6455-send`, `rfc6455-forward`, `tungstenite`, `fastwebsockets`,
//! `tokio-websockets` or `yawc`; `<addr>` is `127.0.0.1:PORT` (port 0 picks
//! a free one). Once listening the server prints `listening 127.0.0.1:PORT`
//! on standard output, for the driver to read.
//!
//! Every server runs on the same runtime: tokio's current-thread runtime
//! (one thread, I/O and time drivers on), one task per connection. Every
//! accepted socket gets `TCP_NODELAY` before it is handed to the library,
//! as our `examples/echo_server.rs` does; nothing else differs from what
//! each crate's own documentation shows:
//!
//! - `rfc6455`: `rfc6455::tokio::accept(tcp)`, then
//!   `while let Some(m) = ws.next().await { ws.feed(m?).await? }`, as the
//!   `rfc6455::tokio` module doc writes it: `feed` queues the echo and
//!   `next` writes what is queued before it waits for input, so the echoes
//!   of messages read together share one write. The layer answers pings
//!   and the peer's close itself and hands out data messages only. Limits:
//!   the defaults (64 MiB messages, UTF-8 checked).
//! - `rfc6455-send`: not a peer but the same with `ws.send(m?).await?`,
//!   which writes each echo at once (one write per message).
//! - `rfc6455-forward`: not a peer but a second way to use our layer,
//!   for comparison: the same accept, then the tungstenite example's
//!   shape on our halves, `let (read, write) = ws.split();
//!   read.forward(write)`. `forward` feeds the sink while messages are
//!   ready and flushes only when the stream has nothing more, so several
//!   echoes share one write, where `send` writes each message at once.
//! - `tungstenite`: `tokio_tungstenite::accept_async(tcp)`, then the
//!   crate's `examples/echo-server.rs`: split, keep text and binary
//!   messages (`try_filter`), `forward` them into the write half (which
//!   feeds while messages are ready and flushes when the read side waits).
//!   Defaults: 64 MiB messages, UTF-8 checked, pings and closes answered.
//! - `fastwebsockets`: hyper 1's `http1` server with `with_upgrades`, and
//!   `fastwebsockets::upgrade::upgrade(&mut req)` in the service, the task
//!   spawned under `tokio::task::unconstrained`, reading through a
//!   `FragmentCollector` and writing text and binary frames back, breaking on
//!   close: the crate's `examples/echo_server.rs`. Defaults: auto pong, auto
//!   close, 64 MiB messages; the collector checks text as UTF-8.
//! - `tokio-websockets`: `ServerBuilder::new().accept(tcp)` and
//!   `while let Some(Ok(m)) = ws.next().await`, sending text and binary
//!   messages back, spawned under `unconstrained`: the crate's
//!   `examples/echo_server.rs`, but with the default `Config` and `Limits`
//!   (64 MiB payloads) instead of that example's unlimited ones. Pings and
//!   closes are answered by the stream; UTF-8 is always checked.
//! - `yawc`: hyper 1 as for fastwebsockets, with
//!   `WebSocket::upgrade_with_options`, echoing text and binary frames of
//!   the stream until it ends, spawned under `unconstrained`: the crate's
//!   `examples/echo_server.rs`. Options: `with_utf8()` (yawc checks UTF-8
//!   only when asked) and `with_max_payload_read(2 MiB)` (the default limit
//!   is 1 MiB exclusive, so a 1 MiB message would be refused); no
//!   compression, as by default.

use std::net::SocketAddr;

use futures_util::{SinkExt, StreamExt, TryStreamExt};
use http_body_util::Empty;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use tokio::net::{TcpListener, TcpStream};

mod room;

const IMPLS: [&str; 7] = [
    "rfc6455",
    "rfc6455-send",
    "rfc6455-forward",
    "tungstenite",
    "fastwebsockets",
    "tokio-websockets",
    "yawc",
];

/// The implementations with a room mode.
const ROOM_IMPLS: [&str; 4] = ["rfc6455", "tungstenite", "tokio-websockets", "yawc"];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(name), Some(addr)) = (args.first(), args.get(1)) else {
        eprintln!("usage: e2e-server <{}> <addr> [room]", IMPLS.join("|"));
        std::process::exit(2);
    };
    let room = args.get(2).is_some_and(|mode| mode == "room");
    if room && !ROOM_IMPLS.contains(&name.as_str()) {
        eprintln!(
            "no room mode for {name:?}: one of {}",
            ROOM_IMPLS.join(", ")
        );
        std::process::exit(2);
    }
    if !IMPLS.contains(&name.as_str()) {
        eprintln!(
            "unknown implementation {name:?}: one of {}",
            IMPLS.join(", ")
        );
        std::process::exit(2);
    }
    let addr: SocketAddr = match addr.parse() {
        Ok(addr) => addr,
        Err(error) => {
            eprintln!("bad address {addr:?}: {error}");
            std::process::exit(2);
        }
    };
    rfc6455_e2e::raise_nofile_limit();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
    if let Err(error) = runtime.block_on(serve(name, addr, room)) {
        eprintln!("e2e-server {name}: {error}");
        std::process::exit(1);
    }
}

async fn serve(name: &str, addr: SocketAddr, room: bool) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    println!("listening {}", listener.local_addr()?);
    loop {
        let (tcp, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Out of file descriptors, say: keep serving the others.
            Err(error) => {
                eprintln!("accept: {error}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        if room {
            match name {
                "rfc6455" => tokio::spawn(room::ours::member(tcp)),
                "tungstenite" => tokio::spawn(room::tungstenite::member(tcp)),
                "tokio-websockets" => tokio::spawn(room::tokio_websockets::member(tcp)),
                "yawc" => tokio::spawn(hyper_serve(tcp, room::yawc::upgrade)),
                _ => unreachable!("checked in main"),
            };
            continue;
        }
        match name {
            "rfc6455" => tokio::spawn(ours::serve(tcp, true)),
            "rfc6455-send" => tokio::spawn(ours::serve(tcp, false)),
            "rfc6455-forward" => tokio::spawn(ours::serve_forward(tcp)),
            "tungstenite" => tokio::spawn(tungstenite::serve(tcp)),
            "fastwebsockets" => tokio::spawn(hyper_serve(tcp, fastwebsockets_impl::upgrade)),
            "tokio-websockets" => tokio::spawn(tokio::task::unconstrained(
                tokio_websockets_impl::serve(tcp),
            )),
            "yawc" => tokio::spawn(hyper_serve(tcp, yawc_impl::upgrade)),
            _ => unreachable!("checked in main"),
        };
    }
}

/// hyper 1's HTTP/1.1 server on one connection, with upgrades, as the
/// fastwebsockets and yawc examples run it.
async fn hyper_serve<F, Fut, E>(tcp: TcpStream, upgrade: F)
where
    F: Fn(Request<Incoming>) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = Result<Response<Empty<Bytes>>, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let io = hyper_util::rt::TokioIo::new(tcp);
    let conn = http1::Builder::new()
        .serve_connection(io, service_fn(upgrade))
        .with_upgrades();
    if let Err(error) = conn.await {
        eprintln!("http connection: {error:?}");
    }
}

mod ours {
    use tokio::net::TcpStream;

    /// Echoes with `feed` (as our docs advise) or with `send`.
    pub async fn serve(tcp: TcpStream, feed: bool) {
        if let Err(error) = echo(tcp, feed).await {
            eprintln!("rfc6455 connection: {error}");
        }
    }

    async fn echo(tcp: TcpStream, feed: bool) -> Result<(), rfc6455::layer::Error> {
        let mut ws = rfc6455::tokio::accept(tcp).await?;
        while let Some(message) = ws.next().await {
            if feed {
                ws.feed(message?).await?;
            } else {
                ws.send(message?).await?;
            }
        }
        Ok(())
    }

    pub async fn serve_forward(tcp: TcpStream) {
        if let Err(error) = echo_forward(tcp).await {
            eprintln!("rfc6455-forward connection: {error}");
        }
    }

    async fn echo_forward(tcp: TcpStream) -> Result<(), rfc6455::layer::Error> {
        use futures_util::StreamExt;
        let (read, write) = rfc6455::tokio::accept(tcp).await?.split();
        read.forward(write).await
    }
}

mod tungstenite {
    use super::*;

    pub async fn serve(tcp: TcpStream) {
        let ws = match tokio_tungstenite::accept_async(tcp).await {
            Ok(ws) => ws,
            Err(error) => return eprintln!("tungstenite handshake: {error}"),
        };
        let (write, read) = ws.split();
        let echoed = read
            .try_filter(|m| std::future::ready(m.is_text() || m.is_binary()))
            .forward(write)
            .await;
        if let Err(error) = echoed {
            eprintln!("tungstenite connection: {error}");
        }
    }
}

mod fastwebsockets_impl {
    use super::*;
    use fastwebsockets::{FragmentCollector, OpCode, WebSocketError, upgrade::UpgradeFut};

    pub async fn upgrade(
        mut request: Request<Incoming>,
    ) -> Result<Response<Empty<Bytes>>, WebSocketError> {
        let (response, fut) = fastwebsockets::upgrade::upgrade(&mut request)?;
        tokio::spawn(async move {
            if let Err(error) = tokio::task::unconstrained(echo(fut)).await {
                eprintln!("fastwebsockets connection: {error}");
            }
        });
        Ok(response)
    }

    async fn echo(fut: UpgradeFut) -> Result<(), WebSocketError> {
        let mut ws = FragmentCollector::new(fut.await?);
        loop {
            let frame = ws.read_frame().await?;
            match frame.opcode {
                OpCode::Close => break,
                OpCode::Text | OpCode::Binary => ws.write_frame(frame).await?,
                _ => {}
            }
        }
        Ok(())
    }
}

mod tokio_websockets_impl {
    use super::*;
    use tokio_websockets::ServerBuilder;

    pub async fn serve(tcp: TcpStream) {
        if let Err(error) = echo(tcp).await {
            eprintln!("tokio-websockets connection: {error}");
        }
    }

    async fn echo(tcp: TcpStream) -> Result<(), tokio_websockets::Error> {
        let (_request, mut ws) = ServerBuilder::new().accept(tcp).await?;
        while let Some(Ok(message)) = ws.next().await {
            if message.is_text() || message.is_binary() {
                ws.send(message).await?;
            }
        }
        Ok(())
    }
}

mod yawc_impl {
    use super::*;
    use yawc::{OpCode, Options, UpgradeFut, WebSocket};

    pub async fn upgrade(mut request: Request<Incoming>) -> yawc::Result<Response<Empty<Bytes>>> {
        let options = Options::default()
            .with_utf8()
            .with_max_payload_read(2 << 20);
        let (response, fut) = WebSocket::upgrade_with_options(&mut request, options)?;
        tokio::spawn(async move {
            if let Err(error) = tokio::task::unconstrained(echo(fut)).await {
                eprintln!("yawc connection: {error}");
            }
        });
        Ok(response)
    }

    async fn echo(fut: UpgradeFut) -> yawc::Result<()> {
        let mut ws = fut.await?;
        while let Some(frame) = ws.next().await {
            if matches!(frame.opcode(), OpCode::Text | OpCode::Binary) {
                ws.send(frame).await?;
            }
        }
        Ok(())
    }
}
