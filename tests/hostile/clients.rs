//! Hostile servers against both clients: one that never answers the
//! upgrade, one that goes silent after its 101, one that never closes after
//! the close handshake (and one that never answers the close), a deflate
//! bomb, and a response head that never ends.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use rfc6455::frame::Opcode;
use rfc6455::handshake::{Accept, HandshakeError, ResponseError, ServerHandshake};
use rfc6455::layer::{self, ClientOptions};
use rfc6455::{Config, ConnectionError, Message};

use crate::support::*;

/// What the attacked client does once connected.
#[derive(Debug, Clone, Copy)]
enum Then {
    /// Nothing: the handshake is the attack.
    Connect,
    /// Reads one message.
    Read,
    /// Closes.
    Close,
}

/// How the attacked client's call ended and how long it took.
struct Run {
    result: Result<Option<Message>, layer::Error>,
    took: Duration,
    /// The control client's echo (on the same layer, at the same time).
    control: Duration,
}

/// Runs the attacked client on `layer` while a control client of the same
/// layer gets its echo from a well-behaved server.
fn run_client(layer: Layer, options: ClientOptions, then: Then) -> Run {
    let control_server = Server::start(layer, Setup::new(timers(5_000), Duration::from_secs(5)));
    let url = control_server.url();
    match layer {
        Layer::Blocking => {
            let (tx, rx) = mpsc::channel();
            thread::spawn(move || {
                let started = Instant::now();
                let result = blocking_client(options, then);
                let _ = tx.send((result, started.elapsed()));
            });
            let control = control_echo(&url);
            let (result, took) = rx
                .recv_timeout(Duration::from_secs(20))
                .expect("the attacked client hung");
            Run {
                result,
                took,
                control,
            }
        }
        #[cfg(feature = "tokio")]
        Layer::Tokio => tokio_clients::run(options, then, &url),
    }
}

fn blocking_client(options: ClientOptions, then: Then) -> Result<Option<Message>, layer::Error> {
    let (mut ws, _) = rfc6455::blocking::connect_with(options)?;
    match then {
        Then::Connect => Ok(None),
        Then::Read => ws.read(),
        Then::Close => ws.close().map(|()| None),
    }
}

#[cfg(feature = "tokio")]
mod tokio_clients {
    use super::*;

    /// The attacked client in a task, the control client beside it on the
    /// same current-thread runtime.
    pub(super) fn run(options: ClientOptions, then: Then, control_url: &str) -> Run {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let control_url = control_url.to_string();
        runtime.block_on(async move {
            let attacked = tokio::spawn(async move {
                let started = Instant::now();
                (client(options, then).await, started.elapsed())
            });
            let started = Instant::now();
            let options = ClientOptions::new(&control_url).config(timers(5_000));
            let (mut ws, _) = rfc6455::tokio::connect_with(options).await.unwrap();
            ws.send(Message::from("control")).await.unwrap();
            let echo = ws.next().await.transpose().unwrap();
            assert_eq!(echo, Some(Message::from("control")));
            ws.close().await.unwrap();
            let control = started.elapsed();
            let (result, took) = tokio::time::timeout(Duration::from_secs(20), attacked)
                .await
                .expect("the attacked client hung")
                .unwrap();
            Run {
                result,
                took,
                control,
            }
        })
    }

    async fn client(options: ClientOptions, then: Then) -> Result<Option<Message>, layer::Error> {
        let (mut ws, _) = rfc6455::tokio::connect_with(options).await?;
        match then {
            Then::Connect => Ok(None),
            Then::Read => ws.next().await.transpose(),
            Then::Close => ws.close().await.map(|()| None),
        }
    }
}

/// A server on 127.0.0.1 for one connection: `behave` gets the accepted
/// socket (with a 10 s read timeout) and returns what it saw.
fn hostile_server<T: Send + 'static>(
    behave: impl FnOnce(TcpStream) -> T + Send + 'static,
) -> (String, thread::JoinHandle<T>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/echo", listener.local_addr().unwrap());
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        behave(stream)
    });
    (url, handle)
}

