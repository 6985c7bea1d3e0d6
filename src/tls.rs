//! TLS for `wss://`, with rustls (feature `rustls`).
//!
//! Every configuration made here uses one crypto provider, *ring*, chosen
//! explicitly: nothing reads rustls' process-wide default, so no other
//! crate in the tree that enables a second provider can make it panic
//! with "no process-level CryptoProvider available".
//!
//! - Clients: [`client_config`] trusts the platform's roots (with
//!   `rustls-native-certs`, which reads `SSL_CERT_FILE` and `SSL_CERT_DIR`
//!   when set); [`client_config_with_roots`] trusts the roots given. The
//!   layers' clients use [`client_config`] unless their options carry one
//!   ([`ClientOptions::tls_config`](crate::layer::ClientOptions::tls_config)).
//!   The server name is the URL's host.
//! - Servers: [`server_config`] from a certificate chain and its key, for
//!   the layers' `accept_tls_with`.
//!
//! ```
//! use rfc6455::tls::{self, rustls};
//!
//! let mut roots = rustls::RootCertStore::empty();
//! // roots.add(my_ca_certificate)?;
//! let config = tls::client_config_with_roots(roots);
//! assert_eq!(config.alpn_protocols, [b"http/1.1".to_vec()]);
//! ```

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use std::io;
use std::sync::OnceLock;

pub use rustls;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

/// The crypto provider of every configuration made here: *ring*.
#[must_use]
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A client configuration trusting the platform's root certificates
/// (`SSL_CERT_FILE` / `SSL_CERT_DIR` when set, as OpenSSL reads them),
/// loaded once per process. ALPN offers `http/1.1`, the protocol of the
/// upgrade.
///
/// Fails if no root certificate could be loaded.
pub fn client_config() -> io::Result<Arc<ClientConfig>> {
    static NATIVE: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    if let Some(config) = NATIVE.get() {
        return Ok(Arc::clone(config));
    }
    let loaded = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(loaded.certs);
    if added == 0 {
        let why = loaded
            .errors
            .first()
            .map(|e| std::format!(": {e}"))
            .unwrap_or_default();
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            std::format!(
                "no root certificates found on this system{why} \
                 (set SSL_CERT_FILE, or pass a rustls::ClientConfig)"
            ),
        ));
    }
    Ok(Arc::clone(
        NATIVE.get_or_init(|| client_config_with_roots(roots)),
    ))
}

/// A client configuration trusting exactly `roots`, with ALPN `http/1.1`.
#[must_use]
pub fn client_config_with_roots(roots: RootCertStore) -> Arc<ClientConfig> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// A server configuration presenting `chain` (the server's certificate
/// first) with `key`, no client authentication, ALPN `http/1.1`.
///
/// Fails if the key does not match the certificate or is of a kind the
/// provider does not support.
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, rustls::Error> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
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
