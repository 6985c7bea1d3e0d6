//! The programs some tests need besides cargo (python-websockets, nginx,
//! tinyproxy), and what a test does without one: it is skipped, with a line
//! on stderr saying why, so that `cargo test` passes on a machine without
//! them; under CI (`CI` set), which installs them all, a missing peer fails
//! the test instead, so that no test goes unrun there unnoticed.

use std::io::Write;
use std::path::PathBuf;

/// `peer`, or `None` after printing `SKIPPED: <test>: <reason>` (straight
/// to stderr, past the test harness's capture, so that the skip shows).
/// Under CI a missing peer panics with the reason instead. Call it on the
/// test's own thread: the thread's name is the test's.
pub fn require_peer<T>(peer: Result<T, String>) -> Option<T> {
    let reason = match peer {
        Ok(peer) => return Some(peer),
        Err(reason) => reason,
    };
    let current = std::thread::current();
    let test = current.name().unwrap_or("a test");
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {reason}; CI is set, so this fails instead of skipping (.ci/run installs every peer)"
    );
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: {reason}");
    None
}

/// The program `name` (see [`find_program`]), or `None` after saying why the
/// test is skipped; `install` says how to get it (`apt-get install ...`).
pub fn require_program(name: &str, install: &str) -> Option<PathBuf> {
    require_peer(find_program(name).map_err(|missing| format!("{missing} ({install})")))
}

/// Where the program `name` is: the path in the environment variable
/// `RFC6455_<NAME>` when that is set (`RFC6455_NGINX=/opt/nginx/sbin/nginx`),
/// else the first `name` on `PATH` or in `/usr/sbin` or `/sbin` (where
/// Debian puts daemons, off a normal user's `PATH`). The error says what is
/// missing.
pub fn find_program(name: &str) -> Result<PathBuf, String> {
    let variable = format!("RFC6455_{}", name.to_uppercase());
    if let Some(path) = std::env::var_os(&variable) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "{variable} names {}, which is not a file",
                path.display()
            ))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|program| program.is_file())
        .ok_or_else(|| format!("{name} is not installed (not on PATH, nor in /usr/sbin or /sbin)"))
}
