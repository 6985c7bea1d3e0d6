//! The demo server behind a real nginx, started here on 127.0.0.1 with the
//! configurations in `examples/nginx/`: `echo.conf` forwards the upgrade,
//! and the client gets its subprotocol and its echoes through it;
//! `drops-upgrade.conf` (nginx's defaults: HTTP/1.0 upstream, no Upgrade)
//! does not, and the client fails at once with the server's 426 and its
//! hint.
//!
//! The tests that need nginx skip, with a message, when it is not
//! installed (Debian: `apt-get install nginx-light`), unless the `CI`
//! environment variable is set: there a missing nginx fails
//! (`common::peers`).

use crate::common::peers::require_program;
use crate::examples;
use crate::net;

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use net::free_port;

use examples::start_echo_server;
use rfc6455::bytes::Bytes;
use rfc6455::layer::{self, ClientOptions, DEFAULT_OPEN_TIMEOUT};
use rfc6455::{CloseCode, CloseFrame, Message, blocking};

/// The demo's page, as the server sends it.
const PAGE: &str = include_str!("../../examples/echo_page.html");

/// How long nginx gets to listen, and any socket to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------- nginx

/// nginx, or `None` after saying why the test is skipped. Under CI a
/// missing nginx is a failure, not a skip.
fn nginx() -> Option<PathBuf> {
    require_program("nginx", "Debian: apt-get install nginx-light")
}

/// An nginx in the foreground, on its own port and prefix directory; killed
/// and its directory removed on drop.
struct Nginx {
    child: Child,
    prefix: PathBuf,
    /// Where it listens, `127.0.0.1:PORT`.
    addr: String,
}

impl Nginx {
    /// Starts nginx with `examples/nginx/<config>` in front of `upstream`.
    fn start(program: &Path, config: &str, upstream: &str) -> Nginx {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let template_path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/nginx")
            .join(config);
        let template = fs::read_to_string(&template_path).unwrap();
        // The port is free when asked for, but another process may take it
        // before nginx binds it: then try another.
        for attempt in 1.. {
            let n = STARTED.fetch_add(1, Ordering::Relaxed);
            let prefix = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("nginx-{}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&prefix);
            fs::create_dir_all(&prefix).unwrap();
            let addr = format!("127.0.0.1:{}", free_port());
            let text = template
                .replace("@LISTEN@", &addr)
                .replace("@UPSTREAM@", upstream)
                .replace("@PREFIX@", prefix.to_str().unwrap());
            assert!(!text.contains('@'), "a placeholder is left in {config}");
            let conf = prefix.join("nginx.conf");
            fs::write(&conf, text).unwrap();
            let child = Command::new(program)
                .arg("-p")
                .arg(&prefix)
                .arg("-c")
                .arg(&conf)
                .arg("-e")
                .arg(prefix.join("error.log"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let mut nginx = Nginx {
                child,
                prefix,
                addr,
            };
            match nginx.wait_until_listening() {
                Ok(()) => return nginx,
                Err(log) if attempt < 5 && log.contains("Address already in use") => {}
                Err(log) => panic!("nginx with {config} did not start:\n{log}"),
            }
        }
        unreachable!()
    }

    fn wait_until_listening(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Err(format!("nginx exited ({status}):\n{}", self.log()));
            }
            let addr = self.addr.parse().unwrap();
            if TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "nginx did not listen within {TIMEOUT:?}:\n{}",
                    self.log()
                ));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// nginx's error log so far, for failure messages.
    fn log(&self) -> String {
        fs::read_to_string(self.prefix.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.prefix);
    }
}

// ---------------------------------------------------------------- helpers

/// Writes `request` to `addr` and reads the response until the peer closes.
fn exchange(addr: &str, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// The body of an HTTP response (everything after the blank line).
fn body(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or_else(
        || panic!("no end of head in {response:?}"),
        |(_, body)| body,
    )
}

/// The value of the header `name` in a head, if present once or more.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n").skip(1).find_map(|line| {
        let (field, value) = line.split_once(':')?;
        field.eq_ignore_ascii_case(name).then_some(value.trim())
    })
}

