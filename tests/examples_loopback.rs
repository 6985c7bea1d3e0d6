//! Drives the `echo_server` and `echo_client` examples over real loopback
//! sockets, building them first if need be (see `common/examples.rs`).

#[path = "common/examples.rs"]
mod examples;

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
    // The server selects the first offered subprotocol it knows.
    assert!(stderr.contains("subprotocol: xmpp"), "{stderr}");
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
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.contains("new WebSocket(scheme + location.host + '/echo', ['soap', 'xmpp'])"));
}
