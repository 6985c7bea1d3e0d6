//! Autobahn|Testsuite testee, server role: echoes every text and binary
//! message. `cargo run --release --example autobahn_server 127.0.0.1:9002`,
//! then `wstest -m fuzzingclient` (see tests/autobahn/run.sh).

mod support;

use std::error::Error;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use rfc6455::handshake::{Accept, ServerHandshake};

fn main() -> Result<(), Box<dyn Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9002".into());
    let listener = TcpListener::bind(&addr)?;
    println!("autobahn testee server on ws://{}", listener.local_addr()?);
    support::serve_each(listener, serve)?;
    Ok(())
}

fn serve(mut stream: TcpStream) -> Result<(), Box<dyn Error>> {
    stream.set_nodelay(true)?;
    let mut handshake = ServerHandshake::new(support::autobahn_config());
    let mut buf = [0; 4096];
    let request = loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        match handshake.receive(&buf[..n]) {
            Ok(None) => continue,
            Ok(Some(request)) => break request,
            Err(error) => {
                if let Some(response) = error.response() {
                    stream.write_all(&response)?;
                }
                return Err(error.into());
            }
        }
    };
    let (response, mut conn) = request.accept(Accept::default())?;
    stream.write_all(&response)?;
    support::run(&mut stream, &mut conn, support::echo)
}
