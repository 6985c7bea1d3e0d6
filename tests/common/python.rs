//! python-websockets as an independent peer: installed once into a
//! virtualenv under `target/tmp` (the same one `tests/python_interop.rs`
//! uses), and scripts run with a bounded wait.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// The python-websockets release the tests run against.
pub const WEBSOCKETS: &str = "websockets==15.0.1";

/// A Python with python-websockets, installed on first use.
pub fn python() -> &'static PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-websockets");
        let python = venv.join("bin/python");
        let ready = Command::new(&python)
            .args(["-c", "import websockets"])
            .status()
            .is_ok_and(|s| s.success());
        if !ready {
            let made = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .expect("python3 runs");
            assert!(made.success(), "python3 -m venv failed");
            let installed = Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", WEBSOCKETS])
                .status()
                .expect("pip runs");
            assert!(installed.success(), "pip install {WEBSOCKETS} failed");
        }
        python
    })
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

/// Runs `script` with python-websockets and `args`; returns the process
/// and the first line it prints.
pub fn run(script: &str, args: &[&str]) -> (Running, String) {
    let mut child = Command::new(python())
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
