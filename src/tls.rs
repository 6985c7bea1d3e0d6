//! TLS for `wss://`, with rustls (feature `rustls`).
//!
//! The feature `rustls` brings the TLS code and chooses nothing else: the
//! crypto provider and the roots a client trusts by default come from
//! features of their own, or from what the program passes.
//!
//! - The crypto provider ([`provider`]): the process's default when the
//!   program installed one (`CryptoProvider::install_default`), otherwise
//!   aws-lc-rs (feature `rustls-aws-lc-rs`) or *ring* (feature
//!   `rustls-ring`); aws-lc-rs when both are compiled in. Configurations
//!   made here name their provider: they never need rustls' process-wide
//!   default, so they work whatever providers other crates turn on.
//!   (Only a program's own `ClientConfig::builder()` needs that default:
//!   with both providers compiled in and none installed, rustls cannot
//!   choose and panics there; the program installs one at start.)
//! - Clients: [`client_config`] trusts the roots the features choose: the
//!   platform's (feature `rustls-native-certs`, which honours
//!   `SSL_CERT_FILE` and `SSL_CERT_DIR` as OpenSSL does: a location named
//!   there that holds no certificate is an error that names it), Mozilla's
//!   bundled with the program (feature `webpki-roots`), or both.
//!   [`client_config_with_roots`] trusts the roots given. The layers'
//!   clients use [`client_config`] unless their options carry a
//!   configuration ([`ClientOptions::tls_config`](crate::layer::ClientOptions::tls_config)).
//!   The server name is the URL's host.
//! - Servers: [`server_config`] from a certificate chain and its key, for
//!   the layers' `accept_tls_with`.
//!
//! ```
//! use rfc6455::tls::{self, rustls};
//!
//! let mut roots = rustls::RootCertStore::empty();
//! // roots.add(my_ca_certificate)?;
//! match tls::client_config_with_roots(roots) {
//!     Ok(config) => assert_eq!(config.alpn_protocols, [b"http/1.1".to_vec()]),
//!     // Built without a provider feature, and none installed.
//!     Err(tls::ConfigError::NoProvider) => {}
//!     Err(other) => panic!("{other}"),
//! }
//! ```

mod roots;

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::OnceLock;

pub use rustls;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

/// The crypto provider of every configuration made here: the process's
/// default if the program installed one, otherwise the one rfc6455's
/// features compiled in (aws-lc-rs when both are).
///
/// Fails with [`ConfigError::NoProvider`] when there is neither.
pub fn provider() -> Result<Arc<CryptoProvider>, ConfigError> {
    if let Some(installed) = CryptoProvider::get_default() {
        return Ok(Arc::clone(installed));
    }
    static COMPILED: OnceLock<Option<Arc<CryptoProvider>>> = OnceLock::new();
    COMPILED
        .get_or_init(|| compiled_provider().map(Arc::new))
        .clone()
        .ok_or(ConfigError::NoProvider)
}

/// The provider rfc6455's features chose: aws-lc-rs first, as rustls
/// itself prefers it.
#[cfg(feature = "rustls-aws-lc-rs")]
fn compiled_provider() -> Option<CryptoProvider> {
    Some(rustls::crypto::aws_lc_rs::default_provider())
}

/// *ring*: rustls 0.23.48 deprecates its provider (no post-quantum key
/// exchange) and offers no other way to it; it is what `rustls-ring` asks
/// for.
#[cfg(all(feature = "rustls-ring", not(feature = "rustls-aws-lc-rs")))]
#[allow(deprecated, reason = "the provider the rustls-ring feature chooses")]
fn compiled_provider() -> Option<CryptoProvider> {
    Some(rustls::crypto::ring::default_provider())
}

/// No provider feature: only an installed process default can serve.
#[cfg(not(any(feature = "rustls-ring", feature = "rustls-aws-lc-rs")))]
fn compiled_provider() -> Option<CryptoProvider> {
    None
}

/// A client configuration trusting the roots rfc6455's features choose
/// (the platform's, Mozilla's, or both; see the [module](self)), made at
/// the first success and shared after. ALPN offers `http/1.1`, the
/// protocol of the upgrade.
///
/// Fails if there is no provider, no source of roots, or no root: a
/// location `SSL_CERT_FILE` or `SSL_CERT_DIR` names that holds none, or an
/// empty platform store.
pub fn client_config() -> Result<Arc<ClientConfig>, ConfigError> {
    static DEFAULT: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    if let Some(config) = DEFAULT.get() {
        return Ok(Arc::clone(config));
    }
    let config = client_config_with_roots(roots::default_roots()?)?;
    Ok(Arc::clone(DEFAULT.get_or_init(|| config)))
}

