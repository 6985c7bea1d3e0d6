//! wss:// with rustls: both layers' clients and servers over real TLS on
//! 127.0.0.1, with certificates made by a throwaway CA; the failures users
//! meet (an untrusted issuer, a certificate for another name, a peer that
//! never speaks TLS) as clear errors; the demo's `--tls` with the CA file
//! it prints; both crypto providers compiled in at once.
#![cfg(all(
    feature = "tokio-rustls",
    any(feature = "rustls-ring", feature = "rustls-aws-lc-rs")
))]

use crate::certs;
use crate::net;

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use net::both_clients_fail;
use rfc6455::layer::{self, Answer, ClientOptions, ServerOptions, Upgrade};
use rfc6455::tls::{self, rustls};
use rfc6455::{Message, blocking};

fn server_config(certs: &certs::DemoCerts) -> Arc<rustls::ServerConfig> {
    tls::server_config(certs.chain.clone(), certs.key.clone_key()).unwrap()
}

/// A blocking TLS server that echoes on one connection, with subprotocol
/// `chat` when offered; returns its port and what it ended with.
fn blocking_tls_echo(
    config: Arc<rustls::ServerConfig>,
    options: ServerOptions,
) -> (u16, thread::JoinHandle<Result<(), layer::Error>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        let (tcp, _) = listener.accept()?;
        let answer = |request: &rfc6455::handshake::Request| match request.protocols().next() {
            Some(protocol) => Answer::accept_protocol(protocol),
            None => Answer::accept(),
        };
        match blocking::accept_tls_with(tcp, config, options, answer)? {
            Upgrade::WebSocket(mut ws) => {
                while let Some(message) = ws.read()? {
                    ws.send(message)?;
                }
                Ok(())
            }
            other => panic!("not an upgrade: {other:?}"),
        }
    });
    (port, server)
}

#[test]
fn the_blocking_client_talks_to_the_blocking_server_over_wss() {
    let certs = certs::generate().unwrap();
    let (port, server) = blocking_tls_echo(server_config(&certs), ServerOptions::default());
    let options = ClientOptions::new(&format!("wss://localhost:{port}/echo"))
        .protocol("chat")
        .tls_config(certs.client_config())
        .no_proxy();
    let (mut ws, _) = blocking::connect_with(options).unwrap();
    assert!(matches!(ws.get_ref(), blocking::ClientStream::Tls(_)));
    assert_eq!(ws.protocol(), Some("chat"));
    ws.send(Message::from("over TLS")).unwrap();
    assert_eq!(ws.read().unwrap(), Some(Message::from("over TLS")));
    ws.send(Message::Binary(vec![7; 100_000].into())).unwrap();
    assert_eq!(
        ws.read().unwrap(),
        Some(Message::Binary(vec![7; 100_000].into()))
    );
    ws.close().unwrap();
    server.join().unwrap().unwrap();
    // Nothing here installed or needed a process-wide crypto provider.
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());
}

#[tokio::test]
async fn the_tokio_client_talks_to_the_tokio_server_over_wss() {
    let certs = certs::generate().unwrap();
    let config = server_config(&certs);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await?;
        let upgrade =
            rfc6455::tokio::accept_tls_with(tcp, config, ServerOptions::default(), |_| {
                Answer::accept()
            })
            .await?;
        let Upgrade::WebSocket(mut ws) = upgrade else {
            panic!("not an upgrade");
        };
        while let Some(message) = ws.next().await {
            ws.send(message?).await?;
        }
        Ok::<_, layer::Error>(())
    });
    let options = ClientOptions::new(&format!("wss://127.0.0.1:{port}/"))
        .tls_config(certs.client_config())
        .no_proxy();
    let (mut ws, _) = rfc6455::tokio::connect_with(options).await.unwrap();
    assert!(matches!(ws.get_ref(), rfc6455::tokio::ClientStream::Tls(_)));
    for text in ["one", "two"] {
        ws.send(Message::from(text)).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::from(text));
    }
    ws.close().await.unwrap();
    server.await.unwrap().unwrap();
}

/// A TLS server that accepts `connections` handshakes and drops them.
fn tls_listener(config: Arc<rustls::ServerConfig>, connections: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for _ in 0..connections {
            let Ok((tcp, _)) = listener.accept() else {
                return;
            };
            let config = config.clone();
            thread::spawn(move || {
                let _ = blocking::accept_tls_with(tcp, config, ServerOptions::default(), |_| {
                    Answer::accept()
                });
            });
        }
    });
    port
}

