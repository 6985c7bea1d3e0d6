//! Against python-websockets, a real, independent peer: its server and our
//! clients, our servers and its client, with its defaults (it offers and
//! accepts permessage-deflate). The test installs python-websockets into a
//! virtualenv under `target/tmp` the first time it runs; without python3 or
//! PyPI the tests skip, saying why, unless `CI` is set. With TLS (the
//! `rustls` feature and a provider), the same over TLS (its `ssl` module on
//! one side, rustls on the other), with certificates from a throwaway CA.

#[cfg(all(
    feature = "rustls",
    any(feature = "rustls-ring", feature = "rustls-aws-lc-rs")
))]
use crate::certs;

#[path = "../common/python.rs"]
mod python;

use python::Python;

use std::net::TcpListener;
#[cfg(all(
    feature = "rustls",
    any(feature = "rustls-ring", feature = "rustls-aws-lc-rs")
))]
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use rfc6455::blocking;
use rfc6455::handshake::Request;
use rfc6455::layer::{Answer, ClientOptions, ServerOptions, Upgrade};
use rfc6455::{CloseCode, CloseFrame, Message};

/// How long a python client may take to finish.
const PYTHON_CLIENT_LIMIT: Duration = Duration::from_secs(10);

/// Echoes on an ephemeral port, printed first; with a certificate chain
/// and key (PEM files) as arguments, over TLS.
const ECHO_SERVER: &str = r#"
import ssl, sys
from websockets.sync.server import serve
def echo(ws):
    for message in ws:
        ws.send(message)
context = None
if len(sys.argv) > 2:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
with serve(echo, "127.0.0.1", 0, subprotocols=["soap"], ssl=context) as server:
    print(server.socket.getsockname()[1], flush=True)
    server.serve_forever()
"#;

#[test]
fn the_blocking_client_talks_to_a_python_websockets_server() {
    let Some(python) = python::websockets() else {
        return;
    };
    let (_server, port) = python.run(ECHO_SERVER, &[]);
    let options =
        ClientOptions::new(&format!("ws://127.0.0.1:{port}/")).protocols(["soap", "xmpp"]);
    let (mut ws, _) = blocking::connect_with(options).unwrap();
    assert_eq!(ws.protocol(), Some("soap"));
    #[cfg(feature = "deflate")]
    assert!(ws.connection().deflate().is_some(), "deflate negotiated");
    for message in [
        Message::from("Ping"),
        Message::from("x".repeat(100_000)),
        Message::from((0..=255u8).cycle().take(1 << 20).collect::<Vec<u8>>()),
    ] {
        ws.send(message.clone()).unwrap();
        assert_eq!(ws.read().unwrap(), Some(message));
    }
    ws.close_with(CloseFrame::new(CloseCode::NORMAL, "done"))
        .unwrap();
    assert_eq!(ws.close_frame().map(|f| f.code), Some(CloseCode::NORMAL));
}

/// The server's answer to the python client: its second choice, xmpp.
fn xmpp(request: &Request) -> Answer {
    Answer::accept_protocol(request.first_protocol_in(&["xmpp"]).unwrap())
}

/// Echoes every message on the accepted WebSocket; how many there were.
fn echo_all<S: blocking::Transport>(upgrade: Upgrade<blocking::WebSocket<S>, S>) -> usize {
    let Upgrade::WebSocket(mut ws) = upgrade else {
        panic!("not an upgrade")
    };
    #[cfg(feature = "deflate")]
    assert!(ws.connection().deflate().is_some(), "deflate negotiated");
    let mut echoed = 0;
    while let Some(message) = ws.read().unwrap() {
        ws.send(message).unwrap();
        echoed += 1;
    }
    echoed
}

/// Runs the python echo client against `url` offering soap and xmpp (with
/// `ca_file` for wss://) and checks the server chose xmpp and the client
/// finished cleanly.
fn python_client_succeeds(python: &Python, url: &str, ca_file: Option<&str>) {
    let (client, protocol) = python.echo_client(url, &["soap", "xmpp"], ca_file);
    assert_eq!(protocol, "xmpp");
    assert!(
        client.exits_cleanly_within(PYTHON_CLIENT_LIMIT),
        "the python client failed"
    );
}

#[test]
fn a_python_websockets_client_talks_to_the_blocking_server() {
    let Some(python) = python::websockets() else {
        return;
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/echo", listener.local_addr().unwrap());
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        echo_all(blocking::accept_with(stream, ServerOptions::default(), xmpp).unwrap())
    });
    python_client_succeeds(python, &url, None);
    assert_eq!(server.join().unwrap(), 2);
}

#[cfg(feature = "tokio")]
#[tokio::test]
async fn the_tokio_client_talks_to_a_python_websockets_server() {
    let Some(python) = python::websockets() else {
        return;
    };
    let (_server, port) = python.run(ECHO_SERVER, &[]);
    let options =
        ClientOptions::new(&format!("ws://127.0.0.1:{port}/")).protocols(["soap", "xmpp"]);
    let (mut ws, _) = rfc6455::tokio::connect_with(options).await.unwrap();
    assert_eq!(ws.protocol(), Some("soap"));
    #[cfg(feature = "deflate")]
    assert!(ws.connection().deflate().is_some(), "deflate negotiated");
    for message in [
        Message::from("Ping"),
        Message::from((0..=255u8).cycle().take(1 << 20).collect::<Vec<u8>>()),
    ] {
        ws.send(message.clone()).await.unwrap();
        assert_eq!(ws.next().await.transpose().unwrap(), Some(message));
    }
    ws.close_with(CloseFrame::new(CloseCode::NORMAL, "done"))
        .await
        .unwrap();
    assert_eq!(ws.close_frame().map(|f| f.code), Some(CloseCode::NORMAL));
}

