//! The client's way to an open WebSocket, without I/O: URL → proxy → TCP
//! → tunnel → TLS → upgrade, as [`ConnectAction`]s that a layer carries
//! out with its own I/O and answers with an [`Input`].
//!
//! The plan owns every decision on the way: the URL (parsed once), the
//! proxy (and the blame when it fails), what an end of file means at each
//! step, and the open timeout, one [`Deadline`] over the whole opening. So
//! the layers, which only move bytes, behave the same by construction.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;
use std::io;

use super::error::Error;
use super::opening::{self, Deadline, Input, Peer};
use super::options::ClientOptions;
use super::outcome::ServerResponse;
use super::proxy::Proxy;
use super::steps::{Connecting, Tunneling};
use crate::config::Config;
use crate::connection::Connection;
use crate::handshake::{ClientRequest, Rejection};

/// What the layer does next.
#[derive(Debug)]
pub(crate) enum ConnectAction {
    /// Open TCP to `host:port` (with `TCP_NODELAY`), then [`Input::Done`].
    ConnectTcp { host: String, port: u16 },
    /// Write (and flush) all of these bytes, then [`Input::Done`].
    Write(Vec<u8>),
    /// Read once, at most [`HANDSHAKE_READ`](opening::HANDSHAKE_READ)
    /// bytes, then [`Input::Read`] (empty at end of file).
    Read,
    /// Run a TLS client handshake for `host` over the transport, then
    /// [`Input::Done`].
    StartTls { host: String },
    /// The WebSocket is open.
    Open(Box<Connection>, ServerResponse),
}

/// Where the client is on its way.
enum Stage {
    Start,
    /// A transport the caller connected: the upgrade is next.
    Connected,
    ProxyTcp(Proxy),
    TunnelRequest(Proxy, Tunneling),
    TunnelResponse(Proxy, Tunneling),
    ServerTcp,
    Tls,
    UpgradeRequest(Connecting),
    UpgradeResponse(Connecting),
    /// A refusal, while the rest of its body is read: `since` is when that
    /// began (counted as `time_left` is), `error` what it becomes.
    RefusalBody {
        rejection: Box<Rejection>,
        error: fn(Box<Rejection>) -> Error,
        since: Option<Duration>,
    },
    Open,
}

/// How long a refusal's body may take after its head (within the open
/// timeout): enough for a server that sends it, little for one that never
/// ends it (no `Content-Length`, no close).
const REFUSAL_BODY_WAIT: Duration = Duration::from_secs(2);

/// A client's connect, from URL to open WebSocket.
pub(crate) struct ConnectPlan {
    stage: Stage,
    /// The upgrade request, until the upgrade starts.
    request: Option<ClientRequest>,
    config: Config,
    host: String,
    port: u16,
    secure: bool,
    proxy: Option<Proxy>,
    deadline: Deadline,
}

impl ConnectPlan {
    /// The whole way: parses the URL, chooses the proxy, and fails at once
    /// for `wss://` when the layer's TLS is not built: `wss_needs` is the
    /// feature it lacks, if it does.
    pub(crate) fn new(options: &ClientOptions, wss_needs: Option<&str>) -> Result<Self, Error> {
        let target = ClientRequest::new(options.url())?;
        if let Some(feature) = wss_needs
            && target.is_secure()
        {
            return Err(Error::Io(io::Error::new(
                io::ErrorKind::Unsupported,
                std::format!(
                    "wss:// needs TLS: enable the {feature} feature of rfc6455 \
                     (and a crypto provider: rustls-aws-lc-rs or rustls-ring)"
                ),
            )));
        }
        let proxy = options.proxy_for(&target)?;
        Ok(Self::with(options, target, proxy))
    }

    /// Only the upgrade, on a transport the caller connected.
    pub(crate) fn on_transport(options: &ClientOptions) -> Result<Self, Error> {
        let target = ClientRequest::new(options.url())?;
        let mut plan = Self::with(options, target, None);
        plan.stage = Stage::Connected;
        Ok(plan)
    }

