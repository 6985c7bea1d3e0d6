//! Drives the `echo_server` and `echo_client` examples over real loopback
//! sockets, building them first if need be (see `common/examples.rs`).

use crate::examples;

use std::io::{Read, Write};
use std::net::TcpStream;
#[cfg(feature = "tokio")]
use std::process::{Command, Stdio};
use std::time::Duration;

use examples::start_echo_server;

/// Runs the echo client with `input` on standard input, killing it after 20 s.
#[cfg(feature = "tokio")]
fn run_client(args: &[&str], input: &str) -> std::process::Output {
    let mut child = Command::new(examples::program("echo_client"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("echo_client did not finish in 20 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

#[cfg(feature = "tokio")]
#[test]
fn echo_client_and_server_exchange_lines_and_close_cleanly() {
    let (_server, addr) = start_echo_server();
    let input = "Ping\nhello, wörld\n€𝄞\n";
    let url = format!("ws://{addr}/echo");
    let output = run_client(&[&url, "--protocol", "xmpp", "--protocol", "soap"], input);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "client failed: {stderr}");
    assert_eq!(String::from_utf8(output.stdout).unwrap(), input);
    // The server selects by its own preference (soap, then xmpp).
    assert!(stderr.contains("subprotocol: soap"), "{stderr}");
}

#[cfg(feature = "tokio")]
#[test]
fn echo_client_fails_with_a_message_on_a_refused_upgrade() {
    let (_server, addr) = start_echo_server();
    let output = run_client(&[&format!("ws://{addr}/elsewhere")], "x\n");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("404"), "{stderr}");
}

#[test]
fn echo_server_serves_the_demo_page_at_root() {
    let (_server, addr) = start_echo_server();
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.contains("new WebSocket(scheme + location.host + '/echo', ['soap', 'xmpp'])"));
}

/// Runs the echo client against a server on this thread's listener, with
/// its standard input left open (a user who types nothing), killing it
/// after 30 s; how it ended and how long it ran.
#[cfg(feature = "tokio")]
fn run_client_with_open_stdin(
    serve: impl FnOnce(std::net::TcpStream) + Send + 'static,
) -> (std::process::Output, Duration) {
    // Built (if need be) before the clock starts.
    let program = examples::program("echo_client");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/echo", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || serve(listener.accept().unwrap().0));
    let started = std::time::Instant::now();
    let mut child = Command::new(program)
        .arg(&url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("echo_client did not exit within 30 s of its connection's end");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let ran = started.elapsed();
    drop(stdin);
    server.join().unwrap();
    (child.wait_with_output().unwrap(), ran)
}

/// The server sends its close frame and then never closes the TCP
/// connection: the client replies, gives up on the server at its 10 s
/// close timeout, and exits 0 (the server closed with 1000), although
/// standard input is still open.
#[cfg(feature = "tokio")]
#[test]
fn echo_client_exits_at_the_close_timeout_when_the_server_never_finishes_closing() {
    let (output, ran) = run_client_with_open_stdin(|tcp| {
        let ws = rfc6455::blocking::accept(tcp).unwrap();
        let mut tcp = ws.get_ref();
        // A close frame with code 1000; then read, never answer, until the
        // client gives up and closes the TCP connection.
        tcp.write_all(&[0x88, 0x02, 0x03, 0xE8]).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut sink = [0; 256];
        while matches!(tcp.read(&mut sink), Ok(n) if n > 0) {}
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("exited after {ran:?} with {}: {stderr:?}", output.status);
    assert!(output.status.success(), "{stderr}");
    assert!(
        ran >= Duration::from_secs(9),
        "exited before the close timeout: {ran:?}"
    );
}

/// The server vanishes without a close frame: the client exits at once,
/// non-zero, saying so, although standard input is still open.
#[cfg(feature = "tokio")]
#[test]
fn echo_client_exits_with_a_message_when_the_server_goes_away() {
    let (output, ran) = run_client_with_open_stdin(|tcp| {
        let ws = rfc6455::blocking::accept(tcp).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        drop(ws);
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("exited after {ran:?} with {}: {stderr:?}", output.status);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("transport ended before the close handshake"),
        "{stderr}"
    );
    assert!(ran < Duration::from_secs(5), "took {ran:?}");
}

/// tokio-tungstenite, as another implementation's client, against the demo.
#[cfg(feature = "tokio")]
#[test]
fn tokio_tungstenite_gets_its_echoes_from_the_demo() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};

    let (_server, addr) = start_echo_server();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut request = format!("ws://{addr}/echo").into_client_request().unwrap();
        let offer = "xmpp, soap".parse().unwrap();
        request
            .headers_mut()
            .insert("sec-websocket-protocol", offer);
        let connect = tokio_tungstenite::connect_async(request);
        let (mut ws, response) = tokio::time::timeout(Duration::from_secs(10), connect)
            .await
            .expect("the handshake within 10 s")
            .unwrap();
        assert_eq!(response.headers()["sec-websocket-protocol"], "soap");
        for message in [
            tungstenite::Message::text("Ping"),
            tungstenite::Message::binary(vec![3u8; 150_000]),
        ] {
            ws.send(message.clone()).await.unwrap();
            assert_eq!(ws.next().await.unwrap().unwrap(), message);
        }
        ws.close(None).await.unwrap();
    });
}

/// SIGTERM to the demo: each open WebSocket gets 1001 and the process
/// exits 0 once the close handshakes are done.
#[cfg(feature = "axum")]
#[test]
fn the_demo_closes_every_websocket_with_1001_on_sigterm() {
    use rfc6455::{CloseCode, Message};

    let (mut server, addr) = start_echo_server();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(30), async {
            let mut clients = Vec::new();
            for _ in 0..3 {
                let url = format!("ws://{addr}/echo");
                let (mut ws, _) = rfc6455::tokio::connect(&url).await.unwrap();
                // Echoed: the server is serving this socket.
                ws.send(Message::from("hello")).await.unwrap();
                assert_eq!(ws.next().await.unwrap().unwrap(), Message::from("hello"));
                clients.push(ws);
            }
            let pid = server.0.id().to_string();
            assert!(
                Command::new("kill")
                    .args(["-TERM", &pid])
                    .status()
                    .unwrap()
                    .success()
            );
            for ws in &mut clients {
                assert!(ws.next().await.is_none(), "closed without a message");
                let frame = ws.close_frame().expect("a close frame");
                assert_eq!(frame.code, CloseCode::GOING_AWAY);
                assert_eq!(frame.reason, "server shutting down");
            }
        })
        .await
        .expect("within 30 s");
    });
    let status = server.0.wait().unwrap();
    assert!(status.success(), "{status}");
}
