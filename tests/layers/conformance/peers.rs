//! The peers that are not a layer: a raw client, and servers and a proxy
//! that misbehave on purpose, each a thread on 127.0.0.1 that serves one
//! connection.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How long any peer here waits for anything.
pub const BOUND: Duration = Duration::from_secs(5);

/// A listener on a free port, and its `ws://` URL.
pub fn listen() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/chat", listener.local_addr().unwrap());
    (listener, url)
}

/// The one connection `listener` gets, with the peers' bound on reads.
pub fn accept_one(listener: &TcpListener) -> TcpStream {
    let (tcp, _) = listener.accept().unwrap();
    tcp.set_read_timeout(Some(BOUND)).unwrap();
    tcp
}

/// Reads up to the end of an HTTP head (or end of file).
pub fn read_head(tcp: &mut TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") && matches!(tcp.read(&mut byte), Ok(1)) {
        head.push(byte[0]);
    }
    head
}

/// Serves one connection with `serve`; returns its port.
fn serve_one(serve: impl FnOnce(TcpStream) + Send + 'static) -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let thread = thread::spawn(move || serve(accept_one(&listener)));
    (port, thread)
}

/// A server that reads the request and answers half a `101`, then closes.
pub fn closes_mid_handshake() -> (u16, JoinHandle<()>) {
    serve_one(|mut tcp| {
        read_head(&mut tcp);
        let _ = tcp.write_all(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n");
    })
}

/// A server that accepts TCP and then says nothing until the client
/// leaves.
pub fn silent_server() -> (u16, JoinHandle<()>) {
    serve_one(|mut tcp| {
        let _ = tcp.read_to_end(&mut Vec::new());
    })
}

/// A forward proxy that answers every CONNECT with 407.
pub fn refusing_proxy() -> (u16, JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let thread = thread::spawn(move || {
        let mut tcp = accept_one(&listener);
        let head = read_head(&mut tcp);
        let _ = tcp.write_all(
            b"HTTP/1.1 407 Proxy Authentication Required\r\n\
              Proxy-Authenticate: Basic realm=\"suite\"\r\nContent-Length: 0\r\n\r\n",
        );
        head
    });
    (port, thread)
}

/// A raw client: connects to `port`, writes `request`, and returns
/// everything the server answers before it closes (or the bound).
pub fn raw_client(port: u16, request: &[u8]) -> JoinHandle<Vec<u8>> {
    let request = request.to_vec();
    thread::spawn(move || {
        let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        tcp.set_read_timeout(Some(BOUND)).unwrap();
        tcp.write_all(&request).unwrap();
        let mut answer = Vec::new();
        let _ = tcp.read_to_end(&mut answer);
        answer
    })
}