    fn with(options: &ClientOptions, target: ClientRequest, proxy: Option<Proxy>) -> Self {
        ConnectPlan {
            stage: Stage::Start,
            host: String::from(target.host()),
            port: target.port(),
            secure: target.is_secure(),
            request: Some(options.request_for(target)),
            config: options.config.clone(),
            proxy,
            deadline: Deadline::new(options.open_timeout),
        }
    }

    /// How long the action the last [`step`](Self::step) gave may take:
    /// what is left of the open timeout `elapsed` after the start, or
    /// [`Error::OpenTimeout`]. While a refusal's body is read, at most what
    /// is left of [`REFUSAL_BODY_WAIT`], then the refusal with the body it
    /// has.
    pub(crate) fn time_left(&mut self, elapsed: Duration) -> Result<Option<Duration>, Error> {
        let since = match &mut self.stage {
            // Nothing is waited for once open.
            Stage::Open => return Ok(None),
            Stage::RefusalBody { since, .. } => since,
            _ => return self.deadline.left(elapsed),
        };
        let body_left = (*since.get_or_insert(elapsed) + REFUSAL_BODY_WAIT)
            .checked_sub(elapsed)
            .filter(|left| !left.is_zero());
        match (self.deadline.left(elapsed), body_left) {
            (Ok(open_left), Some(body_left)) => Ok(Some(
                open_left.map_or(body_left, |open| open.min(body_left)),
            )),
            _ => Err(self.refusal_as_it_is()),
        }
    }

    /// The next action, given how the last one went.
    pub(crate) fn step(&mut self, input: Input<'_>) -> Result<ConnectAction, Error> {
        let stage = core::mem::replace(&mut self.stage, Stage::Open);
        match (stage, input) {
            (Stage::Start, Input::Start) => Ok(match self.proxy.take() {
                Some(proxy) => self.proxy_tcp(proxy),
                None => {
                    self.stage = Stage::ServerTcp;
                    ConnectAction::ConnectTcp {
                        host: self.host.clone(),
                        port: self.port,
                    }
                }
            }),
            (Stage::ProxyTcp(proxy), Input::Done) => {
                let target = self.request.as_ref().ok_or_else(out_of_order)?;
                let (bytes, tunneling) = Tunneling::start(&proxy, target)?;
                self.stage = Stage::TunnelRequest(proxy, tunneling);
                Ok(ConnectAction::Write(bytes))
            }
            (Stage::TunnelRequest(proxy, tunneling), Input::Done) => {
                self.stage = Stage::TunnelResponse(proxy, tunneling);
                Ok(ConnectAction::Read)
            }
            (Stage::TunnelResponse(proxy, mut tunneling), Input::Read(bytes)) => {
                if bytes.is_empty() {
                    return Err(proxy.blame(opening::closed_early(Peer::Proxy, TUNNEL)));
                }
                match tunneling.receive(bytes) {
                    Ok(true) => self.after_tcp(),
                    Ok(false) => {
                        self.stage = Stage::TunnelResponse(proxy, tunneling);
                        Ok(ConnectAction::Read)
                    }
                    Err(Error::ProxyRefused(rejection)) => {
                        self.refused(rejection, Error::ProxyRefused)
                    }
                    Err(other) => Err(other),
                }
            }
            (Stage::ServerTcp, Input::Done) => self.after_tcp(),
            (Stage::Connected, Input::Start) | (Stage::Tls, Input::Done) => self.upgrade(),
            (Stage::UpgradeRequest(connecting), Input::Done) => {
                self.stage = Stage::UpgradeResponse(connecting);
                Ok(ConnectAction::Read)
            }
            (Stage::UpgradeResponse(mut connecting), Input::Read(bytes)) => {
                if bytes.is_empty() {
                    return Err(opening::closed_early(Peer::Server, UPGRADE));
                }
                match connecting.receive(bytes) {
                    Ok(Some((conn, response))) => Ok(ConnectAction::Open(Box::new(conn), response)),
                    Ok(None) => {
                        self.stage = Stage::UpgradeResponse(connecting);
                        Ok(ConnectAction::Read)
                    }
                    Err(Error::Rejected(rejection)) => self.refused(rejection, Error::Rejected),
                    Err(other) => Err(other),
                }
            }
            (
                Stage::RefusalBody {
                    mut rejection,
                    error,
                    since,
                },
                Input::Read(bytes),
            ) => {
                rejection.receive_body(bytes);
                if !rejection.wants_body() {
                    return Err(error(rejection));
                }
                self.stage = Stage::RefusalBody {
                    rejection,
                    error,
                    since,
                };
                Ok(ConnectAction::Read)
            }
            _ => Err(out_of_order()),
        }
    }