/// What the demo's 426 says: the cause, and what a proxy should forward.
fn assert_proxy_hint(body: &str, cause: &str) {
    assert!(body.contains(cause), "{body}");
    assert!(body.contains("proxy_http_version 1.1"), "{body}");
    assert!(
        body.contains("proxy_set_header Upgrade $http_upgrade"),
        "{body}"
    );
    assert!(
        body.contains("proxy_set_header Connection \"upgrade\""),
        "{body}"
    );
}

fn client_options(url: &str) -> ClientOptions {
    ClientOptions::new(url).protocols(["soap", "xmpp"])
}

/// The head of the first request nginx with `config` forwards upstream
/// when our blocking client opens `/echo` through it (to a stand-in for the
/// server, which answers 404).
fn forwarded_upgrade(nginx: &Path, config: &str) -> String {
    let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream_addr = upstream.local_addr().unwrap().to_string();
    let proxy = Nginx::start(nginx, config, &upstream_addr);
    let recorder = thread::spawn(move || {
        upstream.set_nonblocking(true).unwrap();
        let deadline = Instant::now() + TIMEOUT;
        let mut stream = loop {
            match upstream.accept() {
                Ok((stream, _)) => break stream,
                Err(_) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                Err(e) => panic!("nginx did not connect upstream: {e}"),
            }
        };
        stream.set_nonblocking(false).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        let mut head = Vec::new();
        let mut buf = [0; 1024];
        while !head.ends_with(b"\r\n\r\n") {
            let n = stream.read(&mut buf).unwrap();
            assert!(n > 0, "nginx closed before the end of the head");
            head.extend_from_slice(&buf[..n]);
        }
        stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .unwrap();
        String::from_utf8(head).unwrap()
    });
    let url = format!("ws://{}/echo", proxy.addr);
    match blocking::connect_with(client_options(&url)) {
        Err(layer::Error::Rejected(rejection)) => assert_eq!(rejection.status(), 404),
        Err(other) => panic!("expected the stand-in's 404, got {other}"),
        Ok(_) => panic!("the stand-in upstream does not upgrade"),
    }
    recorder.join().unwrap()
}

// ---------------------------------------------------------------- without nginx

