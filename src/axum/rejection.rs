//! Why the extractor refused a request, and the answer it sends.

use core::fmt;

use axum_core::body::Body;
use axum_core::response::{IntoResponse, Response};
use http::{StatusCode, Version};

use crate::handshake::RequestError;

/// The rejection of [`WebSocketUpgrade`](super::WebSocketUpgrade): the
/// request was not a valid WebSocket request (the client's fault), or the
/// HTTP server gave no way to take over the connection (the server's).
///
/// As a response it is the byte-level handshake's answer to the same
/// request: the status, header fields and body of
/// [`RequestError::to_http_response`], or `500` for a server that cannot
/// upgrade.
#[derive(Debug)]
pub struct WebSocketUpgradeRejection {
    fault: Fault,
    version: Version,
}

#[derive(Debug)]
enum Fault {
    Request(RequestError),
    NotUpgradable,
}

impl WebSocketUpgradeRejection {
    pub(super) fn invalid(error: RequestError, version: Version) -> Self {
        WebSocketUpgradeRejection {
            fault: Fault::Request(error),
            version,
        }
    }

    pub(super) fn not_upgradable() -> Self {
        WebSocketUpgradeRejection {
            fault: Fault::NotUpgradable,
            version: Version::HTTP_11,
        }
    }

    /// What was wrong with the client's request, if that was the fault.
    #[must_use]
    pub fn request_error(&self) -> Option<&RequestError> {
        match &self.fault {
            Fault::Request(error) => Some(error),
            Fault::NotUpgradable => None,
        }
    }

    /// The status the rejection answers with.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match &self.fault {
            Fault::Request(error) => {
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST)
            }
            Fault::NotUpgradable => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl fmt::Display for WebSocketUpgradeRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.fault {
            Fault::Request(error) => write!(f, "WebSocket upgrade refused: {error}"),
            Fault::NotUpgradable => f.write_str(NOT_UPGRADABLE),
        }
    }
}

impl std::error::Error for WebSocketUpgradeRejection {}

/// The server's fault: hyper hands over a connection only when it was served
/// with upgrades (HTTP/1.1) or extended CONNECT enabled (HTTP/2).
const NOT_UPGRADABLE: &str = "server error: the HTTP server offered no way to take over this \
    connection; serve it with axum::serve, or with hyper's `.with_upgrades()` (HTTP/1.1) and \
    `enable_connect_protocol()` (HTTP/2)";

impl IntoResponse for WebSocketUpgradeRejection {
    fn into_response(self) -> Response {
        match &self.fault {
            Fault::Request(error) => error.to_http_response(self.version).map(Body::from),
            Fault::NotUpgradable => {
                let body = alloc::format!("{NOT_UPGRADABLE}\n");
                (StatusCode::INTERNAL_SERVER_ERROR, body).into_response()
            }
        }
    }
}