    /// The error to report for the last action's I/O failure: the open
    /// timeout, the step's end-of-file message, or the error, blamed on
    /// the proxy if it was the proxy's step. While a refusal's body is
    /// read, the refusal, with the body it has.
    pub(crate) fn fail(&mut self, error: io::Error) -> Error {
        match &self.stage {
            Stage::RefusalBody { .. } => self.refusal_as_it_is(),
            Stage::ProxyTcp(proxy)
            | Stage::TunnelRequest(proxy, _)
            | Stage::TunnelResponse(proxy, _) => {
                match opening::io_failure(error, Peer::Proxy, TUNNEL) {
                    Error::OpenTimeout => Error::OpenTimeout,
                    other => proxy.blame(other),
                }
            }
            Stage::Tls => opening::io_failure(error, Peer::Server, "the TLS handshake"),
            _ => opening::io_failure(error, Peer::Server, UPGRADE),
        }
    }

    /// A refusal: reads the rest of its body first, if more is to come.
    fn refused(
        &mut self,
        rejection: Box<Rejection>,
        error: fn(Box<Rejection>) -> Error,
    ) -> Result<ConnectAction, Error> {
        if !rejection.wants_body() {
            return Err(error(rejection));
        }
        self.stage = Stage::RefusalBody {
            rejection,
            error,
            since: None,
        };
        Ok(ConnectAction::Read)
    }

    /// The refusal whose body is being read, with what it has so far.
    fn refusal_as_it_is(&mut self) -> Error {
        match core::mem::replace(&mut self.stage, Stage::Open) {
            Stage::RefusalBody {
                rejection, error, ..
            } => error(rejection),
            _ => out_of_order(),
        }
    }

    fn proxy_tcp(&mut self, proxy: Proxy) -> ConnectAction {
        let action = ConnectAction::ConnectTcp {
            host: proxy.host.clone(),
            port: proxy.port,
        };
        self.stage = Stage::ProxyTcp(proxy);
        action
    }

    /// TLS for `wss://`, then the upgrade.
    fn after_tcp(&mut self) -> Result<ConnectAction, Error> {
        if self.secure {
            self.stage = Stage::Tls;
            Ok(ConnectAction::StartTls {
                host: self.host.clone(),
            })
        } else {
            self.upgrade()
        }
    }

    fn upgrade(&mut self) -> Result<ConnectAction, Error> {
        let request = self.request.take().ok_or_else(out_of_order)?;
        let (bytes, connecting) = Connecting::start(request, self.config.clone())?;
        self.stage = Stage::UpgradeRequest(connecting);
        Ok(ConnectAction::Write(bytes))
    }
}

const TUNNEL: &str = "the CONNECT exchange (before the tunnel was open)";
const UPGRADE: &str = "the opening handshake";