#[test]
fn the_demo_answers_requests_for_echo_that_are_not_upgrades_with_426_and_the_proxy_hint() {
    let (_server, addr) = start_echo_server();
    // What nginx sends upstream by default: HTTP/1.0, no Upgrade.
    let response = exchange(
        &addr,
        "GET /echo HTTP/1.0\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    // (hyper answers an HTTP/1.0 request in HTTP/1.0, the blocking layer
    // in HTTP/1.1: either is fine.)
    assert!(
        response.starts_with("HTTP/1.1 426 Upgrade Required\r\n")
            || response.starts_with("HTTP/1.0 426 Upgrade Required\r\n"),
        "{response}"
    );
    assert_eq!(header(&response, "Upgrade"), Some("websocket"));
    assert_proxy_hint(body(&response), "HTTP version");
    // What a proxy that speaks HTTP/1.1 but drops the hop-by-hop headers
    // sends.
    let response = exchange(&addr, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(
        response.starts_with("HTTP/1.1 426 Upgrade Required\r\n"),
        "{response}"
    );
    assert_eq!(header(&response, "Upgrade"), Some("websocket"));
    assert_proxy_hint(body(&response), "Upgrade header");
}

// ---------------------------------------------------------------- echo.conf

#[test]
fn through_nginx_the_blocking_client_gets_its_subprotocol_and_its_echoes() {
    let Some(nginx) = nginx() else {
        return;
    };
    let (_server, upstream) = start_echo_server();
    let proxy = Nginx::start(&nginx, "echo.conf", &upstream);
    let url = format!("ws://{}/echo", proxy.addr);
    let (mut ws, response) = blocking::connect_with(client_options(&url))
        .unwrap_or_else(|e| panic!("{e}\nnginx log:\n{}", proxy.log()));
    // The 101 came through nginx, not around it.
    let server = response.header("Server").map(String::from_utf8_lossy);
    assert!(
        server.as_deref().is_some_and(|s| s.starts_with("nginx")),
        "{server:?}"
    );
    assert_eq!(ws.protocol(), Some("soap"));
    // A message larger than nginx's buffers too.
    let large: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    for message in [
        Message::from("Ping"),
        Message::from("hello, wörld"),
        Message::Binary(Bytes::from(large)),
    ] {
        ws.send(message.clone()).unwrap();
        assert_eq!(ws.read().unwrap(), Some(message));
    }
    // A clean close through nginx: the server echoes the code.
    ws.close_with(CloseFrame::new(CloseCode::NORMAL, "bye"))
        .unwrap();
    assert_eq!(
        ws.close_frame().map(|frame| frame.code),
        Some(CloseCode::NORMAL)
    );
}

#[test]
fn through_nginx_the_demo_page_is_served_on_the_same_port() {
    let Some(nginx) = nginx() else {
        return;
    };
    let (_server, upstream) = start_echo_server();
    let proxy = Nginx::start(&nginx, "echo.conf", &upstream);
    let response = exchange(
        &proxy.addr,
        "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(
        header(&response, "Server").is_some_and(|s| s.starts_with("nginx")),
        "{response}"
    );
    // The page itself, byte for byte.
    assert_eq!(body(&response), PAGE);
}

#[test]
fn echo_conf_forwards_the_upgrade_over_http_1_1_with_host_and_x_forwarded_for() {
    let Some(nginx) = nginx() else {
        return;
    };
    let head = forwarded_upgrade(&nginx, "echo.conf");
    assert!(head.starts_with("GET /echo HTTP/1.1\r\n"), "{head}");
    assert_eq!(header(&head, "Upgrade"), Some("websocket"), "{head}");
    assert_eq!(header(&head, "Connection"), Some("upgrade"), "{head}");
    assert_eq!(header(&head, "Host"), Some("127.0.0.1"), "{head}");
    assert_eq!(
        header(&head, "X-Forwarded-For"),
        Some("127.0.0.1"),
        "{head}"
    );
    assert_eq!(header(&head, "X-Forwarded-Proto"), Some("http"), "{head}");
    assert_eq!(header(&head, "Sec-WebSocket-Version"), Some("13"), "{head}");
    assert_eq!(
        header(&head, "Sec-WebSocket-Protocol"),
        Some("soap, xmpp"),
        "{head}"
    );
    assert!(header(&head, "Sec-WebSocket-Key").is_some(), "{head}");
}

// ---------------------------------------------------------------- drops-upgrade.conf

#[test]
fn drops_upgrade_conf_forwards_http_1_0_without_upgrade_as_nginx_does_by_default() {
    let Some(nginx) = nginx() else {
        return;
    };
    let head = forwarded_upgrade(&nginx, "drops-upgrade.conf");
    assert!(head.starts_with("GET /echo HTTP/1.0\r\n"), "{head}");
    assert_eq!(header(&head, "Upgrade"), None, "{head}");
    assert_eq!(header(&head, "Connection"), Some("close"), "{head}");
}

#[test]
fn through_an_nginx_that_drops_the_upgrade_the_client_fails_fast_with_426_and_the_hint() {
    let Some(nginx) = nginx() else {
        return;
    };
    let (_server, upstream) = start_echo_server();
    let proxy = Nginx::start(&nginx, "drops-upgrade.conf", &upstream);
    let url = format!("ws://{}/echo", proxy.addr);
    let started = Instant::now();
    let error = match blocking::connect_with(client_options(&url)) {
        Ok(_) => panic!("the upgrade went through an nginx that drops it"),
        Err(error) => error,
    };
    let took = started.elapsed();
    // Not a wait for the open timeout: the answer is immediate.
    assert!(
        took < DEFAULT_OPEN_TIMEOUT / 4,
        "took {took:?} (open timeout {DEFAULT_OPEN_TIMEOUT:?})"
    );
    let layer::Error::Rejected(rejection) = &error else {
        panic!("expected Rejected, got {error}");
    };
    assert_eq!(rejection.status(), 426);
    // The client's own error says what to look at.
    let message = error.to_string();
    assert!(message.contains("426"), "{message}");
    assert!(message.contains("proxy in between"), "{message}");
    assert!(message.contains("Upgrade and Connection"), "{message}");
    // nginx relayed the server's answer.
    let server = rejection.header("Server").map(String::from_utf8_lossy);
    assert!(
        server.as_deref().is_some_and(|s| s.starts_with("nginx")),
        "{server:?}"
    );
    assert_eq!(rejection.header("Upgrade"), Some(&b"websocket"[..]));
    // The body names the cause: nginx spoke HTTP/1.0 upstream.
    let body = String::from_utf8_lossy(rejection.body());
    assert_proxy_hint(&body, "HTTP version");
}
