//! What every case shares: the counting allocator and the process's RSS,
//! one lock that runs the cases one at a time, the scale, a bound in time,
//! echo servers on both layers that report how each connection ended, a
//! control client, and a raw peer that speaks frames by hand.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rfc6455::frame::{Decoded, Header, Opcode};
use rfc6455::layer::{self, Answer, ClientOptions, ServerOptions, Upgrade};
use rfc6455::{CloseFrame, Config, Message};

use crate::common;

// Memory: a counting allocator.

/// The system allocator, counting the bytes live now and the peak since
/// the last [`Meter::start`].
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(size: usize) {
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

fn shrank(size: usize) {
    LIVE.fetch_sub(size, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` with the caller's own
// arguments, so `System`'s guarantees are the caller's; the counters are
// plain atomics and never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract for `layout`.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (every
        // allocation of this program goes through this wrapper).
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`, and the caller upholds `realloc`'s
        // contract for `new_size`.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            shrank(layout.size());
            grew(new_size);
        }
        new
    }
}

/// Heap bytes allocated since a start, now and at the peak.
pub struct Meter {
    base: usize,
}

impl Meter {
    /// Starts measuring from the bytes live now.
    pub fn start() -> Meter {
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        Meter { base }
    }

    /// The most bytes live at once since the start, above the start.
    pub fn peak(&self) -> usize {
        PEAK.load(Ordering::Relaxed).saturating_sub(self.base)
    }

    /// Bytes live now above the start (negative if some were freed).
    pub fn now(&self) -> isize {
        LIVE.load(Ordering::Relaxed) as isize - self.base as isize
    }
}

/// The process's resident set, in KiB (`VmRSS` in /proc/self/status).
pub fn rss_kib() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line")
}

pub const KIB: usize = 1 << 10;
pub const MIB: usize = 1 << 20;

// Running the cases.

/// Raises the soft file limit to the hard one; the hard limit.
pub fn raise_file_limit() -> u64 {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    let hard = limit.maximum.unwrap_or(u64::MAX);
    limit.current = limit.maximum;
    setrlimit(Resource::Nofile, limit).expect("raising the soft file limit");
    hard
}

/// One case at a time: the allocator's counters are the process's, so a
/// case measures only what it does itself.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether the full counts run (`RFC6455_HOSTILE_FULL=1`).
pub fn full() -> bool {
    std::env::var("RFC6455_HOSTILE_FULL").is_ok_and(|v| v == "1")
}

/// `ci` by default, `full` under `RFC6455_HOSTILE_FULL=1`.
pub fn scaled(ci: usize, full_count: usize) -> usize {
    if full() { full_count } else { ci }
}

/// Runs one case alone (under [`serial`]) on a thread of its own, and fails
/// it if it runs past `limit` instead of letting it hang.
pub fn case(limit: Duration, body: impl FnOnce() + Send + 'static) {
    let _alone = serial();
    let (done_tx, done_rx) = mpsc::channel();
    let worker = thread::spawn(move || {
        body();
        let _ = done_tx.send(());
    });
    match done_rx.recv_timeout(limit) {
        Ok(()) => worker.join().expect("the case finished"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The body panicked: report its panic.
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("the case hung past {limit:?}"),
    }
}

/// Polls `check` every 10 ms until it holds; fails after `limit`.
pub fn eventually(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        thread::sleep(Duration::from_millis(10));
    }
}

// The servers under attack.

/// The layer a server or client runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Blocking,
    #[cfg(feature = "tokio")]
    Tokio,
}

/// How one connection at the server ended.
#[derive(Debug)]
pub enum Ended {
    /// The opening handshake failed.
    Handshake(layer::Error),
    /// After a clean close handshake; the peer's close frame.
    Clean(Option<CloseFrame>),
    /// The connection failed with this error.
    Failed(layer::Error),
    /// The application gave up on a send that waited longer than its send
    /// timeout (tokio), with this much output queued.
    #[cfg(feature = "tokio")]
    SendStalled { queued: usize },
}

/// What a server tells about one connection once it is over.
#[derive(Debug)]
pub struct Report {
    pub peer: SocketAddr,
    pub ended: Ended,
    /// Messages echoed.
    pub echoed: usize,
    /// From the accept to the end.
    pub lasted: Duration,
}

