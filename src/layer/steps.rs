//! The opening handshake as both layers drive it, without I/O: bytes in,
//! bytes to write and an outcome out. Each layer only moves the bytes.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::error::Error;
use super::options::Answer;
use super::outcome::ServerResponse;
use super::proxy::Proxy;
use crate::config::Config;
use crate::connection::Connection;
use crate::handshake::{
    ClientHandshake, ClientRequest, ConnectHandshake, ProxyResponse, Request, Response,
    ServerHandshake,
};

/// A server reading a client's request.
pub(crate) struct Accepting {
    handshake: ServerHandshake,
    /// Everything read, kept so a plain HTTP request can be handed back
    /// whole; bounded because the handshake fails past its size limit.
    seen: Vec<u8>,
}

/// What the server does next.
pub(crate) enum AcceptStep {
    /// Read more.
    More,
    /// Not an upgrade: hand back everything read (`error` says how it is
    /// not one; its [`response`](crate::handshake::HandshakeError::response)
    /// answers it, for a server that serves no plain HTTP).
    Plain {
        bytes: Vec<u8>,
        error: crate::handshake::HandshakeError,
    },
    /// Write `response`, then go on as `then` says.
    Respond { response: Vec<u8>, then: Then },
}

/// After a server's response is written.
pub(crate) enum Then {
    /// The connection is open (boxed: it is large, and moves once).
    Open(Box<Connection>),
    /// The request was refused with this status: close the transport.
    Rejected(u16),
    /// The request was broken: close the transport, report this.
    Fail(Error),
}

impl Accepting {
    pub(crate) fn new(config: Config) -> Self {
        Accepting {
            handshake: ServerHandshake::new(config),
            seen: Vec::new(),
        }
    }

    /// Takes bytes from the client; `answer` decides on a whole request.
    pub(crate) fn receive(
        &mut self,
        bytes: &[u8],
        answer: &mut dyn FnMut(&Request) -> Answer,
    ) -> AcceptStep {
        self.seen.extend_from_slice(bytes);
        match self.handshake.receive(bytes) {
            Ok(None) => AcceptStep::More,
            Ok(Some(request)) => match answer(&request) {
                Answer::Accept(accept) => match request.accept(accept) {
                    Ok((response, conn)) => AcceptStep::Respond {
                        response,
                        then: Then::Open(Box::new(conn)),
                    },
                    // The answer itself was wrong (a subprotocol not
                    // offered, ...): the client gets a 500.
                    Err(e) => AcceptStep::Respond {
                        response: crate::handshake::reject(
                            500,
                            b"the server's answer was invalid\n",
                        ),
                        then: Then::Fail(e.into()),
                    },
                },
                Answer::Reject { status, body } => AcceptStep::Respond {
                    response: request.reject(status, &body),
                    then: Then::Rejected(status),
                },
            },
            Err(error) if error.is_plain_http() => AcceptStep::Plain {
                bytes: core::mem::take(&mut self.seen),
                error,
            },
            Err(e) => AcceptStep::Respond {
                response: e.response().unwrap_or_default(),
                then: Then::Fail(e.into()),
            },
        }
    }
}

/// A client waiting for the server's response.
pub(crate) struct Connecting {
    handshake: ClientHandshake,
}

impl Connecting {
    /// The request bytes to write, and the state that reads the answer.
    pub(crate) fn start(
        request: ClientRequest,
        config: Config,
    ) -> Result<(Vec<u8>, Connecting), Error> {
        let (bytes, handshake) = request.start(config)?;
        Ok((bytes, Connecting { handshake }))
    }

    /// Takes bytes from the server: `None` until the response is whole.
    /// A refusal is [`Error::Rejected`].
    pub(crate) fn receive(
        &mut self,
        bytes: &[u8],
    ) -> Result<Option<(Connection, ServerResponse)>, Error> {
        match self.handshake.receive(bytes)? {
            None => Ok(None),
            Some(Response::Accepted(accepted)) => {
                let response = ServerResponse::from_accepted(&accepted);
                Ok(Some((accepted.into_connection(), response)))
            }
            Some(Response::Rejected(rejection)) => Err(Error::Rejected(rejection.into())),
        }
    }
}

/// A client asking a forward proxy for a tunnel to the server.
pub(crate) struct Tunneling {
    handshake: ConnectHandshake,
}

impl Tunneling {
    /// The CONNECT request to write to `proxy`, and the state that reads
    /// its answer.
    pub(crate) fn start(proxy: &Proxy, target: &ClientRequest) -> Result<(Vec<u8>, Self), Error> {
        let (bytes, handshake) = proxy.connect_request(target).start()?;
        Ok((bytes, Tunneling { handshake }))
    }

    /// Takes bytes from the proxy: `false` until the tunnel is open. A
    /// refusal is [`Error::ProxyRefused`].
    ///
    /// Bytes after the proxy's 2xx would be the server's, before the client
    /// has said anything; but the server speaks second both in TLS and in
    /// the WebSocket handshake, so such bytes are refused, not passed on.
    pub(crate) fn receive(&mut self, bytes: &[u8]) -> Result<bool, Error> {
        match self.handshake.receive(bytes)? {
            None => Ok(false),
            Some(ProxyResponse::Refused(rejection)) => Err(Error::ProxyRefused(rejection.into())),
            Some(ProxyResponse::Tunnel(tunnel)) if !tunnel.leftover().is_empty() => {
                Err(Error::Io(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    std::format!(
                        "the proxy sent {} bytes after opening the tunnel, before the client \
                         spoke",
                        tunnel.leftover().len()
                    ),
                )))
            }
            Some(ProxyResponse::Tunnel(_)) => Ok(true),
        }
    }
}