/// A client configuration trusting exactly `roots`, with ALPN `http/1.1`.
///
/// Fails if there is no provider, or if the process's default provider
/// supports none of the safe protocol versions.
pub fn client_config_with_roots(roots: RootCertStore) -> Result<Arc<ClientConfig>, ConfigError> {
    let mut config = ClientConfig::builder_with_provider(provider()?)
        .with_safe_default_protocol_versions()
        .map_err(ConfigError::Rustls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A server configuration presenting `chain` (the server's certificate
/// first) with `key`, no client authentication, ALPN `http/1.1`.
///
/// Fails if there is no provider, or if the key does not match the
/// certificate or is of a kind the provider does not support.
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, ConfigError> {
    let mut config = ServerConfig::builder_with_provider(provider()?)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, key))
        .map_err(ConfigError::Rustls)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The name a client checks the server's certificate against: the URL's
/// host (a DNS name or an IP address).
pub(crate) fn server_name(host: &str) -> io::Result<ServerName<'static>> {
    ServerName::try_from(host)
        .map(|name| name.to_owned())
        .map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                std::format!("{host:?} is not a valid TLS server name"),
            )
        })
}

/// The rustls error inside an I/O error from a TLS stream, if that is
/// what it is.
pub(crate) fn rustls_error(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref()?.downcast_ref::<rustls::Error>()
}

/// Why a TLS configuration could not be made here. The layers' clients
/// report it as [`layer::Error::TlsConfig`](crate::layer::Error::TlsConfig).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ConfigError {
    /// No crypto provider: rfc6455 was built without `rustls-aws-lc-rs`
    /// and `rustls-ring`, and the program installed no process default.
    NoProvider,
    /// No roots to trust by default: rfc6455 was built without
    /// `rustls-native-certs` and `webpki-roots`.
    NoRootsSource,
    /// A location named by an environment variable (`SSL_CERT_FILE`,
    /// `SSL_CERT_DIR`) could not be read, or holds no certificate.
    RootsLocation {
        /// The variable that named it.
        variable: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// The platform's certificate store gave no usable root (with the
    /// first error met while reading it, if any).
    NoPlatformRoots(Option<String>),
    /// rustls refused the configuration (a key that is not the
    /// certificate's, a provider without the protocol versions, ...).
    Rustls(rustls::Error),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NoProvider => f.write_str(
                "no TLS crypto provider: enable rfc6455's rustls-aws-lc-rs or rustls-ring \
                 feature, or install a process default with \
                 rustls::crypto::CryptoProvider::install_default",
            ),
            ConfigError::NoRootsSource => f.write_str(
                "no root certificates to verify servers with: enable rfc6455's \
                 rustls-native-certs (the platform's roots) or webpki-roots (Mozilla's) \
                 feature, or pass a rustls::ClientConfig (ClientOptions::tls_config)",
            ),
            ConfigError::RootsLocation {
                variable,
                path,
                problem,
            } => write!(
                f,
                "{variable} names {}, which {problem}: point it at PEM CA certificates, \
                 or unset it to use the platform's roots",
                path.display()
            ),
            ConfigError::NoPlatformRoots(problem) => {
                f.write_str("the platform's certificate store has no root certificate")?;
                if let Some(problem) = problem {
                    write!(f, " ({problem})")?;
                }
                f.write_str(
                    ": install the system's CA certificates, set SSL_CERT_FILE to a PEM file \
                     of them, or enable rfc6455's webpki-roots feature",
                )
            }
            ConfigError::Rustls(e) => write!(f, "rustls refused the TLS configuration: {e}"),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Rustls(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ConfigError> for io::Error {
    /// What a missing feature lacks is `Unsupported`; a missing root,
    /// `NotFound`; rustls' refusal, `Other`.
    fn from(e: ConfigError) -> Self {
        let kind = match e {
            ConfigError::NoProvider | ConfigError::NoRootsSource => io::ErrorKind::Unsupported,
            ConfigError::RootsLocation { .. } | ConfigError::NoPlatformRoots(_) => {
                io::ErrorKind::NotFound
            }
            ConfigError::Rustls(_) => io::ErrorKind::Other,
        };
        io::Error::new(kind, e)
    }
}

#[cfg(all(test, any(feature = "rustls-ring", feature = "rustls-aws-lc-rs")))]
mod tests {
    use super::*;

    /// The only test of the library's that installs a process default
    /// (installing is once per process).
    #[test]
    fn the_process_default_once_installed_is_the_provider() {
        let compiled = provider().unwrap();
        assert!(CryptoProvider::get_default().is_none());
        let one_suite = CryptoProvider {
            cipher_suites: vec![compiled.cipher_suites[0]],
            ..CryptoProvider::clone(&compiled)
        };
        assert!(compiled.cipher_suites.len() > 1);
        one_suite.install_default().unwrap();
        let chosen = provider().unwrap();
        assert_eq!(chosen.cipher_suites.len(), 1);
        let installed = CryptoProvider::get_default().unwrap();
        assert!(Arc::ptr_eq(&chosen, installed));
        let config = client_config_with_roots(RootCertStore::empty()).unwrap();
        assert!(Arc::ptr_eq(config.crypto_provider(), installed));
    }
}
