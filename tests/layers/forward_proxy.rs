//! Through a real forward proxy: Debian's tinyproxy, started here on
//! 127.0.0.1 with CONNECT allowed. ws:// and wss:// tunnel with CONNECT
//! from both layers' clients; Basic credentials from the proxy URL, and
//! the 407 without them; a proxy that refuses the port; the proxy from the
//! environment and `no_proxy` (through `echo_client`, which reads them).
//!
//! Without tinyproxy the tests say so and pass, except under CI (`CI` set),
//! where a missing proxy fails them: `.ci/run` installs it
//! (`common::peers`).
#![cfg(all(
    feature = "tokio-rustls",
    any(feature = "rustls-ring", feature = "rustls-aws-lc-rs")
))]

use crate::certs;
use crate::common::peers::require_program;
use crate::examples;
use crate::net;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use net::{both_clients_fail, free_port, runtime};
use rfc6455::layer::{self, Answer, ClientOptions, ServerOptions, Upgrade};
use rfc6455::tls::{self, rustls};
use rfc6455::{Message, blocking};

/// A tinyproxy of this test's own, killed when dropped.
struct Tinyproxy {
    _process: examples::Running,
    port: u16,
    log: PathBuf,
}

impl Tinyproxy {
    /// Starts tinyproxy with `extra` configuration lines; `None` (the test
    /// is skipped, having said why) if tinyproxy is not installed outside
    /// CI.
    fn start(extra: &str) -> Option<Tinyproxy> {
        let program = require_program("tinyproxy", "apt-get install tinyproxy")?;
        let port = free_port();
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("tinyproxy-{port}"));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("tinyproxy.log");
        let _ = std::fs::remove_file(&log);
        let conf = dir.join("tinyproxy.conf");
        std::fs::write(
            &conf,
            format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 50\nAllow 127.0.0.1\n\
                 LogLevel Connect\nLogFile \"{}\"\n{extra}\n",
                log.display()
            ),
        )
        .unwrap();
        let child = Command::new(program)
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let process = examples::Running(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tinyproxy did not start");
            thread::sleep(Duration::from_millis(50));
        }
        Some(Tinyproxy {
            _process: process,
            port,
            log,
        })
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Whether the proxy logged a CONNECT to `port`.
    fn tunnelled_to(&self, port: u16) -> bool {
        // The log is written as the proxy goes; give it a moment.
        let wanted = format!("CONNECT 127.0.0.1:{port} ");
        (0..50).any(|_| {
            let seen = std::fs::read_to_string(&self.log)
                .unwrap_or_default()
                .contains(&wanted);
            if !seen {
                thread::sleep(Duration::from_millis(20));
            }
            seen
        })
    }
}

/// A blocking echo server for `connections` connections, in TLS with
/// `tls`; returns its port.
fn echo_server(connections: usize, tls: Option<Arc<rustls::ServerConfig>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for _ in 0..connections {
            let Ok((tcp, _)) = listener.accept() else {
                return;
            };
            let tls = tls.clone();
            thread::spawn(move || {
                let options = ServerOptions::default();
                let _ = match tls {
                    Some(tls) => blocking::accept_tls_with(tcp, tls, options, |_| Answer::accept())
                        .and_then(echo),
                    None => {
                        blocking::accept_with(tcp, options, |_| Answer::accept()).and_then(echo)
                    }
                };
            });
        }
    });
    port
}

/// Echoes until the peer closes, if this is a WebSocket.
fn echo<S: blocking::Transport>(
    upgrade: Upgrade<blocking::WebSocket<S>, S>,
) -> Result<(), layer::Error> {
    if let Upgrade::WebSocket(mut ws) = upgrade {
        while let Some(message) = ws.read()? {
            ws.send(message)?;
        }
    }
    Ok(())
}

/// Both clients connect with `options`, send a message and read its echo.
fn both_clients_echo(options: ClientOptions) {
    let (mut ws, _) = blocking::connect_with(options.clone()).unwrap();
    ws.send(Message::from("via the proxy")).unwrap();
    assert_eq!(ws.read().unwrap(), Some(Message::from("via the proxy")));
    ws.close().unwrap();
    runtime().block_on(async {
        let (mut ws, _) = rfc6455::tokio::connect_with(options).await.unwrap();
        ws.send(Message::from("via the proxy, async"))
            .await
            .unwrap();
        assert_eq!(
            ws.next().await.unwrap().unwrap(),
            Message::from("via the proxy, async")
        );
        ws.close().await.unwrap();
    });
}

#[test]
fn ws_tunnels_through_the_proxy_with_connect() {
    let Some(proxy) = Tinyproxy::start("") else {
        return;
    };
    let port = echo_server(2, None);
    both_clients_echo(ClientOptions::new(&format!("ws://127.0.0.1:{port}/")).proxy(&proxy.url()));
    assert!(proxy.tunnelled_to(port));
}

#[test]
fn wss_runs_tls_inside_the_tunnel() {
    let Some(proxy) = Tinyproxy::start("") else {
        return;
    };
    let certs = certs::generate().unwrap();
    let config = tls::server_config(certs.chain.clone(), certs.key.clone_key()).unwrap();
    let port = echo_server(2, Some(config));
    let options = ClientOptions::new(&format!("wss://localhost:{port}/"))
        .tls_config(certs.client_config())
        .proxy(&proxy.url());
    // The proxy resolves the name; the certificate is checked against it.
    both_clients_echo(options);
    let log = std::fs::read_to_string(&proxy.log).unwrap();
    assert!(log.contains(&format!("CONNECT localhost:{port} ")), "{log}");
}

