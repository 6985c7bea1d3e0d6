//! How to drive a [`Connection`](crate::Connection) over a real transport:
//! the order of calls, partial writes, end of file, errors, when to close,
//! and time for the keepalive and close timers, with a complete blocking
//! driver. (This module holds only documentation.)
//!
//! # The contract
//!
//! The connection never blocks and never does I/O; whoever owns the
//! transport moves bytes and time in and out, in this order, again and again:
//!
//! 1. **Events first.** Call [`next_event`](crate::Connection::next_event) (or
//!    [`next_event_ref`](crate::Connection::next_event_ref)) until it returns `Ok(None)`,
//!    handling each event; the handshake may already have handed the
//!    connection frames that came with it, so do this before the first read
//!    too.
//! 2. **Time.** If any timer is configured, call
//!    [`handle_timeout`](crate::Connection::handle_timeout) with the current time (it may
//!    queue a keepalive ping, or end a wait that ran out).
//! 3. **Write the output.** [`output`](crate::Connection::output) is a [`bytes::Buf`]:
//!    write its chunks (vectored if you like), [`advance`](bytes::Buf::advance)
//!    by what the transport took, and keep going until it is empty or the
//!    transport would block (then wait until it is writable). With `std`,
//!    [`Output`](crate::Output)'s `write_to` does all of that for a `std::io::Write`.
//!    Automatic pongs and close replies are queued here too, so write even
//!    when the application only reads.
//! 4. **Close the transport when told.** Once
//!    [`should_close_transport`](crate::Connection::should_close_transport) is true, close
//!    it (and drop the connection). The server closes first after a clean
//!    close; a client waits for the server's end of file (RFC 6455 section
//!    7.1.1), bounded by `Config::close_timeout`. Either end closes at once
//!    after a failure, once the failure's close frame is written.
//!    Otherwise wait for input, for writability if output is waiting, or
//!    until the deadline from [`poll_timeout`](crate::Connection::poll_timeout),
//!    whichever comes first.
//! 5. **Read.** Pass what the transport read to [`receive`](crate::Connection::receive).
//!    A read of zero bytes (end of file) goes to
//!    [`receive_eof`](crate::Connection::receive_eof): before the close handshake is over
//!    that is [`ConnectionError::UnexpectedEof`](crate::ConnectionError::UnexpectedEof)
//!    (1006). A read error (a reset) goes to
//!    [`receive_reset`](crate::Connection::receive_reset), which says
//!    whether anything was lost: after a clean close, nothing was.
//!
//! On an error from `next_event`, `receive_eof` or `handle_timeout`, the
//! connection has already queued the close frame the error calls for (if
//! any) and reads no further: write the output, then close the transport.
//! Those errors are [`ConnectionError`](crate::ConnectionError)s. A send,
//! ping, pong or close that is refused returns a
//! [`Refused`](crate::Refused) (or a [`SendError`](crate::SendError) that
//! gives the message back): nothing was queued and the connection is as it
//! was.
//!
//! A complete blocking driver over `std::net`, using nothing but this API:
//!
//! ```
//! use std::io::{self, Read, Write};
//! use std::net::{TcpListener, TcpStream};
//! use std::time::Instant;
//! use rfc6455::handshake::{Accept, ClientRequest, Response, ServerHandshake};
//! use rfc6455::{Config, Connection, ConnectionError, Event, Message, Timestamp};
//!
//! /// Runs `conn` over `stream` until it is over, calling `on_event` for
//! /// every event (it may queue replies).
//! fn drive(
//!     stream: &mut TcpStream,
//!     conn: &mut Connection,
//!     mut on_event: impl FnMut(&mut Connection, Event),
//! ) -> Result<(), ConnectionError> {
//!     let start = Instant::now();
//!     let now = || Timestamp::from_duration(start.elapsed());
//!     let mut buf = vec![0; 16 * 1024];
//!     let mut result = Ok(());
//!     loop {
//!         // 1. Events (the handshake may have left frames behind).
//!         loop {
//!             match conn.next_event() {
//!                 Ok(Some(event)) => on_event(conn, event),
//!                 Ok(None) => break,
//!                 Err(error) => { result = Err(error); break; }
//!             }
//!         }
//!         // 2. Time: it may queue a keepalive ping or end a wait.
//!         if let Err(error) = conn.handle_timeout(now()) {
//!             result = Err(error); // its close frame (if any) is queued
//!         }
//!         // 3. Output, including automatic pongs and close replies.
//!         if conn.output().write_to(stream).is_err() {
//!             return result; // the peer is gone; nothing more can be sent
//!         }
//!         // 4. The transport, when the connection says so; else wait for
//!         // input at most until the next deadline.
//!         if conn.should_close_transport() {
//!             let _ = stream.shutdown(std::net::Shutdown::Both);
//!             return result;
//!         }
//!         let wait = conn.poll_timeout().map(|deadline| {
//!             deadline.saturating_duration_since(now()).max(std::time::Duration::from_millis(1))
//!         });
//!         stream.set_read_timeout(wait).expect("a non-zero timeout");
//!         // 5. Read.
//!         match stream.read(&mut buf) {
//!             Ok(0) => if let Err(error) = conn.receive_eof() { result = Err(error) },
//!             Ok(n) => conn.receive(&buf[..n]),
//!             Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
//!             // The core says whether a reset lost anything.
//!             Err(_) => return result.and(conn.receive_reset()),
//!         }
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // An echo server on a loopback port, and a client that sends one message.
//! let listener = TcpListener::bind("127.0.0.1:0")?;
//! let url = format!("ws://{}/echo", listener.local_addr()?);
//! let server = std::thread::spawn(move || -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//!     let (mut stream, _) = listener.accept()?;
//!     let mut handshake = ServerHandshake::new(Config::default());
//!     let mut buf = [0; 4096];
//!     let request = loop {
//!         let n = stream.read(&mut buf)?;
//!         if let Some(request) = handshake.receive(&buf[..n])? { break request; }
//!     };
//!     let (response, mut conn) = request.accept(Accept::default())?;
//!     stream.write_all(&response)?;
//!     drive(&mut stream, &mut conn, |conn, event| {
//!         if let Event::Message(message) = event { let _ = conn.send(message); }
//!     })?;
//!     Ok(())
//! });
//!
//! let mut stream = TcpStream::connect(listener_addr(&url))?;
//! let (request, mut handshake) = ClientRequest::new(&url)?.start(Config::default())?;
//! stream.write_all(&request)?;
//! let mut buf = [0; 4096];
//! let mut conn = loop {
//!     let n = stream.read(&mut buf)?;
//!     match handshake.receive(&buf[..n])? {
//!         Some(Response::Accepted(accepted)) => break accepted.into_connection(),
//!         Some(Response::Rejected(rejection)) => panic!("refused: {}", rejection.status()),
//!         None => {}
//!     }
//! };
//! conn.send(Message::from("Hello"))?;
//! let mut echoed = None;
//! drive(&mut stream, &mut conn, |conn, event| {
//!     if let Event::Message(message) = event {
//!         echoed = Some(message);
//!         conn.close(None).unwrap();
//!     }
//! })?;
//! assert_eq!(echoed, Some(Message::from("Hello")));
//! server.join().unwrap().unwrap();
//! # Ok(())
//! # }
//! # fn listener_addr(url: &str) -> &str { url.trim_start_matches("ws://").trim_end_matches("/echo") }
//! ```