/// How the application around the layer's server behaves.
#[derive(Debug, Clone)]
pub struct Setup {
    pub options: ServerOptions,
    /// Give up on a send that waits longer: tokio, a timeout around
    /// `send`; blocking, the layer's write timeout
    /// (`ServerOptions::write_timeout`).
    pub send_timeout: Option<Duration>,
    /// The accepted sockets' `SO_SNDBUF` (small: the kernel then holds
    /// little of what a peer does not read, and the layer's own bounds
    /// show).
    pub send_buffer: Option<usize>,
}

impl Setup {
    /// The layers' defaults, with `config` and an open timeout.
    pub fn new(config: Config, open_timeout: Duration) -> Setup {
        Setup {
            options: ServerOptions::default()
                .config(config)
                .open_timeout(Some(open_timeout)),
            send_timeout: None,
            send_buffer: None,
        }
    }
}

/// The layer's timers with every timeout at `ms`.
pub fn timers(ms: u64) -> Config {
    let mut config = rfc6455::Config::default();
    let t = Some(Duration::from_millis(ms));
    config.ping_interval = t;
    config.ping_timeout = t;
    config.close_timeout = t;
    config
}

/// An echo server on 127.0.0.1 on one of the layers, reporting how each
/// connection ended. Stops accepting when dropped.
pub struct Server {
    pub addr: SocketAddr,
    pub layer: Layer,
    reports: mpsc::Receiver<Report>,
    seen: Vec<Report>,
    stop: Arc<AtomicBool>,
    accepting: Option<thread::JoinHandle<()>>,
    /// Connections whose handshake is done and that are open now.
    pub open: Arc<AtomicUsize>,
}

impl Server {
    pub fn start(layer: Layer, setup: Setup) -> Server {
        let listener = listen_with_a_deep_backlog();
        let addr = listener.local_addr().unwrap();
        let (tx, reports) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let open = Arc::new(AtomicUsize::new(0));
        let accepting = match layer {
            Layer::Blocking => {
                let (stop, open) = (stop.clone(), open.clone());
                thread::spawn(move || blocking_server(listener, setup, tx, stop, open))
            }
            #[cfg(feature = "tokio")]
            Layer::Tokio => {
                let (stop, open) = (stop.clone(), open.clone());
                thread::spawn(move || crate::tokio_support::server(listener, setup, tx, stop, open))
            }
        };
        Server {
            addr,
            layer,
            reports,
            seen: Vec::new(),
            stop,
            accepting: Some(accepting),
            open,
        }
    }

    pub fn url(&self) -> String {
        format!("ws://{}/echo", self.addr)
    }

    /// The report on the connection from `peer`, waiting up to `limit`.
    pub fn report_for(&mut self, peer: SocketAddr, limit: Duration) -> Report {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(at) = self.seen.iter().position(|r| r.peer == peer) {
                return self.seen.swap_remove(at);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.reports.recv_timeout(left) {
                Ok(report) => self.seen.push(report),
                Err(_) => panic!("{:?}: no report on {peer} within {limit:?}", self.layer),
            }
        }
    }

    /// The reports on every connection from `peers`, waiting up to `limit`
    /// in all.
    pub fn reports_for(&mut self, peers: &[SocketAddr], limit: Duration) -> Vec<Report> {
        let deadline = Instant::now() + limit;
        peers
            .iter()
            .map(|&peer| {
                let left = deadline.saturating_duration_since(Instant::now());
                self.report_for(peer, left.max(Duration::from_millis(1)))
            })
            .collect()
    }
}

/// A listener on 127.0.0.1 whose accept queue holds 4,096 connections (std
/// asks for 128): connecting a thousand at once then drops no SYN, which
/// would cost a second of retransmission each.
fn listen_with_a_deep_backlog() -> TcpListener {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    socket.bind(&addr.into()).unwrap();
    socket.listen(4096).unwrap();
    socket.into()
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
        if let Some(accepting) = self.accepting.take() {
            let _ = accepting.join();
        }
    }
}

