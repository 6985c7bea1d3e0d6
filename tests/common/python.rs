//! python-websockets as an independent peer: installed once into a
//! virtualenv under `target/tmp` (the same one `tests/layers/python_interop.rs`
//! uses), and scripts run with a bounded wait. Without python3, its `venv`
//! module or PyPI, the tests that need it skip, saying why, unless `CI` is
//! set (`common::peers`).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use crate::common::peers::{find_program, require_peer};

/// The python-websockets release the tests run against.
pub const WEBSOCKETS: &str = "websockets==15.0.1";

/// A Python with python-websockets.
pub struct Python(PathBuf);

/// The Python with python-websockets, installed on first use; `None` (the
/// test is skipped, having said why) when it cannot be had.
pub fn websockets() -> Option<&'static Python> {
    static PYTHON: OnceLock<Result<Python, String>> = OnceLock::new();
    require_peer(PYTHON.get_or_init(install).as_ref().map_err(Clone::clone))
}

/// A virtualenv with python-websockets, made by the `python3` that
/// [`find_program`] finds: one per interpreter, so that `RFC6455_PYTHON3`
/// picks a Python of its own.
fn install() -> Result<Python, String> {
    let base = find_program("python3")
        .map_err(|missing| format!("{missing}: python-websockets runs on it"))?;
    let name: String = base
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("python-websockets{name}"));
    let python = venv.join("bin/python");
    if run_to_end(Command::new(&python).args(["-c", "import websockets"])).is_err() {
        run_to_end(Command::new(&base).args(["-m", "venv"]).arg(&venv)).map_err(|why| {
            let base = base.display();
            format!("`{base} -m venv` failed ({why}; Debian: apt-get install python3-venv)")
        })?;
        run_to_end(Command::new(&python).args(["-m", "pip", "install", "--quiet", WEBSOCKETS]))
            .map_err(|why| format!("pip could not install {WEBSOCKETS} from PyPI ({why})"))?;
    }
    Ok(Python(python))
}

/// Runs `command` to its end; why it failed, if it did.
fn run_to_end(command: &mut Command) -> Result<(), String> {
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(status.to_string()),
        Err(e) => Err(format!("it did not start: {e}")),
    }
}

/// A python-websockets client: connects to `argv[1]` offering the
/// comma-separated subprotocols of `argv[2]` (trusting only the CA file
/// `argv[3]`, if given, for `wss://`), prints the subprotocol the server
/// chose, then checks the echo of a text, of 1 MiB of binary and a ping.
const ECHO_CLIENT: &str = r#"
import ssl, sys
from websockets.sync.client import connect
context = ssl.create_default_context(cafile=sys.argv[3]) if len(sys.argv) > 3 else None
with connect(sys.argv[1], subprotocols=sys.argv[2].split(","), open_timeout=10, ssl=context) as ws:
    print(ws.subprotocol, flush=True)
    ws.send("Ping")
    assert ws.recv(timeout=10) == "Ping"
    big = bytes(range(256)) * 4096
    ws.send(big)
    assert ws.recv(timeout=10) == big
    ws.ping(b"alive").wait(timeout=10)
"#;

impl Python {
    /// Runs [`ECHO_CLIENT`] against `url`, offering `protocols` (and with
    /// `ca_file` the only CA it trusts); returns the process and the
    /// subprotocol the server chose.
    pub fn echo_client(
        &self,
        url: &str,
        protocols: &[&str],
        ca_file: Option<&str>,
    ) -> (Running, String) {
        let protocols = protocols.join(",");
        let mut args = vec![url, protocols.as_str()];
        args.extend(ca_file);
        self.run(ECHO_CLIENT, &args)
    }

    /// Runs `script` with python-websockets and `args`; returns the process
    /// and the first line it prints.
    pub fn run(&self, script: &str, args: &[&str]) -> (Running, String) {
        let mut child = Command::new(&self.0)
            .arg("-c")
            .arg(script)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let running = Running(child);
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read python's output");
        (running, line.trim().to_owned())
    }
}

/// A child process killed when the test ends, however it ends.
pub struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    /// Waits up to `limit` for the process to exit; whether it succeeded
    /// (false if it is still running then, and it is killed on drop).
    pub fn exits_cleanly_within(mut self, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.0.try_wait().expect("wait on python") {
                return status.success();
            }
            thread::sleep(Duration::from_millis(20));
        }
        false
    }
}
