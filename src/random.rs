//! Unpredictable bytes for masking keys and handshake nonces.
//!
//! A client's masking keys must be unpredictable to the peer (RFC 6455
//! section 10.3), so the default source is the operating system's. Tests and
//! fuzzers that need determinism, and `no_std` users, supply their own
//! [`RandomSource`].

/// A source of unpredictable bytes.
pub trait RandomSource: Send {
    /// Fills `dest` with unpredictable bytes.
    fn fill_bytes(&mut self, dest: &mut [u8]);
}

/// Bytes read from the OS at a time: 256 masking keys per system call (the
/// `encode` benchmark showed a 256-byte block still costing ~28% of 16-byte
/// client sends, the kernel's ChaCha included).
#[cfg(feature = "std")]
const BLOCK: usize = 1024;

/// The operating system's random source, read in blocks so that a masking key
/// does not cost a system call per frame.
#[cfg(feature = "std")]
pub struct OsRandom {
    /// Allocated at the first use, so an idle connection does not hold it.
    block: Option<alloc::boxed::Box<[u8; BLOCK]>>,
    used: usize,
}

#[cfg(feature = "std")]
impl OsRandom {
    /// A new source; nothing is read from the OS until bytes are asked for.
    #[must_use]
    pub fn new() -> Self {
        OsRandom {
            block: None,
            used: BLOCK,
        }
    }
}

#[cfg(feature = "std")]
impl Default for OsRandom {
    fn default() -> Self {
        OsRandom::new()
    }
}

#[cfg(feature = "std")]
impl core::fmt::Debug for OsRandom {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never print bytes that may still become keys.
        f.debug_struct("OsRandom").finish_non_exhaustive()
    }
}

#[cfg(feature = "std")]
impl RandomSource for OsRandom {
    /// # Panics
    ///
    /// If the operating system cannot supply random bytes, which on the
    /// platforms `getrandom` supports means the system is broken; masking with
    /// predictable keys instead would be a security hole.
    fn fill_bytes(&mut self, mut dest: &mut [u8]) {
        let block = self
            .block
            .get_or_insert_with(|| alloc::boxed::Box::new([0; BLOCK]));
        while !dest.is_empty() {
            if self.used == BLOCK {
                getrandom::fill(&mut block[..]).expect("the OS random source failed");
                self.used = 0;
            }
            let n = dest.len().min(BLOCK - self.used);
            dest[..n].copy_from_slice(&block[self.used..self.used + n]);
            // Bytes handed out are never handed out again.
            block[self.used..self.used + n].fill(0);
            self.used += n;
            dest = &mut dest[n..];
        }
    }
}

/// The operating system's random source read for each request: for a
/// one-off need, such as a handshake's nonce, where reading a whole block
/// would waste the rest.
#[cfg(feature = "std")]
pub(crate) struct OsRandomOnce;

#[cfg(feature = "std")]
impl RandomSource for OsRandomOnce {
    /// # Panics
    ///
    /// If the operating system cannot supply random bytes (see [`OsRandom`]).
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        getrandom::fill(dest).expect("the OS random source failed");
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    #[test]
    fn os_random_yields_different_keys() {
        let mut rng = OsRandom::new();
        let mut keys = std::collections::HashSet::new();
        for _ in 0..100 {
            let mut key = [0u8; 4];
            rng.fill_bytes(&mut key);
            keys.insert(key);
        }
        // 100 draws from 2^32: a repeat is vanishingly unlikely.
        assert!(keys.len() >= 99);
        // Across a block boundary.
        let mut big = [0u8; BLOCK + 200];
        rng.fill_bytes(&mut big);
        assert!(big[..BLOCK].iter().any(|&b| b != 0));
        assert!(big[BLOCK..].iter().any(|&b| b != 0));
    }
}
