//! The demo's page and echo on the blocking layer, one thread per
//! connection: for users of `rfc6455::blocking` (the demo itself,
//! `echo_server`, is an axum app that also speaks HTTP/2).
//!
//! `cargo run --example blocking_echo_server [ADDR]` (default
//! 127.0.0.1:9001), then open http://127.0.0.1:9001/ in a browser. `GET /`
//! serves a page that opens `new WebSocket('ws://' + location.host +
//! '/echo', ['soap', 'xmpp'])`; `/echo` upgrades, selects the first of `soap`,
//! `xmpp` that the client offered, and echoes every message. Other paths get 404; bad
//! upgrades get the handshake's rejection response.
//!
//! `cargo run --features rustls-ring --example blocking_echo_server -- --tls [ADDR]`
//! serves the same over HTTPS and WSS, with a certificate signed by a
//! certificate authority made at start; the CA's certificate is written to
//! a file (printed) for clients to trust.

use std::error::Error;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::thread;

use rfc6455::Config;
use rfc6455::blocking::{self, Answer, HttpRequest, ServerOptions, Transport, Upgrade, WebSocket};
use rfc6455::handshake::{self, Request, RequestError, ServerHandshake};

#[cfg(feature = "rustls")]
#[path = "support/certs.rs"]
mod certs;

const PAGE: &str = include_str!("echo_page.html");
const KNOWN_PROTOCOLS: [&str; 2] = ["soap", "xmpp"];

fn main() -> Result<(), Box<dyn Error>> {
    let mut addr = "127.0.0.1:9001".to_string();
    let mut tls = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--tls" => tls = true,
            _ => addr = arg,
        }
    }
    let listener = TcpListener::bind(&addr)?;
    let local = listener.local_addr()?;
    if tls {
        return serve_tls(listener);
    }
    println!("echo server on http://{local}/");
    serve_each(listener, |stream| {
        blocking::accept_with(stream, ServerOptions::default(), answer)
    })
}

/// One thread per connection: `accept` opens it, then [`serve`].
fn serve_each<S: Transport>(
    listener: TcpListener,
    accept: impl Fn(TcpStream) -> Result<Upgrade<WebSocket<S>, S>, blocking::Error>
    + Clone
    + Send
    + 'static,
) -> Result<(), Box<dyn Error>> {
    for stream in listener.incoming() {
        let stream = stream?;
        let accept = accept.clone();
        thread::spawn(move || {
            let opened = stream
                .set_nodelay(true)
                .map_err(Into::into)
                .and_then(|()| accept(stream));
            if let Err(error) = opened.map_err(Into::into).and_then(serve) {
                eprintln!("connection ended: {error}");
            }
        });
    }
    Ok(())
}

/// `--tls`: HTTPS and WSS, with a certificate made now by a CA made now,
/// whose certificate is written to a file to trust.
#[cfg(feature = "rustls")]
fn serve_tls(listener: TcpListener) -> Result<(), Box<dyn Error>> {
    let certs = certs::generate()?;
    let dir = std::env::temp_dir().join(format!("rfc6455-echo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let ca_path = dir.join("ca.pem");
    std::fs::write(&ca_path, &certs.ca_pem)?;
    let config = rfc6455::tls::server_config(certs.chain, certs.key)?;
    println!("echo server on https://{}/", listener.local_addr()?);
    println!("certificate authority: {}", ca_path.display());
    std::io::stdout().flush()?;
    serve_each(listener, move |stream| {
        blocking::accept_tls_with(stream, config.clone(), ServerOptions::default(), answer)
    })
}

#[cfg(not(feature = "rustls"))]
fn serve_tls(_listener: TcpListener) -> Result<(), Box<dyn Error>> {
    Err("--tls needs the rustls feature and a crypto provider: \
         cargo run --features rustls-ring --example blocking_echo_server -- --tls"
        .into())
}

/// Echoes every message, or serves a plain HTTP request.
fn serve<S: Transport>(upgrade: Upgrade<WebSocket<S>, S>) -> Result<(), Box<dyn Error>> {
    match upgrade {
        Upgrade::WebSocket(mut ws) => {
            while let Some(message) = ws.read()? {
                ws.send(message)?;
            }
        }
        Upgrade::Http(request) => serve_page(request)?,
        Upgrade::Rejected(_) => {}
    }
    Ok(())
}

/// `/echo` upgrades, with the first of this server's subprotocols that the
/// client offered.
fn answer(request: &Request) -> Answer {
    if request.path() != "/echo" {
        return Answer::reject(404, "Not Found\n");
    }
    // The server's order of preference, as the axum demo's.
    let offered = |known: &&str| request.protocols().any(|p| p == *known);
    match KNOWN_PROTOCOLS.into_iter().find(offered) {
        Some(protocol) => Answer::accept_protocol(protocol),
        None => Answer::accept(),
    }
}

/// A plain HTTP request: the demo page at `/`, 404 elsewhere.
fn serve_page<S: Write>(mut request: HttpRequest<S>) -> Result<(), Box<dyn Error>> {
    let path = request
        .method_and_target()
        .map(|(method, target)| (method, target.split('?').next().unwrap_or(target)));
    let response = match path {
        Some(("GET", "/")) => {
            let mut response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                PAGE.len()
            )
            .into_bytes();
            response.extend_from_slice(PAGE.as_bytes());
            response
        }
        Some((_, "/echo")) => not_an_upgrade(&request.bytes),
        _ => handshake::reject(404, b"Not Found\n"),
    };
    request.stream.write_all(&response)?;
    Ok(())
}

/// The handshake's own answer to a request for `/echo` that is not an
/// upgrade: 426 with `Upgrade: websocket` and a hint about proxies that drop
/// the upgrade (no `Upgrade` header, or HTTP/1.0), 405 for another method.
fn not_an_upgrade(bytes: &[u8]) -> Vec<u8> {
    let error = match ServerHandshake::new(Config::default()).receive(bytes) {
        Err(error) => error,
        Ok(_) => RequestError::MissingUpgrade.into(),
    };
    error
        .response()
        .unwrap_or_else(|| handshake::reject(400, b"Bad Request\n"))
}