#[test]
fn credentials_in_the_proxy_url_answer_basic_auth_and_their_absence_is_a_407() {
    let Some(proxy) = Tinyproxy::start("BasicAuth tester s3cret") else {
        return;
    };
    let port = echo_server(2, None);
    let url = format!("ws://127.0.0.1:{port}/");
    // No credentials: 407 with the challenge.
    for error in both_clients_fail(ClientOptions::new(&url).proxy(&proxy.url())) {
        let layer::Error::ProxyRefused(refusal) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(refusal.status(), 407);
        let challenge = refusal.header("Proxy-Authenticate").unwrap();
        assert!(challenge.starts_with(b"Basic"), "{challenge:?}");
        assert!(error.to_string().contains("credentials"), "{error}");
    }
    // Wrong ones: tinyproxy 1.11 answers 401 (with WWW-Authenticate), where
    // other proxies answer 407 again.
    let wrong = format!("http://tester:wrong@127.0.0.1:{}", proxy.port);
    for error in both_clients_fail(ClientOptions::new(&url).proxy(&wrong)) {
        let layer::Error::ProxyRefused(refusal) = &error else {
            panic!("{error:?}");
        };
        assert!([401, 407].contains(&refusal.status()), "{error}");
        assert!(error.to_string().contains("credentials"), "{error}");
    }
    // Percent-encoded in the URL, decoded before they are sent.
    let with_credentials = format!("http://tester:%73%33cret@127.0.0.1:{}", proxy.port);
    both_clients_echo(ClientOptions::new(&url).proxy(&with_credentials));
    assert!(proxy.tunnelled_to(port));
    // wss:// with the same credentials: TLS inside the authorised tunnel.
    let certs = certs::generate().unwrap();
    let config = tls::server_config(certs.chain.clone(), certs.key.clone_key()).unwrap();
    let tls_port = echo_server(2, Some(config));
    let secure = ClientOptions::new(&format!("wss://localhost:{tls_port}/"))
        .tls_config(certs.client_config())
        .proxy(&with_credentials);
    both_clients_echo(secure.clone());
    let refused = both_clients_fail(secure.proxy(&proxy.url()));
    assert!(
        refused
            .iter()
            .all(|e| matches!(e, layer::Error::ProxyRefused(r) if r.status() == 407)),
        "{refused:?}"
    );
}

#[test]
fn a_proxy_that_refuses_the_port_is_a_refusal_with_its_status() {
    let Some(proxy) = Tinyproxy::start("ConnectPort 443") else {
        return;
    };
    let port = echo_server(0, None);
    let options = ClientOptions::new(&format!("ws://127.0.0.1:{port}/")).proxy(&proxy.url());
    for error in both_clients_fail(options) {
        let layer::Error::ProxyRefused(refusal) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(refusal.status(), 403, "{error}");
    }
}

#[test]
fn a_proxy_that_is_not_there_is_an_error_that_names_it() {
    let dead = free_port();
    let options =
        ClientOptions::new("ws://127.0.0.1:9/").proxy(&format!("http://127.0.0.1:{dead}"));
    for error in both_clients_fail(options) {
        assert!(matches!(error, layer::Error::Io(_)), "{error:?}");
        assert!(
            error
                .to_string()
                .contains(&format!("proxy 127.0.0.1:{dead}")),
            "{error}"
        );
    }
}

/// Runs `echo_client URL` with only `vars` as proxy settings; returns
/// whether it echoed, and its stderr.
fn echo_client_with(url: &str, vars: &[(&str, String)]) -> (bool, String) {
    let mut command = Command::new(examples::program("echo_client"));
    command.arg(url);
    for name in [
        "ws_proxy",
        "WS_PROXY",
        "wss_proxy",
        "WSS_PROXY",
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
    ] {
        command.env_remove(name);
    }
    command.envs(vars.iter().map(|(k, v)| (k, v)));
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A client that failed to connect has exited: the write may fail.
    let _ = child.stdin.take().unwrap().write_all(b"env\n");
    let output = child.wait_with_output().unwrap();
    let echoed = output.status.success() && output.stdout == b"env\n";
    (echoed, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn the_proxy_comes_from_the_environment_unless_no_proxy_exempts_the_host() {
    let Some(proxy) = Tinyproxy::start("") else {
        return;
    };
    let port = echo_server(4, None);
    let url = format!("ws://127.0.0.1:{port}/");
    let (echoed, stderr) = echo_client_with(&url, &[("ws_proxy", proxy.url())]);
    assert!(echoed, "{stderr}");
    assert!(proxy.tunnelled_to(port));

    let dead = format!("http://127.0.0.1:{}", free_port());
    let (echoed, stderr) = echo_client_with(&url, &[("http_proxy", dead.clone())]);
    assert!(!echoed);
    assert!(stderr.contains("proxy 127.0.0.1:"), "{stderr}");
    for no_proxy in ["127.0.0.1", "*", &format!("localhost, 127.0.0.1:{port}")] {
        let vars = [
            ("ALL_PROXY", dead.clone()),
            ("no_proxy", no_proxy.to_string()),
        ];
        let (echoed, stderr) = echo_client_with(&url, &vars);
        assert!(echoed, "no_proxy={no_proxy}: {stderr}");
    }
}