#[test]
fn a_certificate_from_an_untrusted_issuer_is_a_tls_error_that_says_so() {
    let certs = certs::generate().unwrap();
    let port = tls_listener(server_config(&certs), 2);
    let stranger = certs::generate().unwrap();
    let url = format!("wss://127.0.0.1:{port}/");
    let options = ClientOptions::new(&url)
        .tls_config(stranger.client_config())
        .no_proxy();
    for error in both_clients_fail(options) {
        assert!(
            matches!(
                error,
                layer::Error::Tls(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::UnknownIssuer
                ))
            ),
            "{error:?}"
        );
        assert!(error.to_string().contains("SSL_CERT_FILE"), "{error}");
    }
}

#[test]
fn a_certificate_for_another_name_is_a_tls_error_that_says_so() {
    let certs = certs::generate_for(&["example.invalid"]).unwrap();
    let port = tls_listener(server_config(&certs), 2);
    let url = format!("wss://127.0.0.1:{port}/");
    let options = ClientOptions::new(&url)
        .tls_config(certs.client_config())
        .no_proxy();
    for error in both_clients_fail(options) {
        assert!(
            matches!(
                error,
                layer::Error::Tls(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::NotValidForName
                        | rustls::CertificateError::NotValidForNameContext { .. }
                ))
            ),
            "{error:?}"
        );
        assert!(error.to_string().contains("another host name"), "{error}");
    }
}

