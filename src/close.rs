//! Close frame payloads: parsing what the peer sent, checking what this
//! end sends.

use bytes::{BufMut, Bytes, BytesMut};

use crate::close_code::{CloseCode, MAX_CONTROL_PAYLOAD};
use crate::error::{ProtocolError, Refused};
use crate::message::Utf8Bytes;

/// The code and reason of a close frame.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CloseFrame {
    /// Why the connection closes.
    pub code: CloseCode,
    /// A human-readable reason; at most 123 bytes on the wire.
    pub reason: Utf8Bytes,
}

impl CloseFrame {
    /// A close frame with `code` and `reason`.
    #[must_use]
    pub fn new(code: CloseCode, reason: impl Into<Utf8Bytes>) -> Self {
        CloseFrame {
            code,
            reason: reason.into(),
        }
    }

    /// Parses a received close payload: empty (`None`), or a sendable code
    /// followed by a UTF-8 reason.
    pub(crate) fn parse(payload: Bytes) -> Result<Option<CloseFrame>, ProtocolError> {
        match payload.len() {
            0 => Ok(None),
            1 => Err(ProtocolError::InvalidClosePayload),
            _ => {
                let code = CloseCode(u16::from_be_bytes([payload[0], payload[1]]));
                if !code.is_sendable() {
                    return Err(ProtocolError::InvalidCloseCode(code.0));
                }
                let reason = Utf8Bytes::try_from_bytes(payload.slice(2..))
                    .map_err(|_| ProtocolError::InvalidUtf8)?;
                Ok(Some(CloseFrame { code, reason }))
            }
        }
    }

    /// Checks that this frame may be sent: a sendable code and at most 125
    /// bytes of payload.
    pub(crate) fn check_sendable(&self) -> Result<(), Refused> {
        if !self.code.is_sendable() {
            return Err(Refused::UnsendableCloseCode(self.code.0));
        }
        if 2 + self.reason.len() > MAX_CONTROL_PAYLOAD {
            return Err(Refused::ControlPayloadTooLong);
        }
        Ok(())
    }

    /// The wire payload: the code in network byte order, then the reason.
    pub(crate) fn to_payload(&self) -> Bytes {
        let mut out = BytesMut::with_capacity(2 + self.reason.len());
        out.put_u16(self.code.0);
        out.put_slice(self.reason.as_bytes());
        out.freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sendable_codes_follow_rfc_ranges() {
        for code in [1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999] {
            assert!(CloseCode(code).is_sendable(), "{code}");
        }
        for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, u16::MAX] {
            assert!(!CloseCode(code).is_sendable(), "{code}");
        }
    }

    #[test]
    fn parses_empty_code_only_and_code_with_reason() {
        assert_eq!(CloseFrame::parse(Bytes::new()), Ok(None));
        let frame = CloseFrame::parse(Bytes::from_static(b"\x03\xe8bye"))
            .unwrap()
            .unwrap();
        assert_eq!(frame.code, CloseCode::NORMAL);
        assert_eq!(frame.reason.as_str(), "bye");
    }

    #[test]
    fn rejects_one_byte_payload_bad_code_and_bad_reason() {
        assert_eq!(
            CloseFrame::parse(Bytes::from_static(b"\x03")),
            Err(ProtocolError::InvalidClosePayload)
        );
        assert_eq!(
            CloseFrame::parse(Bytes::from_static(b"\x03\xed")),
            Err(ProtocolError::InvalidCloseCode(1005))
        );
        assert_eq!(
            CloseFrame::parse(Bytes::from_static(b"\x03\xe8\xff")),
            Err(ProtocolError::InvalidUtf8)
        );
    }

    #[test]
    fn round_trips_through_payload() {
        let frame = CloseFrame::new(CloseCode(4000), "done");
        assert_eq!(CloseFrame::parse(frame.to_payload()), Ok(Some(frame)));
    }
}
