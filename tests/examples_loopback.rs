//! Drives the `echo_server` and `echo_client` examples over real loopback
//! sockets, building them first if need be (see [`example`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// A process killed when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The examples these tests run (echo_client is on the tokio layer).
const EXAMPLES: &[&str] = if cfg!(feature = "tokio") {
    &["echo_server", "echo_client"]
} else {
    &["echo_server"]
};

/// The path of the example `name`, built as a program.
///
/// Plain `cargo test` builds examples as programs (`target/<profile>/
/// examples/<name>`), but `cargo test --all-targets` builds them as test
/// harnesses instead (`examples/<name>-<hash>`, a libtest binary, not the
/// program), so neither that path nor a hashed file can be relied on: a
/// plain file left by an earlier build may be stale, and a hashed one may be
/// a harness. So the examples are built here, once per run, by the cargo
/// that runs the tests, with this build's features and profile, and cargo's
/// own report (`--message-format=json`) says where each program is. When
/// cargo has just built them, this is a no-op.
fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<Vec<(String, PathBuf)>> = OnceLock::new();
    let built = BUILT.get_or_init(build_examples);
    let (_, path) = built
        .iter()
        .find(|(example, _)| example == name)
        .unwrap_or_else(|| panic!("cargo reported no program for example {name}"));
    path.clone()
}

fn build_examples() -> Vec<(String, PathBuf)> {
    // target/<profile dir>/deps/<this test>: the profile dir names the
    // profile, except that `dev` builds into `debug`.
    let exe = std::env::current_exe().unwrap();
    let profile = match exe.parent().and_then(|deps| deps.parent()) {
        Some(dir) if dir.ends_with("debug") => "dev".to_owned(),
        Some(dir) => dir.file_name().unwrap().to_string_lossy().into_owned(),
        None => "dev".to_owned(),
    };
    let mut features = Vec::new();
    if cfg!(feature = "default") {
        features.push("default");
    }
    if cfg!(feature = "std") {
        features.push("std");
    }
    if cfg!(feature = "deflate") {
        features.push("deflate");
    }
    if cfg!(feature = "tokio") {
        features.push("tokio");
    }
    let mut command = Command::new(env!("CARGO"));
    command
        .args(["build", "--message-format=json", "--profile", &profile])
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .args(["--no-default-features", "--features", &features.join(",")]);
    for name in EXAMPLES.iter().copied() {
        command.args(["--example", name]);
    }
    let output = command.stderr(Stdio::piped()).output().unwrap();
    assert!(
        output.status.success(),
        "building the examples failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let built: Vec<_> = stdout
        .lines()
        .filter(|line| line.contains(r#""reason":"compiler-artifact""#))
        .filter_map(|line| {
            let name = json_string(line, "name")?;
            let path = json_string(line, "executable")?;
            EXAMPLES
                .contains(&name.as_str())
                .then(|| (name, PathBuf::from(path)))
        })
        .collect();
    for (name, path) in &built {
        assert!(path.exists(), "{name}: {} is missing", path.display());
    }
    built
}

/// The first string value of `key` in one line of cargo's JSON output (the
/// target's name comes before anything else named `name`).
fn json_string(line: &str, key: &str) -> Option<String> {
    let start = line.find(&format!(r#""{key}":""#))? + key.len() + 4;
    let mut value = String::new();
    let mut chars = line[start..].chars();
    loop {
        match chars.next()? {
            '"' => return Some(value),
            '\\' => value.push(chars.next()?),
            c => value.push(c),
        }
    }
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
#[cfg(feature = "tokio")]
fn run_client(args: &[&str], input: &str) -> std::process::Output {
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

#[cfg(feature = "tokio")]
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
    assert!(response.contains("new WebSocket(scheme + location.host + '/echo', ['soap', 'xmpp'])"));
}
