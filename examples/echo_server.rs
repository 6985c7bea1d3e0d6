//! The demo: an echo server on the blocking layer, one thread per
//! connection.
//!
//! `cargo run --example echo_server [ADDR]` (default 127.0.0.1:9001), then
//! open http://127.0.0.1:9001/ in a browser. `GET /` serves a page that opens
//! `new WebSocket('ws://' + location.host + '/echo', ['soap', 'xmpp'])`;
//! `/echo` upgrades, selects the first offered subprotocol it knows, and echoes
//! every message. Other paths get 404; bad upgrades get the handshake's
//! rejection response.

use std::error::Error;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::thread;

use rfc6455::blocking;
use rfc6455::handshake::{self, Request};
use rfc6455::layer::{Answer, HttpRequest, ServerOptions, Upgrade};

const PAGE: &str = include_str!("echo_page.html");
const KNOWN_PROTOCOLS: [&str; 2] = ["soap", "xmpp"];

fn main() -> Result<(), Box<dyn Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9001".into());
    let listener = TcpListener::bind(&addr)?;
    println!("echo server on http://{}/", listener.local_addr()?);
    for stream in listener.incoming() {
        let stream = stream?;
        thread::spawn(move || {
            if let Err(error) = serve(stream) {
                eprintln!("connection ended: {error}");
            }
        });
    }
    Ok(())
}

fn serve(stream: TcpStream) -> Result<(), Box<dyn Error>> {
    stream.set_nodelay(true)?;
    match blocking::accept_with(stream, ServerOptions::default(), answer)? {
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

/// `/echo` upgrades, with the first offered subprotocol this server knows.
fn answer(request: &Request) -> Answer {
    if request.path() != "/echo" {
        return Answer::reject(404, "Not Found\n");
    }
    match request.protocols().find(|p| KNOWN_PROTOCOLS.contains(p)) {
        Some(protocol) => Answer::accept_protocol(protocol),
        None => Answer::accept(),
    }
}

/// A plain HTTP request: the demo page at `/`, 404 elsewhere.
fn serve_page(mut request: HttpRequest<TcpStream>) -> Result<(), Box<dyn Error>> {
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
        Some((_, "/echo")) => {
            handshake::reject(426, b"Upgrade Required: this is a WebSocket endpoint\n")
        }
        _ => handshake::reject(404, b"Not Found\n"),
    };
    request.stream.write_all(&response)?;
    Ok(())
}
