//! Opening handshakes: subprotocols, rejections, plain HTTP, wss, open timeouts.

use super::*;
use rfc6455::handshake::{HandshakeError, RequestError};

#[tokio::test]
async fn the_server_picks_the_subprotocol_by_its_own_preference() {
    bounded(async {
        let (listener, url) = listen().await;
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut offered = Vec::new();
            let upgrade = accept_with(tcp, ServerOptions::default(), |request| {
                offered = request.protocols().map(String::from).collect();
                match request.first_protocol_in(&["xmpp", "soap"]) {
                    Some(protocol) => Answer::accept_protocol(protocol),
                    None => Answer::reject(400, "no common subprotocol"),
                }
            });
            let Upgrade::WebSocket(mut ws) = upgrade.await.unwrap() else {
                panic!("not upgraded")
            };
            let protocol = ws.protocol().map(String::from);
            assert!(ws.next().await.is_none());
            (offered, protocol)
        });
        let options = ClientOptions::new(&url).protocols(["soap", "xmpp"]);
        let (mut ws, response) = connect_with(options).await.unwrap();
        assert_eq!(ws.protocol(), Some("xmpp"));
        assert_eq!(
            response.header("sec-websocket-protocol"),
            Some(&b"xmpp"[..])
        );
        ws.close().await.unwrap();
        let (offered, protocol) = server.await.unwrap();
        assert_eq!(offered, ["soap", "xmpp"]);
        assert_eq!(protocol.as_deref(), Some("xmpp"));
    })
    .await;
}

#[tokio::test]
async fn a_rejected_upgrade_is_an_error_with_the_status_and_headers() {
    bounded(async {
        let (listener, url) = listen().await;
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            accept_with(tcp, ServerOptions::default(), |_| {
                Answer::reject(403, "origin not allowed")
            })
            .await
            .unwrap()
        });
        let error = connect(&url).await.unwrap_err();
        let rejection = error.rejection().expect("a rejection");
        assert_eq!(rejection.status(), 403);
        assert_eq!(rejection.header("connection"), Some(&b"close"[..]));
        assert_eq!(rejection.header("content-length"), Some(&b"18"[..]));
        assert!(matches!(error, layer::Error::Rejected(_)));
        assert!(matches!(server.await.unwrap(), Upgrade::Rejected(403)));
    })
    .await;
}

#[tokio::test]
async fn a_plain_http_request_is_handed_back_with_its_bytes() {
    bounded(async {
        let (listener, _) = listen().await;
        let addr = listener.local_addr().unwrap();
        let request = b"GET /page?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n";
        let client = tokio::spawn(async move {
            let mut tcp = TcpStream::connect(addr).await.unwrap();
            tcp.write_all(request).await.unwrap();
            let mut response = Vec::new();
            tcp.read_to_end(&mut response).await.unwrap();
            response
        });
        let (tcp, _) = listener.accept().await.unwrap();
        let upgrade = accept_with(tcp, ServerOptions::default(), |_| Answer::accept());
        let Upgrade::Http(mut http) = upgrade.await.unwrap() else {
            panic!("a plain request must be handed back")
        };
        assert_eq!(http.bytes, request);
        assert_eq!(http.method_and_target(), Some(("GET", "/page?x=1")));
        http.stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
            .await
            .unwrap();
        http.stream.shutdown().await.unwrap();
        assert!(client.await.unwrap().ends_with(b"\r\n\r\nhi"));
    })
    .await;
}

#[tokio::test]
async fn accept_answers_a_plain_http_request_with_the_handshake_error_response() {
    bounded(async {
        let (listener, _) = listen().await;
        let addr = listener.local_addr().unwrap();
        let client = tokio::spawn(async move {
            let mut tcp = TcpStream::connect(addr).await.unwrap();
            tcp.write_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")
                .await
                .unwrap();
            let mut response = Vec::new();
            tcp.read_to_end(&mut response).await.unwrap();
            String::from_utf8(response).unwrap()
        });
        let (tcp, _) = listener.accept().await.unwrap();
        let error = accept(tcp).await.unwrap_err();
        assert!(matches!(
            error,
            layer::Error::Handshake(HandshakeError::Request(RequestError::NotGet))
        ));
        let response = client.await.unwrap();
        assert!(response.starts_with("HTTP/1.1 405 "), "{response}");
        assert!(response.contains("\r\nAllow: GET\r\n"), "{response}");
    })
    .await;
}

#[cfg(not(feature = "tokio-rustls"))]
#[tokio::test]
async fn wss_urls_are_refused_at_once_without_the_tokio_rustls_feature() {
    bounded(async {
        let error = connect("wss://127.0.0.1:1/").await.unwrap_err();
        let layer::Error::Io(error) = error else {
            panic!("expected an I/O error, got {error:?}")
        };
        assert_eq!(error.kind(), std::io::ErrorKind::Unsupported);
        assert!(
            error
                .to_string()
                .contains("enable the tokio-rustls feature of rfc6455"),
            "{error}"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_server_gives_up_on_a_request_that_never_ends_after_the_open_timeout() {
    bounded(async {
        let (mut client_io, server_io) = tokio::io::duplex(4096);
        client_io
            .write_all(b"GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgr")
            .await
            .unwrap();
        let start = Instant::now();
        let error = accept(server_io).await.unwrap_err();
        assert!(matches!(error, layer::Error::OpenTimeout), "{error:?}");
        let waited = start.elapsed();
        assert!(waited >= Duration::from_secs(10) && waited < Duration::from_secs(11));
        drop(client_io);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_client_gives_up_on_a_server_that_never_answers_after_the_open_timeout() {
    bounded(async {
        let (client_io, mut server_io) = tokio::io::duplex(4096);
        let silent = tokio::spawn(async move {
            let mut buf = Vec::new();
            let _ = server_io.read_to_end(&mut buf).await;
            buf
        });
        let start = Instant::now();
        let options = options().open_timeout(Some(Duration::from_secs(3)));
        let error = connect_on(client_io, options).await.unwrap_err();
        assert!(matches!(error, layer::Error::OpenTimeout), "{error:?}");
        let waited = start.elapsed();
        assert!(waited >= Duration::from_secs(3) && waited < Duration::from_secs(4));
        assert!(silent.await.unwrap().starts_with(b"GET /chat HTTP/1.1\r\n"));
    })
    .await;
}
