//! Drives the `echo_server` and `echo_client` examples over real loopback
//! sockets. `cargo test` builds the examples before running tests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A process killed when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn example(name: &str) -> PathBuf {
    // target/<profile>/deps/<this test> -> target/<profile>/examples/<name>
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo test`, which builds examples",
        path.display()
    );
    path
}

/// Starts the echo server on an ephemeral port and returns it with its address.
fn start_server() -> (Running, String) {
    let mut child = Command::new(example("echo_server"))
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("echo server on http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected banner {line:?}"))
        .to_owned();
    (Running(child), addr)
}

/// Runs the echo client with `input` on standard input, killing it after 20 s.
fn run_client(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(example("echo_client"))
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
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("echo_client did not finish in 20 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn echo_client_and_server_exchange_lines_and_close_cleanly() {
    let (_server, addr) = start_server();
    let input = "Ping\nhello, wörld\n€𝄞\n";
    let url = format!("ws://{addr}/echo");
    let output = run_client(&[&url, "--protocol", "xmpp", "--protocol", "soap"], input);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "client failed: {stderr}");
    assert_eq!(String::from_utf8(output.stdout).unwrap(), input);
    // The server selects the first offered subprotocol it knows.
    assert!(stderr.contains("subprotocol: xmpp"), "{stderr}");
}

#[test]
fn echo_client_fails_with_a_message_on_a_refused_upgrade() {
    let (_server, addr) = start_server();
    let output = run_client(&[&format!("ws://{addr}/elsewhere")], "x\n");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("404"), "{stderr}");
}

#[test]
fn echo_server_serves_the_demo_page_at_root() {
    let (_server, addr) = start_server();
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
    assert!(
        response.contains("new WebSocket('ws://' + location.host + '/echo', ['soap', 'xmpp'])")
    );
}
