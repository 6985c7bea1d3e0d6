//! End to end over loopback (127.0.0.1 only): this crate's echo server over
//! std::net against tungstenite's, under the same load generator.
//!
//! Both servers are thread-per-connection and blocking:
//! - rfc6455: the crate's handshake, then read up to 64 KiB, `receive`,
//!   answer every message with `send`, write the output with
//!   `Output::write_to` (vectored writes) once per read (as
//!   `examples/support` does);
//! - tungstenite: `tungstenite::accept`, then `read()` and `send()` for each
//!   message (its echo example).
//!
//! The load generator is a plain client written here, the same for both: N
//! connections (one thread each) send M masked messages of S bytes in
//! windows of W (one write per window), read the W echoes back, then close.
//! A batch is all N×M messages; the result is messages per second.
//! Counts and times are bounded; sockets time out after 10 s.

mod common;

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const CONNECTIONS: usize = 4;
const MESSAGES: usize = 2000;
const WINDOW: usize = 16;
const TIMEOUT: Duration = Duration::from_secs(10);

fn spawn_server(serve: fn(TcpStream) -> Result<(), Box<dyn std::error::Error>>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("address");
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            thread::spawn(move || {
                let _ = serve(stream);
            });
        }
    });
    addr
}

fn serve_ours(mut stream: TcpStream) -> Result<(), Box<dyn std::error::Error>> {
    use rfc6455::handshake::{Accept, ServerHandshake};
    use rfc6455::{Config, Event};
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    let mut handshake = ServerHandshake::new(Config::default());
    let mut buf = vec![0; 64 * 1024];
    let request = loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        if let Some(request) = handshake.receive(&buf[..n])? {
            break request;
        }
    };
    let (response, mut conn) = request.accept(Accept::default())?;
    stream.write_all(&response)?;
    loop {
        while let Some(event) = conn.next_event()? {
            if let Event::Message(message) = event {
                conn.send(message)?;
            }
        }
        conn.output().write_to(&mut stream)?;
        if conn.should_close_transport() {
            let _ = stream.shutdown(Shutdown::Both);
            return Ok(());
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        conn.receive(&buf[..n]);
    }
}

fn serve_tungstenite(stream: TcpStream) -> Result<(), Box<dyn std::error::Error>> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    let mut ws = tungstenite::accept(stream)?;
    loop {
        match ws.read() {
            Ok(message) if message.is_binary() || message.is_text() => ws.send(message)?,
            Ok(_) => {}
            Err(tungstenite::Error::ConnectionClosed) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
    }
}

/// One client connection: handshake, M echoes in windows of W, close.
fn client(addr: SocketAddr, window: &[u8], echo_len: usize) -> io::Result<()> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.write_all(common::kit::CLIENT_REQUEST.as_bytes())?;
    let mut head = Vec::new();
    let mut byte = [0; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte)?;
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "upgrade refused");
    let mut buf = vec![0; echo_len * WINDOW];
    for _ in 0..MESSAGES / WINDOW {
        stream.write_all(window)?;
        stream.read_exact(&mut buf)?;
    }
    // Close 1000, masked; then wait for the server's close and end of stream.
    stream.write_all(&[0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8])?;
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest)?;
    Ok(())
}

fn run_batch(addr: SocketAddr, window: &[u8], echo_len: usize) -> Duration {
    let start = Instant::now();
    thread::scope(|s| {
        let clients: Vec<_> = (0..CONNECTIONS)
            .map(|_| s.spawn(|| client(addr, window, echo_len)))
            .collect();
        for c in clients {
            c.join().expect("client thread").expect("client I/O");
        }
    });
    start.elapsed()
}

fn e2e(c: &mut Criterion) {
    let ours = spawn_server(serve_ours);
    let tung = spawn_server(serve_tungstenite);
    for size in [125, 16 << 10] {
        let payload = common::Rng(size as u64).bytes(size);
        let mut window = Vec::new();
        for i in 0..WINDOW {
            common::write_frame(
                &mut window,
                true,
                0x2,
                &payload,
                Some((i as u32 + 1).to_ne_bytes()),
            );
        }
        let mut echo = Vec::new();
        common::write_frame(&mut echo, true, 0x2, &payload, None);
        let echo_len = echo.len();

        let mut group = c.benchmark_group(format!(
            "e2e/echo_{CONNECTIONS}x{MESSAGES}x{}",
            common::size_name(size)
        ));
        group.throughput(Throughput::Elements((CONNECTIONS * MESSAGES) as u64));
        group.sample_size(10);
        for (name, addr) in [("rfc6455", ours), ("tungstenite", tung)] {
            group.bench_function(name, |b| {
                b.iter_custom(|iters| (0..iters).map(|_| run_batch(addr, &window, echo_len)).sum())
            });
        }
        group.finish();
    }
}

criterion_group!(benches, e2e);
criterion_main!(benches);