/// One thread per connection, as a blocking server does; small stacks, so
/// that thousands fit.
fn blocking_server(
    listener: TcpListener,
    setup: Setup,
    tx: mpsc::Sender<Report>,
    stop: Arc<AtomicBool>,
    open: Arc<AtomicUsize>,
) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let (setup, tx, open) = (setup.clone(), tx.clone(), open.clone());
        let spawned = thread::Builder::new().stack_size(256 * KIB).spawn(move || {
            let started = Instant::now();
            let peer = stream.peer_addr().unwrap();
            if let Some(size) = setup.send_buffer {
                socket2::SockRef::from(&stream)
                    .set_send_buffer_size(size)
                    .unwrap();
            }
            let (ended, echoed) = blocking_echo(stream, &setup, &open);
            let _ = tx.send(Report {
                peer,
                ended,
                echoed,
                lasted: started.elapsed(),
            });
        });
        spawned.expect("a thread for the connection");
    }
}

/// The setup's options, with its send timeout as the write timeout.
fn blocking_options(setup: &Setup) -> ServerOptions {
    match setup.send_timeout {
        Some(timeout) => setup.options.clone().write_timeout(Some(timeout)),
        None => setup.options.clone(),
    }
}

fn blocking_echo(stream: TcpStream, setup: &Setup, open: &AtomicUsize) -> (Ended, usize) {
    let upgrade =
        rfc6455::blocking::accept_with(stream, blocking_options(setup), |_| Answer::accept());
    let mut ws = match upgrade {
        Ok(Upgrade::WebSocket(ws)) => ws,
        Ok(other) => panic!("not an upgrade: {other:?}"),
        Err(error) => return (Ended::Handshake(error), 0),
    };
    open.fetch_add(1, Ordering::SeqCst);
    let mut echoed = 0;
    let ended = loop {
        match ws.read() {
            Ok(Some(message)) => match ws.send(message) {
                Ok(()) => echoed += 1,
                Err(error) => break Ended::Failed(error),
            },
            Ok(None) => break Ended::Clean(ws.close_frame().cloned()),
            Err(error) => break Ended::Failed(error),
        }
    };
    open.fetch_sub(1, Ordering::SeqCst);
    (ended, echoed)
}

// The control client.

/// A well-behaved client (the blocking layer's) that connects, sends one
/// message and waits for its echo, all within 10 s: how long that took.
pub fn control_echo(url: &str) -> Duration {
    let url = url.to_string();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let started = Instant::now();
        let result = (|| -> Result<bool, layer::Error> {
            let options = ClientOptions::new(&url)
                .config(timers(5_000))
                .open_timeout(Some(Duration::from_secs(10)));
            let (mut ws, _) = rfc6455::blocking::connect_with(options)?;
            ws.send(Message::from("control"))?;
            let echoed = ws.read()? == Some(Message::from("control"));
            ws.close()?;
            Ok(echoed)
        })();
        let _ = tx.send((result, started.elapsed()));
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok((Ok(true), took)) => took,
        Ok((Ok(false), _)) => panic!("the control client got something else than its echo"),
        Ok((Err(error), _)) => panic!("the control client failed: {error}"),
        Err(_) => panic!("the control client got no echo within 10 s"),
    }
}

// The raw peer.

/// A valid upgrade request that offers no extension.
pub const REQUEST: &[u8] = crate::common::CLIENT_REQUEST.as_bytes();

/// A client that speaks the protocol by hand over a blocking socket.
pub struct Peer {
    pub stream: TcpStream,
    /// Bytes read and not yet taken as frames.
    pending: Vec<u8>,
}

impl Peer {
    /// Connects, with 10 s read and write timeouts.
    pub fn connect(addr: SocketAddr) -> Peer {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
            .set_write_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Peer {
            stream,
            pending: Vec::new(),
        }
    }

    /// A peer on a socket connected already.
    pub fn from_stream(stream: TcpStream) -> Peer {
        Peer {
            stream,
            pending: Vec::new(),
        }
    }

