//! What the e2e binaries share.

pub mod room;
pub mod wire;

use rustix::process::{Resource, getrlimit, setrlimit};

/// Raises the soft limit on open files to the hard limit, for 10,000 idle
/// connections. Best effort: a refusal leaves the limit as it was.
pub fn raise_nofile_limit() {
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        limit.current = limit.maximum;
        let _ = setrlimit(Resource::Nofile, limit);
    }
}
