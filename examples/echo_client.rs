//! A line-oriented client over std::net.
//!
//! `cargo run --example echo_client URL [--protocol P]...` connects, sends each
//! line of standard input as a text message, prints each message received on
//! its own line, and closes with 1000 at the end of input (after waiting up
//! to 10 s for the echoes of what it sent). Exits 0 after a
//! clean close, non-zero with a message otherwise.
//!
//! Three threads: one reads standard input, one reads the socket (sharing
//! the connection behind a mutex, never held while blocked on a read), and
//! the main thread, which sends lines and decides when it is over.

mod support;

use std::error::Error;
use std::io::{self, BufRead, Read};
use std::net::{Shutdown, TcpStream};
use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use rfc6455::handshake::ClientRequest;
use rfc6455::{CloseCode, CloseFrame, Config, Connection, Event, Message};

/// How long to wait for the server's close frame and end of TCP after ours.
const CLOSE_WAIT: Duration = Duration::from_secs(10);

type SocketResult = Result<(), Box<dyn Error + Send + Sync>>;

/// What the main thread waits for.
enum Input {
    Line(io::Result<String>),
    StdinEnded,
    /// A message arrived (and was printed).
    Received,
    TimedOut,
    SocketDone(SocketResult),
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("echo_client: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn Error + Send + Sync>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or("usage: echo_client URL [--protocol P]...")?;
    let mut request = ClientRequest::new(&url)?;
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--protocol", Some(protocol)) => request = request.protocol(&protocol),
            _ => return Err(format!("unexpected argument {arg}").into()),
        }
    }
    let (mut stream, conn, protocol) =
        support::connect(request, Config::default()).map_err(|e| e.to_string())?;
    if let Some(protocol) = protocol {
        eprintln!("subprotocol: {protocol}");
    }
    let conn = Arc::new(Mutex::new(conn));
    let (tx, rx) = mpsc::channel();
    {
        let (socket, conn, tx) = (stream.try_clone()?, Arc::clone(&conn), tx.clone());
        thread::spawn(move || {
            let result = read_socket(socket, &conn, &tx);
            let _ = tx.send(Input::SocketDone(result));
        });
    }
    thread::spawn(move || read_stdin(&tx));

    // Data arriving after our close frame is discarded (the peer's close is
    // what we wait for then), so at the end of input this echo client first
    // waits, bounded, for the echoes of what it sent.
    let (mut sent, mut echoed, mut input_ended) = (0usize, 0usize, false);
    let mut deadline: Option<Instant> = None;
    loop {
        let input = match deadline {
            None => rx.recv().map_err(|_| "input threads ended")?,
            Some(at) => match rx.recv_timeout(at.saturating_duration_since(Instant::now())) {
                Ok(input) => input,
                Err(RecvTimeoutError::Timeout) => Input::TimedOut,
                Err(RecvTimeoutError::Disconnected) => return Err("input threads ended".into()),
            },
        };
        let mut conn = conn.lock().map_err(|_| "socket thread panicked")?;
        match input {
            Input::Line(line) if !conn.is_closing() => {
                conn.send(Message::from(line?))?;
                sent += 1;
            }
            Input::Line(_) => {}
            Input::Received => echoed += 1,
            Input::StdinEnded => {
                input_ended = true;
                deadline = Some(Instant::now() + CLOSE_WAIT);
            }
            Input::TimedOut if conn.is_closing() => {
                let _ = stream.shutdown(Shutdown::Both);
                return Err("server did not finish the close handshake".into());
            }
            // The echoes did not all come: close anyway.
            Input::TimedOut => echoed = sent,
            Input::SocketDone(result) => return result,
        }
        if input_ended && echoed >= sent && !conn.is_closing() {
            conn.close(Some(CloseFrame::new(CloseCode::NORMAL, "")))?;
            deadline = Some(Instant::now() + CLOSE_WAIT);
        }
        support::flush(&mut stream, &mut conn)?;
    }
}

fn read_stdin(tx: &Sender<Input>) {
    for line in io::stdin().lock().lines() {
        if tx.send(Input::Line(line)).is_err() {
            return;
        }
    }
    let _ = tx.send(Input::StdinEnded);
}

/// Reads the socket until the server closes it, printing each message.
fn read_socket(
    mut stream: TcpStream,
    conn: &Mutex<Connection>,
    tx: &Sender<Input>,
) -> SocketResult {
    let mut buf = vec![0; 64 * 1024];
    loop {
        {
            // Events first: the handshake may have left frames in the connection.
            let mut conn = conn.lock().map_err(|_| "main thread panicked")?;
            while let Some(event) = conn.next_event()? {
                match event {
                    Event::Message(message) => {
                        match message {
                            Message::Text(text) => println!("{text}"),
                            Message::Binary(bytes) => println!("<{} binary bytes>", bytes.len()),
                        }
                        let _ = tx.send(Input::Received);
                    }
                    Event::Close(frame) => {
                        if let Some(frame) = frame.filter(|f| f.code != CloseCode::NORMAL) {
                            eprintln!("server closed with {} {}", frame.code, frame.reason);
                        }
                    }
                    _ => {}
                }
            }
            support::flush(&mut stream, &mut conn)?;
            if conn.should_close_transport() {
                let _ = stream.shutdown(Shutdown::Both);
                return if conn.is_failed() {
                    Err("connection failed".into())
                } else {
                    Ok(())
                };
            }
        }
        let n = match stream.read(&mut buf) {
            Ok(n) => n,
            Err(_) if conn.lock().is_ok_and(|c| c.is_closed() && !c.is_failed()) => return Ok(()),
            Err(error) => return Err(error.into()),
        };
        let mut conn = conn.lock().map_err(|_| "main thread panicked")?;
        if n == 0 {
            return conn.receive_eof().map_err(Into::into);
        }
        conn.receive(&buf[..n]);
    }
}