    /// Connects and completes the opening handshake.
    pub fn upgrade(addr: SocketAddr) -> Peer {
        let mut peer = Peer::connect(addr);
        peer.stream.write_all(REQUEST).unwrap();
        let mut buf = [0; 1024];
        let end = loop {
            if let Some(at) = find(&peer.pending, b"\r\n\r\n") {
                break at + 4;
            }
            let n = peer.stream.read(&mut buf).unwrap();
            assert!(n > 0, "the server hung up during the handshake");
            peer.pending.extend_from_slice(&buf[..n]);
        };
        assert!(
            peer.pending.starts_with(b"HTTP/1.1 101"),
            "{}",
            String::from_utf8_lossy(&peer.pending)
        );
        peer.pending.drain(..end);
        peer.pending.shrink_to_fit();
        peer
    }

    /// Shrinks the socket's receive buffer (`SO_RCVBUF`).
    pub fn small_receive_buffer(&self, size: usize) {
        socket2::SockRef::from(&self.stream)
            .set_recv_buffer_size(size)
            .unwrap();
    }

    /// Ends with a reset (`SO_LINGER` 0), not a FIN.
    pub fn reset(self) {
        socket2::SockRef::from(&self.stream)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(self);
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.stream.local_addr().unwrap()
    }

    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// The next whole frame, unmasked; `None` at end of file or on a reset
    /// or a read timeout.
    pub fn read_frame(&mut self) -> Option<(Header, Bytes)> {
        let mut buf = [0; 16 * 1024];
        loop {
            if let Ok(Decoded::Complete { header, len }) = Header::decode(&self.pending) {
                let end = len + header.payload_len as usize;
                if self.pending.len() >= end {
                    let frame: Vec<u8> = self.pending.drain(..end).collect();
                    return common::decode_frames(&frame).pop();
                }
            }
            match self.stream.read(&mut buf) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
            }
        }
    }

    /// Frames until one with `opcode` (which is returned), or `None`.
    pub fn read_until(&mut self, opcode: Opcode) -> Option<Bytes> {
        loop {
            let (header, payload) = self.read_frame()?;
            if header.opcode == opcode {
                return Some(payload);
            }
        }
    }

    /// The close code of the next close frame.
    pub fn close_code(&mut self) -> Option<u16> {
        let payload = self.read_until(Opcode::Close)?;
        (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]))
    }

    /// Whether the server closed the transport (end of file, or a reset)
    /// within the read timeout, reading and dropping what comes before.
    pub fn sees_end(&mut self) -> bool {
        let mut buf = [0; 16 * 1024];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) => return e.kind() == io::ErrorKind::ConnectionReset,
            }
        }
    }
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A masked frame, as a client sends it.
pub fn client_frame(opcode: Opcode, payload: &[u8]) -> Vec<u8> {
    common::client_frame(true, opcode, payload)
}

/// A client's close frame with `code`.
pub fn client_close(code: u16) -> Vec<u8> {
    client_frame(Opcode::Close, &code.to_be_bytes())
}

/// The server's close code in a clean report.
pub fn clean_close_code(ended: &Ended) -> Option<u16> {
    match ended {
        Ended::Clean(frame) => frame.as_ref().map(|f| f.code.0),
        other => panic!("expected a clean close, got {other:?}"),
    }
}

/// Why a failed connection ended (a protocol violation, the transport's
/// end, a timeout).
pub fn connection_error(ended: &Ended) -> rfc6455::ConnectionError {
    match ended {
        Ended::Failed(layer::Error::Connection(error)) => *error,
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

/// Runs one case against each layer's server: `mod $name { fn blocking,
/// fn tokio }`, each under [`case`] with `limit` seconds.
macro_rules! on_both_servers {
    ($(#[$doc:meta])* $name:ident, $limit:expr, $body:path) => {
        $(#[$doc])*
        mod $name {
            use super::*;

            #[test]
            fn blocking() {
                $crate::support::case(std::time::Duration::from_secs($limit), || {
                    $body($crate::support::Layer::Blocking)
                });
            }

            #[cfg(feature = "tokio")]
            #[test]
            fn tokio() {
                $crate::support::case(std::time::Duration::from_secs($limit), || {
                    $body($crate::support::Layer::Tokio)
                });
            }
        }
    };
}
pub(crate) use on_both_servers;
