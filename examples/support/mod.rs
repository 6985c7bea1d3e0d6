//! A small blocking std::net adapter shared by the examples: it moves bytes
//! between a `TcpStream` and an `rfc6455` connection or handshake, and nothing
//! else. All protocol decisions stay in the crate.
#![allow(dead_code)] // each example uses part of it

use std::error::Error;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use rfc6455::handshake::{ClientRequest, Response};
use rfc6455::{Config, Connection, Event};

/// How long a client waits for the server to close TCP after the close handshake.
const CLOSE_WAIT: Duration = Duration::from_secs(10);

/// Writes everything the connection has queued (vectored writes, then a flush).
pub fn flush(stream: &mut TcpStream, conn: &mut Connection) -> io::Result<()> {
    conn.output().write_to(stream)
}

/// Drives `conn` over `stream` until the connection is over, passing each
/// event to `on_event` (which may queue replies). Returns `Ok` after a clean
/// close handshake.
pub fn run(
    stream: &mut TcpStream,
    conn: &mut Connection,
    mut on_event: impl FnMut(&mut Connection, Event) -> Result<(), rfc6455::Error>,
) -> Result<(), Box<dyn Error>> {
    let mut buf = vec![0; 64 * 1024];
    loop {
        // Events first: the handshake may have left frames in the connection.
        loop {
            match conn.next_event() {
                Ok(Some(event)) => on_event(conn, event)?,
                Ok(None) => break,
                Err(error) => {
                    // Send the close frame the error queued, then give up.
                    flush(stream, conn)?;
                    let _ = stream.shutdown(Shutdown::Both);
                    return Err(error.into());
                }
            }
        }
        flush(stream, conn)?;
        if conn.should_close_transport() {
            let _ = stream.shutdown(Shutdown::Both);
            return finish(conn);
        }
        if conn.is_closed() {
            // A client waits (bounded) for the server to close the TCP connection.
            stream.set_read_timeout(Some(CLOSE_WAIT))?;
        }
        let n = match stream.read(&mut buf) {
            Ok(n) => n,
            // After a clean close handshake nothing is lost if the peer
            // resets instead of closing gracefully.
            Err(_) if conn.is_closed() && !conn.is_failed() => return Ok(()),
            Err(error) => return Err(error.into()),
        };
        if n == 0 {
            conn.receive_eof()?;
            return Ok(());
        }
        conn.receive(&buf[..n]);
    }
}

fn finish(conn: &Connection) -> Result<(), Box<dyn Error>> {
    if conn.is_failed() {
        Err("connection failed".into())
    } else {
        Ok(())
    }
}

/// Echoes every data message back; everything else is handled by the crate.
pub fn echo(conn: &mut Connection, event: Event) -> Result<(), rfc6455::Error> {
    match event {
        Event::Message(message) => Ok(conn.send(message)?),
        _ => Ok(()),
    }
}

/// Connects to a `ws://` URL and performs the opening handshake.
pub fn connect(
    request: ClientRequest,
    config: Config,
) -> Result<(TcpStream, Connection, Option<String>), Box<dyn Error>> {
    if request.is_secure() {
        return Err("wss:// needs TLS, which these std::net examples do not include".into());
    }
    let mut stream = TcpStream::connect((request.host(), request.port()))?;
    stream.set_nodelay(true)?;
    let (request_bytes, mut handshake) = request.start(config)?;
    stream.write_all(&request_bytes)?;
    let mut buf = vec![0; 16 * 1024];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err("server closed the connection during the handshake".into());
        }
        match handshake.receive(&buf[..n])? {
            None => continue,
            Some(Response::Accepted(accepted)) => {
                let protocol = accepted.protocol().map(str::to_owned);
                return Ok((stream, accepted.into_connection(), protocol));
            }
            Some(Response::Rejected(rejection)) => {
                return Err(format!(
                    "server refused the upgrade: {} {}",
                    rejection.status(),
                    rejection.reason()
                )
                .into());
            }
        }
    }
}

/// Serves every connection `listener` accepts on its own thread, logging how
/// each one ended badly.
pub fn serve_each(
    listener: TcpListener,
    serve: fn(TcpStream) -> Result<(), Box<dyn Error>>,
) -> io::Result<()> {
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

/// The Autobahn testees' limits, raised for the 9.x cases (up to 16 MiB
/// messages and frames).
pub fn autobahn_config() -> Config {
    let mut config = Config::default();
    config.max_frame_size = 64 << 20;
    config.max_message_size = 64 << 20;
    config
}
