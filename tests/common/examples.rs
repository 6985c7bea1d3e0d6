//! The examples as programs, for tests that run them over real sockets:
//! built once per test run by the cargo that runs the tests, with this
//! build's features and profile, and killed when the test ends.
//!
//! Include it with `#[path = "common/examples.rs"] mod examples;`.
#![allow(dead_code)] // each test file uses a different subset

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

/// A process killed when the test ends, however it ends.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The demo, `echo_server` (axum on hyper), when this build has what it
/// needs (`axum`, and `tokio-rustls` for its `--tls`), else
/// `blocking_echo_server`: the same page, answers and banner, on the
/// blocking layer.
pub fn demo(tls: bool) -> PathBuf {
    let axum = cfg!(feature = "axum") && (!tls || cfg!(feature = "tokio-rustls"));
    program(if axum {
        "echo_server"
    } else {
        "blocking_echo_server"
    })
}

/// Starts the demo echo server ([`demo`]) on an ephemeral 127.0.0.1 port;
/// returns it with its address (`127.0.0.1:PORT`), read from its banner.
pub fn start_echo_server() -> (Running, String) {
    let mut child = Command::new(demo(false))
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    // The banner comes right after the bind; if the server fails, its
    // stdout closes and the line is empty.
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let running = Running(child);
    let addr = line
        .trim()
        .strip_prefix("echo server on http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected banner {line:?}"))
        .to_owned();
    (running, addr)
}

/// The path of the example `name`, built as a program.
///
/// Plain `cargo test` builds examples as programs (`target/<profile>/
/// examples/<name>`), but `cargo test --all-targets` builds them as test
/// harnesses (`examples/<name>-<hash>`), so no path can be assumed: the
/// example is built here, once per run, and cargo's own report
/// (`--message-format=json`) says where the program is. When cargo has just
/// built it, this is a no-op.
pub fn program(name: &str) -> PathBuf {
    static BUILT: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, path)) = built.iter().find(|(example, _)| example == name) {
        return path.clone();
    }
    let path = build(name);
    built.push((name.to_owned(), path.clone()));
    path
}

fn build(name: &str) -> PathBuf {
    // target/<profile dir>/deps/<this test>: the profile dir names the
    // profile, except that `dev` builds into `debug`.
    let exe = std::env::current_exe().unwrap();
    let profile = match exe.parent().and_then(|deps| deps.parent()) {
        Some(dir) if dir.ends_with("debug") => "dev".to_owned(),
        Some(dir) => dir.file_name().unwrap().to_string_lossy().into_owned(),
        None => "dev".to_owned(),
    };
    let features: Vec<&str> = [
        ("default", cfg!(feature = "default")),
        ("std", cfg!(feature = "std")),
        ("deflate", cfg!(feature = "deflate")),
        ("tokio", cfg!(feature = "tokio")),
        ("rustls", cfg!(feature = "rustls")),
        ("rustls-aws-lc-rs", cfg!(feature = "rustls-aws-lc-rs")),
        ("rustls-ring", cfg!(feature = "rustls-ring")),
        ("rustls-native-certs", cfg!(feature = "rustls-native-certs")),
        ("webpki-roots", cfg!(feature = "webpki-roots")),
        ("tokio-rustls", cfg!(feature = "tokio-rustls")),
        ("wasm-js", cfg!(feature = "wasm-js")),
        ("http", cfg!(feature = "http")),
        ("axum", cfg!(feature = "axum")),
    ]
    .into_iter()
    .filter_map(|(feature, on)| on.then_some(feature))
    .collect();
    // The target directory this test was built in (`CARGO_TARGET_TMPDIR` is
    // its `tmp`), so that a run with another toolchain or `--target-dir`
    // does not rebuild everything in `target/`.
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap();
    let output = Command::new(env!("CARGO"))
        .args(["build", "--message-format=json", "--profile", &profile])
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .args(["--no-default-features", "--features", &features.join(",")])
        .args(["--example", name])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "building the example {name} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let path = stdout
        .lines()
        .filter(|line| line.contains(r#""reason":"compiler-artifact""#))
        .filter(|line| json_string(line, "name").as_deref() == Some(name))
        .find_map(|line| json_string(line, "executable"))
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("cargo reported no program for example {name}"));
    assert!(path.exists(), "{name}: {} is missing", path.display());
    path
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