/// A layer answered an action with the wrong input: a bug in the layer.
fn out_of_order() -> Error {
    Error::Io(io::Error::other("the connect plan was driven out of order"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    fn plan(options: ClientOptions) -> ConnectPlan {
        ConnectPlan::new(&options, None).unwrap()
    }

    fn written(action: ConnectAction) -> Vec<u8> {
        match action {
            ConnectAction::Write(bytes) => bytes,
            other => panic!("not a write: {other:?}"),
        }
    }

    #[test]
    fn a_direct_connect_dials_the_server_then_writes_the_upgrade_and_reads() {
        let mut plan = plan(ClientOptions::new("ws://example.com:8080/chat").no_proxy());
        match plan.step(Input::Start).unwrap() {
            ConnectAction::ConnectTcp { host, port } => {
                assert_eq!((&*host, port), ("example.com", 8080))
            }
            other => panic!("{other:?}"),
        }
        let request = written(plan.step(Input::Done).unwrap());
        assert!(request.starts_with(b"GET /chat HTTP/1.1\r\n"));
        assert!(matches!(
            plan.step(Input::Done).unwrap(),
            ConnectAction::Read
        ));
        let error = plan.step(Input::Read(b"")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "transport error: the server closed the connection during the opening handshake"
        );
    }

    #[test]
    fn a_proxy_is_dialled_first_asked_for_a_tunnel_and_blamed_for_its_failures() {
        let options = ClientOptions::new("ws://example.com:8080/chat").proxy("http://p.local:3128");
        let mut plan = plan(options);
        match plan.step(Input::Start).unwrap() {
            ConnectAction::ConnectTcp { host, port } => {
                assert_eq!((&*host, port), ("p.local", 3128))
            }
            other => panic!("{other:?}"),
        }
        let refused = plan.fail(io::ErrorKind::ConnectionRefused.into());
        assert!(
            refused
                .to_string()
                .starts_with("transport error: proxy p.local:3128: "),
            "{refused}"
        );
        let connect = written(plan.step(Input::Done).unwrap());
        assert!(connect.starts_with(b"CONNECT example.com:8080 HTTP/1.1\r\n"));
        assert!(matches!(
            plan.step(Input::Done).unwrap(),
            ConnectAction::Read
        ));
        let upgrade = written(plan.step(Input::Read(b"HTTP/1.1 200 OK\r\n\r\n")).unwrap());
        assert!(upgrade.starts_with(b"GET /chat HTTP/1.1\r\n"));
        // From here on a failure is the server's, not the proxy's.
        let reset = plan.fail(io::ErrorKind::ConnectionReset.into());
        assert!(!reset.to_string().contains("p.local"), "{reset}");
    }

    #[test]
    fn a_timeout_at_any_step_is_the_open_timeout() {
        let mut plan = plan(ClientOptions::new("ws://example.com/").proxy("http://p.local:3128"));
        for input in [Input::Start, Input::Done, Input::Done] {
            plan.step(input).unwrap();
            assert!(matches!(
                plan.fail(io::ErrorKind::TimedOut.into()),
                Error::OpenTimeout
            ));
        }
    }

    #[test]
    fn a_given_transport_starts_at_the_upgrade() {
        let options = ClientOptions::new("wss://example.com/chat");
        let mut plan = ConnectPlan::on_transport(&options).unwrap();
        let request = written(plan.step(Input::Start).unwrap());
        assert!(request.starts_with(b"GET /chat HTTP/1.1\r\n"));
    }

    #[cfg(feature = "rustls")]
    #[test]
    fn wss_runs_tls_after_tcp_and_before_the_upgrade() {
        let mut plan = plan(ClientOptions::new("wss://example.com/chat").no_proxy());
        plan.step(Input::Start).unwrap();
        match plan.step(Input::Done).unwrap() {
            ConnectAction::StartTls { host } => assert_eq!(host, "example.com"),
            other => panic!("{other:?}"),
        }
        let eof = plan.fail(io::ErrorKind::UnexpectedEof.into());
        assert_eq!(
            eof.to_string(),
            "transport error: the server closed the connection during the TLS handshake"
        );
        written(plan.step(Input::Done).unwrap());
    }
}
