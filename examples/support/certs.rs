//! A throwaway certificate authority and a server certificate it signed,
//! for `localhost`, `127.0.0.1` and `::1`: the demo's `--tls`, and the TLS
//! tests. Made fresh at each start; nothing is ever trusted system-wide.
#![allow(dead_code)] // the demo serves with it; tests also trust `ca`

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A CA (to trust) and the server's chain and key (to serve with).
pub struct DemoCerts {
    /// The CA's certificate, PEM: what a client trusts (`SSL_CERT_FILE`).
    pub ca_pem: String,
    /// The CA's certificate, DER.
    pub ca: CertificateDer<'static>,
    /// The server's certificate, then the CA's.
    pub chain: Vec<CertificateDer<'static>>,
    /// The server's private key.
    pub key: PrivateKeyDer<'static>,
    /// The server's certificate then the CA's, PEM (for other TLS stacks).
    pub chain_pem: String,
    /// The server's private key, PEM (PKCS#8).
    pub key_pem: String,
}

impl DemoCerts {
    /// A client configuration that trusts this CA only.
    pub fn client_config(&self) -> std::sync::Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(self.ca.clone())
            .expect("the CA's own certificate parses");
        rfc6455::tls::client_config_with_roots(roots)
            .expect("a crypto provider: rustls-aws-lc-rs or rustls-ring")
    }
}

/// Makes a CA and a server certificate signed by it, for `localhost`,
/// `127.0.0.1` and `::1`.
pub fn generate() -> Result<DemoCerts, rcgen::Error> {
    generate_for(&["localhost", "127.0.0.1", "::1"])
}

/// Makes a CA and a server certificate signed by it, for `names`.
pub fn generate_for(names: &[&str]) -> Result<DemoCerts, rcgen::Error> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    // A name of its own, so that a client trusting an older demo CA is
    // told "unknown issuer", not "bad signature".
    let made = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, format!("rfc6455 demo CA {made}"));
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

    let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
    let mut server_params = CertificateParams::new(names)?;
    server_params
        .distinguished_name
        .push(DnType::CommonName, "rfc6455 demo server");
    let server_key = KeyPair::generate()?;
    let server = server_params.signed_by(&server_key, &ca)?;

    Ok(DemoCerts {
        chain_pem: server.pem() + &ca.pem(),
        key_pem: server_key.serialize_pem(),
        ca_pem: ca.pem(),
        ca: ca.der().clone(),
        chain: vec![server.der().clone(), ca.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
    })
}