/// Echoes every message on the accepted WebSocket; how many there were.
#[cfg(feature = "tokio")]
async fn echo_all_async<S>(upgrade: Upgrade<rfc6455::tokio::WebSocketStream<S>, S>) -> usize
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let Upgrade::WebSocket(mut ws) = upgrade else {
        panic!("not an upgrade")
    };
    let mut echoed = 0;
    while let Some(message) = ws.next().await {
        ws.send(message.unwrap()).await.unwrap();
        echoed += 1;
    }
    echoed
}

#[cfg(feature = "tokio")]
#[tokio::test]
async fn a_python_websockets_client_talks_to_the_tokio_server() {
    let Some(python) = python::websockets() else {
        return;
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/echo", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let upgrade = rfc6455::tokio::accept_with(stream, ServerOptions::default(), xmpp);
        echo_all_async(upgrade.await.unwrap()).await
    });
    tokio::task::spawn_blocking(move || python_client_succeeds(python, &url, None))
        .await
        .unwrap();
    assert_eq!(server.await.unwrap(), 2);
}

/// Certificates for the TLS tests, with their PEM files written under
/// `target/tmp`: (certs, CA file, chain file, key file).
#[cfg(all(
    feature = "rustls",
    any(feature = "rustls-ring", feature = "rustls-aws-lc-rs")
))]
fn tls_files() -> (certs::DemoCerts, String, String, String) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let certs = certs::generate().unwrap();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "python-tls-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, pem: &str| {
        let path = dir.join(name);
        std::fs::write(&path, pem).unwrap();
        path.to_string_lossy().into_owned()
    };
    let ca = write("ca.pem", &certs.ca_pem);
    let chain = write("chain.pem", &certs.chain_pem);
    let key = write("key.pem", &certs.key_pem);
    (certs, ca, chain, key)
}

#[cfg(all(
    feature = "tokio-rustls",
    any(feature = "rustls-ring", feature = "rustls-aws-lc-rs")
))]
#[test]
fn both_clients_talk_to_a_python_websockets_server_over_wss() {
    let Some(python) = python::websockets() else {
        return;
    };
    let (certs, _, chain, key) = tls_files();
    let (_server, port) = python.run(ECHO_SERVER, &[&chain, &key]);
    let options = ClientOptions::new(&format!("wss://localhost:{port}/"))
        .protocol("soap")
        .tls_config(certs.client_config())
        .no_proxy();
    let (mut ws, _) = blocking::connect_with(options.clone()).unwrap();
    assert_eq!(ws.protocol(), Some("soap"));
    let big = Message::from((0..=255u8).cycle().take(1 << 20).collect::<Vec<u8>>());
    for message in [Message::from("Ping over TLS"), big.clone()] {
        ws.send(message.clone()).unwrap();
        assert_eq!(ws.read().unwrap(), Some(message));
    }
    ws.close_with(CloseFrame::new(CloseCode::NORMAL, "done"))
        .unwrap();
    assert_eq!(ws.close_frame().map(|f| f.code), Some(CloseCode::NORMAL));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (mut ws, _) = rfc6455::tokio::connect_with(options).await.unwrap();
        ws.send(big.clone()).await.unwrap();
        assert_eq!(ws.next().await.transpose().unwrap(), Some(big));
        ws.close().await.unwrap();
    });
}

#[cfg(all(
    feature = "rustls",
    any(feature = "rustls-ring", feature = "rustls-aws-lc-rs")
))]
#[test]
fn a_python_websockets_client_talks_to_the_blocking_server_over_wss() {
    let Some(python) = python::websockets() else {
        return;
    };
    let (certs, ca, _, _) = tls_files();
    let config = rfc6455::tls::server_config(certs.chain, certs.key).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "wss://localhost:{}/echo",
        listener.local_addr().unwrap().port()
    );
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        echo_all(blocking::accept_tls_with(stream, config, ServerOptions::default(), xmpp).unwrap())
    });
    python_client_succeeds(python, &url, Some(&ca));
    assert_eq!(server.join().unwrap(), 2);
}

#[cfg(all(
    feature = "tokio-rustls",
    any(feature = "rustls-ring", feature = "rustls-aws-lc-rs")
))]
#[tokio::test]
async fn a_python_websockets_client_talks_to_the_tokio_server_over_wss() {
    let Some(python) = python::websockets() else {
        return;
    };
    let (certs, ca, _, _) = tls_files();
    let config = rfc6455::tls::server_config(certs.chain, certs.key).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "wss://localhost:{}/echo",
        listener.local_addr().unwrap().port()
    );
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let options = ServerOptions::default();
        let upgrade = rfc6455::tokio::accept_tls_with(stream, config, options, xmpp);
        echo_all_async(upgrade.await.unwrap()).await
    });
    tokio::task::spawn_blocking(move || python_client_succeeds(python, &url, Some(&ca)))
        .await
        .unwrap();
    assert_eq!(server.await.unwrap(), 2);
}