/// Reads the client's request and answers it with a 101 (negotiating
/// what `config` allows): a raw peer positioned after the handshake.
fn answer_upgrade(stream: TcpStream, config: Config) -> Peer {
    let mut stream = stream;
    let mut handshake = ServerHandshake::new(config);
    let mut buf = [0; 4096];
    let request = loop {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "the client left during its request");
        if let Some(request) = handshake.receive(&buf[..n]).unwrap() {
            break request;
        }
    };
    let (response, _) = request.accept(Accept::default()).unwrap();
    stream.write_all(&response).unwrap();
    Peer::from_stream(stream)
}

/// Whether the client closed the transport (read until the end).
fn client_left(stream: &mut TcpStream) -> bool {
    let mut buf = [0; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) => return e.kind() == std::io::ErrorKind::ConnectionReset,
        }
    }
}

fn a_server_that_never_answers_hits_the_open_timeout(layer: Layer) {
    let open_timeout = Duration::from_millis(300);
    let (url, server) = hostile_server(|mut stream| {
        let mut buf = [0; 4096];
        let n = stream.read(&mut buf).unwrap();
        assert!(buf[..n].starts_with(b"GET /echo HTTP/1.1"));
        // And never a byte back.
        client_left(&mut stream)
    });
    let meter = Meter::start();
    let options = ClientOptions::new(&url).open_timeout(Some(open_timeout));
    let run = run_client(layer, options, Then::Connect);
    let peak = meter.peak();
    println!(
        "hostile: server never answers, {layer:?} client: {:?} after {:?}, control echo in {:?}, \
         heap peak {peak} B",
        run.result.as_ref().err(),
        run.took,
        run.control
    );
    assert!(
        matches!(run.result, Err(layer::Error::OpenTimeout)),
        "{:?}",
        run.result
    );
    assert!(run.took >= open_timeout && run.took < open_timeout + Duration::from_secs(1));
    assert!(
        server.join().unwrap(),
        "the client never closed the transport"
    );
    assert!(peak < MIB, "heap peak {peak} B");
}

on_both_clients!(
    /// TCP accepted, the request read, nothing sent back.
    a_server_that_accepts_tcp_and_never_answers_fails_with_open_timeout,
    30,
    a_server_that_never_answers_hits_the_open_timeout
);

fn a_silent_server_fails_the_keepalive(layer: Layer) {
    let (url, server) = hostile_server(|stream| {
        let mut peer = answer_upgrade(stream, Config::default());
        let ping = peer.read_until(Opcode::Ping);
        (ping.map(|p| p.len()), peer.close_code(), peer.sees_end())
    });
    let meter = Meter::start();
    let options = ClientOptions::new(&url).config(timers(200));
    let run = run_client(layer, options, Then::Read);
    let peak = meter.peak();
    let (ping, code, ended) = server.join().unwrap();
    println!(
        "hostile: silent server, {layer:?} client: {:?} after {:?}, control echo in {:?}, \
         heap peak {peak} B",
        run.result.as_ref().err(),
        run.took,
        run.control
    );
    assert!(
        matches!(
            run.result,
            Err(layer::Error::Connection(ConnectionError::KeepaliveTimeout))
        ),
        "{:?}",
        run.result
    );
    assert_eq!(ping, Some(8), "a keepalive ping with a nonce");
    assert_eq!(code, Some(1011));
    assert!(ended, "the client kept the transport open");
    assert!(run.took >= Duration::from_millis(400), "{:?}", run.took);
    assert!(peak < MIB, "heap peak {peak} B");
}

on_both_clients!(
    /// 101, then not a byte: the unanswered ping fails it with 1011.
    a_server_silent_after_101_fails_the_keepalive_with_1011,
    30,
    a_silent_server_fails_the_keepalive
);