#[test]
fn a_server_that_never_answers_the_tls_hello_is_cut_at_the_open_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = thread::spawn(move || {
        // Hold both connections open, silent, until the clients give up.
        let held: Vec<TcpStream> = (0..2).map(|_| listener.accept().unwrap().0).collect();
        thread::sleep(Duration::from_secs(2));
        drop(held);
    });
    let certs = certs::generate().unwrap();
    let options = ClientOptions::new(&format!("wss://127.0.0.1:{port}/"))
        .tls_config(certs.client_config())
        .open_timeout(Some(Duration::from_millis(300)))
        .no_proxy();
    let started = Instant::now();
    let error = blocking::connect_with(options.clone()).unwrap_err();
    assert!(matches!(error, layer::Error::OpenTimeout), "{error:?}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let error = runtime
        .block_on(rfc6455::tokio::connect_with(options))
        .unwrap_err();
    assert!(matches!(error, layer::Error::OpenTimeout), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    holder.join().unwrap();
}

#[test]
fn a_client_that_never_says_hello_is_cut_at_the_servers_open_timeout() {
    let certs = certs::generate().unwrap();
    let options = ServerOptions::default().open_timeout(Some(Duration::from_millis(300)));
    let (port, server) = blocking_tls_echo(server_config(&certs), options);
    let _silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let started = Instant::now();
    let error = server.join().unwrap().unwrap_err();
    assert!(matches!(error, layer::Error::OpenTimeout), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn a_plain_client_at_a_tls_server_is_refused_without_a_hang() {
    let certs = certs::generate().unwrap();
    let (port, server) = blocking_tls_echo(server_config(&certs), ServerOptions::default());
    let options = ClientOptions::new(&format!("ws://127.0.0.1:{port}/"))
        .open_timeout(Some(Duration::from_secs(5)))
        .no_proxy();
    let started = Instant::now();
    assert!(blocking::connect_with(options).is_err());
    let error = server.join().unwrap().unwrap_err();
    assert!(matches!(error, layer::Error::Tls(_)), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

/// With both providers compiled in (as `--all-features` builds them),
/// rustls cannot choose a process default, so a program's own
/// `ClientConfig::builder()` panics; the configurations made here name
/// their provider (aws-lc-rs) and work.
#[cfg(all(feature = "rustls-ring", feature = "rustls-aws-lc-rs"))]
#[test]
fn with_both_providers_compiled_in_our_clients_and_servers_still_work() {
    use rustls::crypto::CryptoProvider;
    assert!(CryptoProvider::get_default().is_none());
    let builder = std::panic::catch_unwind(rustls::ClientConfig::builder);
    assert!(builder.is_err(), "rustls chose a provider by itself");

    let provider = tls::provider().unwrap();
    let post_quantum = rustls::NamedGroup::X25519MLKEM768;
    assert!(
        provider
            .kx_groups
            .iter()
            .any(|kx| kx.name() == post_quantum),
        "aws-lc-rs (the one with X25519MLKEM768) is the provider chosen"
    );
    let certs = certs::generate().unwrap();
    let (port, server) = blocking_tls_echo(server_config(&certs), ServerOptions::default());
    let options = ClientOptions::new(&format!("wss://127.0.0.1:{port}/"))
        .tls_config(certs.client_config())
        .no_proxy();
    let (mut ws, _) = blocking::connect_with(options).unwrap();
    ws.send(Message::from("two providers")).unwrap();
    assert_eq!(ws.read().unwrap(), Some(Message::from("two providers")));
    ws.close().unwrap();
    server.join().unwrap().unwrap();
    assert!(CryptoProvider::get_default().is_none());
}

/// `echo_client` trusting roots through `SSL_CERT_FILE`, as the platform's
/// roots are read.
#[cfg(feature = "rustls-native-certs")]
mod through_ssl_cert_file {
    use super::*;
    use crate::examples;

    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Command, Stdio};

    /// `SSL_CERT_FILE` naming a file that is not there fails the client at
    /// its first `wss://`, with an error naming the file, instead of falling
    /// back to other roots or to an "unknown issuer" later.
    #[test]
    fn a_missing_ssl_cert_file_fails_the_client_with_an_error_that_names_it() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let missing = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-such-ca.pem");
        let output = Command::new(examples::program("echo_client"))
            .arg(format!("wss://{addr}/echo"))
            .env("SSL_CERT_FILE", &missing)
            .env_remove("SSL_CERT_DIR")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{stderr}");
        let expected = format!(
            "SSL_CERT_FILE names {}, which cannot be read (",
            missing.display()
        );
        assert!(stderr.contains(&expected), "{stderr}");
        assert!(
            stderr.contains("or unset it to use the platform's roots"),
            "{stderr}"
        );
        // This end's configuration is at fault, not the transport.
        assert!(!stderr.contains("transport error"), "{stderr}");
        drop(listener);
    }

    /// The demo's `--tls`: its banner, its CA file, its HTTPS page and its
    /// WSS echo for `echo_client` trusting that file through `SSL_CERT_FILE`.
    #[test]
    fn the_demo_serves_https_and_wss_with_the_ca_it_prints() {
        let mut child = Command::new(examples::demo(true))
            .args(["--tls", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut banner = BufReader::new(child.stdout.take().unwrap());
        let _server = examples::Running(child);
        let mut line = String::new();
        banner.read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("echo server on https://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("unexpected banner {line:?}"))
            .to_owned();
        line.clear();
        banner.read_line(&mut line).unwrap();
        let ca_file = line
            .trim()
            .strip_prefix("certificate authority: ")
            .unwrap_or_else(|| panic!("unexpected second line {line:?}"))
            .to_owned();
        let ca_pem = std::fs::read_to_string(&ca_file).unwrap();
        assert!(ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));

        // The page over HTTPS, trusting the CA.
        let ca = certs_from_pem(&ca_pem);
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca).unwrap();
        let config = tls::client_config_with_roots(roots).unwrap();
        let session = rustls::ClientConnection::new(config, name).unwrap();
        let mut tls = rustls::StreamOwned::new(session, TcpStream::connect(&addr).unwrap());
        tls.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut page = Vec::new();
        let _ = tls.read_to_end(&mut page);
        let page = String::from_utf8_lossy(&page);
        assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
        assert!(page.contains("new WebSocket(scheme + location.host + '/echo', ['soap', 'xmpp'])"));

        // The echo client, trusting the CA through the environment.
        let mut client = Command::new(examples::program("echo_client"))
            .args([&format!("wss://{addr}/echo"), "--protocol", "soap"])
            .env("SSL_CERT_FILE", &ca_file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        client
            .stdin
            .take()
            .unwrap()
            .write_all(b"secure hello\n")
            .unwrap();
        let output = client.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert_eq!(String::from_utf8_lossy(&output.stdout), "secure hello\n");
        assert!(stderr.contains("subprotocol: soap"), "{stderr}");
    }

    /// The first certificate of a PEM file.
    fn certs_from_pem(pem: &str) -> rustls::pki_types::CertificateDer<'static> {
        use rustls::pki_types::pem::PemObject;
        rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).unwrap()
    }
}
