//! Unpredictable bytes for masking keys and handshake nonces.
//!
//! A client's masking keys must be unpredictable to the peer (RFC 6455
//! section 10.3), so the default source is a cryptographic generator seeded
//! from the operating system ([`OsRandom`]). Tests and
//! fuzzers that need determinism, and `no_std` users, supply their own
//! [`RandomSource`].

/// A source of unpredictable bytes.
///
/// `Send + Sync`, so that a connection holding one can move to another
/// thread and be shared by reference across one (a `&WebSocketStream` held
/// over an `.await` in a spawned task). `fill_bytes` takes `&mut self`, so a
/// source needs no lock of its own to be `Sync`: only one without interior
/// mutability (`Cell`, `RefCell`) fails it, and `Mutex` or an atomic
/// replaces those.
pub trait RandomSource: Send + Sync {
    /// Fills `dest` with unpredictable bytes.
    fn fill_bytes(&mut self, dest: &mut [u8]);
}

/// Keystream bytes handed out between two seeds from the OS: 16,384
/// masking keys.
#[cfg(feature = "std")]
const RESEED_AFTER: usize = 64 * 1024;

/// The default source: ChaCha20 seeded from the operating system, and
/// seeded again from it after every 64 KiB of output. A masking key
/// then costs a few nanoseconds instead of a share of a system call (the
/// `encode` benchmark's 16-byte client sends), and stays as unpredictable
/// as RFC 6455 section 5.3 asks: ChaCha20 is a cryptographic generator, and
/// its seed comes from the OS.
///
/// A process that forks after the first key should give the child new
/// connections (as it would anyway): the generator's state is copied with
/// the process until its next reseed.
#[cfg(feature = "std")]
pub struct OsRandom {
    /// Made and seeded at the first use, so an idle connection does not hold
    /// it (about 300 bytes).
    rng: Option<alloc::boxed::Box<chacha20::ChaCha20Rng>>,
    /// Bytes handed out since the last seed.
    drawn: usize,
}

#[cfg(feature = "std")]
impl OsRandom {
    /// A new source; nothing is read from the OS until bytes are asked for.
    #[must_use]
    pub fn new() -> Self {
        OsRandom {
            rng: None,
            drawn: 0,
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
        // Never print the generator's state.
        f.debug_struct("OsRandom").finish_non_exhaustive()
    }
}

/// A ChaCha20 generator with a fresh seed from the OS.
#[cfg(feature = "std")]
fn seeded_from_os() -> chacha20::ChaCha20Rng {
    use chacha20::rand_core::SeedableRng;
    let mut seed = [0; 32];
    getrandom::fill(&mut seed).expect("the OS random source failed");
    chacha20::ChaCha20Rng::from_seed(seed)
}

#[cfg(feature = "std")]
impl RandomSource for OsRandom {
    /// # Panics
    ///
    /// If the operating system cannot supply a seed, which on the platforms
    /// `getrandom` supports means the system is broken; masking with
    /// predictable keys instead would be a security hole.
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        use chacha20::rand_core::Rng;
        let rng = match self.rng.as_mut() {
            Some(rng) if self.drawn < RESEED_AFTER => rng,
            Some(rng) => {
                **rng = seeded_from_os();
                self.drawn = 0;
                rng
            }
            None => self.rng.insert(alloc::boxed::Box::new(seeded_from_os())),
        };
        rng.fill_bytes(dest);
        self.drawn = self.drawn.saturating_add(dest.len());
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
    fn os_random_yields_different_keys_across_reseeds() {
        let mut rng = OsRandom::new();
        assert!(rng.rng.is_none(), "nothing is made before the first use");
        let mut keys = std::collections::HashSet::new();
        for _ in 0..100 {
            let mut key = [0u8; 4];
            rng.fill_bytes(&mut key);
            keys.insert(key);
        }
        // 100 draws from 2^32: a repeat is vanishingly unlikely.
        assert!(keys.len() >= 99);
        // Past a reseed: the keystream goes on, and the count starts again.
        let mut big = std::vec![0u8; RESEED_AFTER];
        rng.fill_bytes(&mut big);
        assert!(rng.drawn >= RESEED_AFTER);
        let mut after = [0u8; 64];
        rng.fill_bytes(&mut after);
        assert_eq!(rng.drawn, after.len());
        assert!(after.iter().any(|&b| b != 0));
        // Two sources seeded apart do not produce the same stream.
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        OsRandom::new().fill_bytes(&mut a);
        OsRandom::new().fill_bytes(&mut b);
        assert_ne!(a, b);
    }
}
