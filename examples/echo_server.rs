//! The demo: an echo server over std::net, one thread per connection.
//!
//! `cargo run --example echo_server [ADDR]` (default 127.0.0.1:9001), then
//! open http://127.0.0.1:9001/ in a browser. `GET /` serves a page that opens
//! `new WebSocket('ws://' + location.host + '/echo', ['soap', 'xmpp'])`;
//! `/echo` upgrades, selects the first offered subprotocol it knows, and echoes
//! every message. Other paths get 404; bad upgrades get the handshake's
//! rejection response.

mod support;

use std::error::Error;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use rfc6455::Config;
use rfc6455::handshake::{self, Accept, Request, ServerHandshake};

const PAGE: &str = include_str!("echo_page.html");
const KNOWN_PROTOCOLS: [&str; 2] = ["soap", "xmpp"];
/// A client that has not finished its request by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

fn main() -> Result<(), Box<dyn Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9001".into());
    let listener = TcpListener::bind(&addr)?;
    println!("echo server on http://{}/", listener.local_addr()?);
    support::serve_each(listener, serve)?;
    Ok(())
}

fn serve(mut stream: TcpStream) -> Result<(), Box<dyn Error>> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT))?;
    let config = Config::default();
    let max_head = config.max_handshake_size;
    let mut handshake = ServerHandshake::new(config);
    // The raw head is kept only to route plain HTTP requests (the page, 404s).
    let mut head = Vec::new();
    let mut buf = [0; 4096];
    let request = loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        if head.len() < max_head {
            head.extend_from_slice(&buf[..n]);
        }
        match handshake.receive(&buf[..n]) {
            Ok(None) => continue,
            Ok(Some(request)) => break request,
            Err(error) => return answer_plain_http(&mut stream, &head, error),
        }
    };
    if request.path() != "/echo" {
        stream.write_all(&request.reject(404, b"Not Found\n"))?;
        return Ok(());
    }
    let accept = choose_protocol(&request);
    let (response, mut conn) = request.accept(accept)?;
    stream.write_all(&response)?;
    stream.set_read_timeout(None)?;
    support::run(&mut stream, &mut conn, support::echo)
}

/// Selects the first subprotocol the client offered that this server knows.
fn choose_protocol(request: &Request) -> Accept {
    match request.protocols().find(|p| KNOWN_PROTOCOLS.contains(p)) {
        Some(protocol) => Accept::default().protocol(protocol),
        None => Accept::default(),
    }
}

/// A request that is not a valid upgrade: the demo page, a 404, or the
/// handshake's own rejection.
fn answer_plain_http(
    stream: &mut TcpStream,
    head: &[u8],
    error: handshake::HandshakeError,
) -> Result<(), Box<dyn Error>> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Request::new(&mut headers);
    let path = match parsed.parse(head) {
        Ok(_) => parsed.path.map(|p| p.split('?').next().unwrap_or(p)),
        Err(_) => None,
    };
    let response = match (parsed.method, path) {
        (Some("GET"), Some("/")) => page_response(),
        (_, Some(path)) if path != "/echo" => handshake::reject(404, b"Not Found\n"),
        _ => error
            .response()
            .unwrap_or_else(|| handshake::reject(400, b"Bad Request\n")),
    };
    stream.write_all(&response)?;
    Ok(())
}

fn page_response() -> Vec<u8> {
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        PAGE.len()
    )
    .into_bytes();
    response.extend_from_slice(PAGE.as_bytes());
    response
}