fn a_server_that_never_closes_tcp_is_left_after_the_close_timeout(layer: Layer) {
    let (url, server) = hostile_server(|stream| {
        let mut peer = answer_upgrade(stream, Config::default());
        let code = peer.read_until(Opcode::Close).map(|p| p.len());
        peer.send(&common_server_close(1000)).unwrap();
        // And never closes the transport.
        (code, peer.sees_end())
    });
    let close_timeout = Duration::from_millis(300);
    let meter = Meter::start();
    let options = ClientOptions::new(&url).config(timers(300));
    let run = run_client(layer, options, Then::Close);
    let peak = meter.peak();
    let (code, ended) = server.join().unwrap();
    println!(
        "hostile: server never closes TCP, {layer:?} client: {:?} after {:?}, control echo in \
         {:?}, heap peak {peak} B",
        run.result, run.took, run.control
    );
    // The close handshake itself was complete: a clean close.
    assert!(matches!(run.result, Ok(None)), "{:?}", run.result);
    assert_eq!(code, Some(0), "the client's close frame, without a code");
    assert!(ended, "the client kept the transport open");
    assert!(
        run.took >= close_timeout - Duration::from_millis(50),
        "{:?}",
        run.took
    );
    assert!(
        run.took < close_timeout + Duration::from_secs(2),
        "{:?}",
        run.took
    );
    assert!(peak < MIB, "heap peak {peak} B");
}

on_both_clients!(
    /// The close frames exchanged, the TCP close never comes.
    a_server_that_never_closes_after_the_close_handshake_is_left_at_the_close_timeout,
    30,
    a_server_that_never_closes_tcp_is_left_after_the_close_timeout
);

fn a_server_that_never_answers_the_close_times_out(layer: Layer) {
    let (url, server) = hostile_server(|stream| {
        let mut peer = answer_upgrade(stream, Config::default());
        let code = peer.read_until(Opcode::Close).map(|p| p.len());
        // No reply.
        (code, peer.sees_end())
    });
    let meter = Meter::start();
    let options = ClientOptions::new(&url).config(timers(300));
    let run = run_client(layer, options, Then::Close);
    let peak = meter.peak();
    let (code, ended) = server.join().unwrap();
    println!(
        "hostile: server never answers the close, {layer:?} client: {:?} after {:?}, control \
         echo in {:?}, heap peak {peak} B",
        run.result, run.took, run.control
    );
    assert!(
        matches!(
            run.result,
            Err(layer::Error::Connection(ConnectionError::CloseTimeout))
        ),
        "{:?}",
        run.result
    );
    assert_eq!(code, Some(0));
    assert!(ended, "the client kept the transport open");
    assert!(run.took < Duration::from_secs(3), "{:?}", run.took);
    assert!(peak < MIB, "heap peak {peak} B");
}

on_both_clients!(
    /// No close frame back: `ConnectionError::CloseTimeout`.
    a_server_that_never_answers_the_close_fails_with_close_timeout,
    30,
    a_server_that_never_answers_the_close_times_out
);

fn common_server_close(code: u16) -> Vec<u8> {
    crate::common::server_frame(true, Opcode::Close, &code.to_be_bytes())
}

fn an_endless_response_head_hits_the_handshake_limit(layer: Layer) {
    let cap = 64 * MIB;
    let (url, server) = hostile_server(move |mut stream| {
        let mut buf = [0; 4096];
        let _ = stream.read(&mut buf).unwrap();
        let mut sent = 0;
        let line = format!("X-Filler: {}\r\n", "a".repeat(1000));
        if stream
            .write_all(b"HTTP/1.1 101 Switching Protocols\r\n")
            .is_err()
        {
            return (sent, true);
        }
        while sent < cap {
            if stream.write_all(line.as_bytes()).is_err() {
                return (sent, true);
            }
            sent += line.len();
        }
        (sent, false)
    });
    let meter = Meter::start();
    let options = ClientOptions::new(&url).config(timers(5_000));
    let run = run_client(layer, options, Then::Connect);
    let peak = meter.peak();
    let (sent, stopped) = server.join().unwrap();
    println!(
        "hostile: endless response head, {layer:?} client: {:?} after {:?} ({} KiB sent), \
         control echo in {:?}, heap peak {peak} B",
        run.result.as_ref().err(),
        run.took,
        sent / KIB,
        run.control
    );
    assert!(
        matches!(
            run.result,
            Err(layer::Error::Handshake(HandshakeError::Response(
                ResponseError::TooLarge
            )))
        ),
        "{:?}",
        run.result
    );
    assert!(stopped, "the client read all {sent} bytes");
    // The 64 KiB handshake limit and a read buffer.
    assert!(peak < MIB, "heap peak {peak} B");
}

on_both_clients!(
    /// A 101 status line, then header lines forever.
    an_endless_response_head_fails_with_handshake_too_large,
    30,
    an_endless_response_head_hits_the_handshake_limit
);

/// Raw DEFLATE (as permessage-deflate sends it: a sync flush, its
/// `00 00 ff ff` tail taken off) of `inflated` zero bytes.
#[cfg(feature = "deflate")]
fn deflate_bomb(inflated: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut compress = Compress::new(Compression::best(), false);
    let zeros = vec![0; MIB];
    let mut out = Vec::with_capacity(inflated / 1000 + MIB);
    while (compress.total_in() as usize) < inflated {
        if out.capacity() - out.len() < 64 * KIB {
            out.reserve(MIB);
        }
        let left = inflated - compress.total_in() as usize;
        let input = &zeros[..left.min(zeros.len())];
        compress
            .compress_vec(input, &mut out, FlushCompress::None)
            .unwrap();
    }
    for _ in 0..1_000 {
        if out.ends_with(&[0, 0, 0xff, 0xff]) {
            out.truncate(out.len() - 4);
            return out;
        }
        out.reserve(64 * KIB);
        compress
            .compress_vec(&[], &mut out, FlushCompress::Sync)
            .unwrap();
    }
    panic!("the sync flush never ended");
}

#[cfg(feature = "deflate")]
fn a_deflate_bomb_is_bounded_by_max_message_size(layer: Layer) {
    use std::sync::Arc;
    const LIMIT: usize = 16 * MIB;
    let inflated = scaled(256 * MIB, 1 << 30);
    let bomb = Arc::new(deflate_bomb(inflated));
    let compressed = bomb.len();
    let frame_bomb = bomb.clone();
    let (url, server) = hostile_server(move |stream| {
        let mut peer = answer_upgrade(stream, Config::default());
        let frame = crate::common::frame(true, 0x4, Opcode::Binary, None, &frame_bomb);
        let _ = peer.send(&frame);
        (peer.close_code(), peer.sees_end())
    });
    let meter = Meter::start();
    let mut config = timers(5_000);
    config.max_message_size = LIMIT;
    let options = ClientOptions::new(&url).config(config);
    let run = run_client(layer, options, Then::Read);
    let peak = meter.peak();
    let (code, ended) = server.join().unwrap();
    println!(
        "hostile: deflate bomb ({} MiB inflated, {} KiB compressed), {layer:?} client: {:?} \
         after {:?}, control echo in {:?}, heap peak {peak} B ({} MiB)",
        inflated / MIB,
        compressed / KIB,
        run.result.as_ref().err(),
        run.took,
        run.control,
        peak / MIB
    );
    assert!(
        matches!(
            run.result,
            Err(layer::Error::Connection(ConnectionError::Protocol(
                rfc6455::ProtocolError::MessageTooLarge
            )))
        ),
        "{:?}",
        run.result
    );
    assert_eq!(code, Some(1009));
    assert!(ended, "the client kept the transport open");
    // The message up to the limit (a buffer that may have doubled once),
    // the compressed frame in the read buffer and its frame copy.
    let bound = 2 * LIMIT + 3 * compressed + MIB;
    assert!(peak < bound, "heap peak {peak} B, bound {bound} B");
}

#[cfg(feature = "deflate")]
on_both_clients!(
    /// 256 MiB (full: 1 GiB) of zeros in one compressed message; the
    /// limit is 16 MiB.
    a_deflate_bomb_fails_with_1009_having_inflated_at_most_the_limit,
    60,
    a_deflate_bomb_is_bounded_by_max_message_size
);

/// Runs one case against each layer's client.
macro_rules! on_both_clients {
    ($(#[$doc:meta])* $name:ident, $limit:expr, $body:path) => {
        $crate::support::on_both_servers!($(#[$doc])* $name, $limit, $body);
    };
}
use on_both_clients;
