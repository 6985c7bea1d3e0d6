//! What both sides agree on — subprotocol, extensions, permessage-deflate —
//! and the connection that comes of it, for every front door.
//!
//! The server side turns the client's offers and an [`Accept`] into an
//! [`Agreed`]; the client side checks a response's answer against the
//! [`ClientOffer`] it made. How the offers and answers travel (an HTTP/1.1
//! head, `http` types, an HTTP/2 or HTTP/3 stream) is the callers' business.

use core::fmt;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::head::{extension_name, is_token, split_quoted_list};
use super::rules::{self, Fields};
use super::{Accept, Misuse, ResponseError};
use crate::config::Config;
use crate::connection::Connection;
use crate::random::RandomSource;

/// The server's answer, checked against the client's offers.
#[derive(Debug)]
pub(crate) struct Agreed {
    pub protocol: Option<String>,
    /// The response's extension elements, permessage-deflate's last.
    pub extensions: Vec<String>,
    /// Extra response headers, already checked.
    pub headers: Vec<(String, String)>,
    #[cfg(feature = "deflate")]
    pub deflate: Option<crate::deflate::DeflateParams>,
}

impl Agreed {
    /// Checks `accept` against what the client offered (`protocols`, and
    /// `extensions` as elements) and, with the `deflate` feature, negotiates
    /// permessage-deflate from `config.deflate` unless `accept` answers it
    /// by hand.
    pub fn new(
        accept: Accept,
        protocols: &[&str],
        extensions: &[&str],
        config: &Config,
    ) -> Result<Agreed, Misuse> {
        if let Some(e) = accept.error {
            return Err(e);
        }
        if let Some(p) = &accept.protocol
            && !protocols.contains(&p.as_str())
        {
            return Err(Misuse::ProtocolNotOffered);
        }
        let mut by_hand = false;
        for extension in &accept.extensions {
            by_hand |= check_accepted(extension, extensions)?;
        }
        #[cfg_attr(not(feature = "deflate"), allow(unused_mut))]
        let mut agreed = Agreed {
            protocol: accept.protocol,
            extensions: accept.extensions,
            headers: accept.headers,
            #[cfg(feature = "deflate")]
            deflate: None,
        };
        #[cfg(feature = "deflate")]
        if !by_hand
            && let Some((params, element)) =
                super::deflate::server_negotiate(&config.deflate, extensions.iter().copied())
        {
            agreed.extensions.push(element);
            agreed.deflate = Some(params);
        }
        #[cfg(not(feature = "deflate"))]
        let _ = (by_hand, extensions, config);
        Ok(agreed)
    }

    /// The server's connection, knowing what was agreed.
    pub fn server_connection(&self, config: Config) -> Connection {
        let mut conn =
            Connection::server(config).with_extensions(self.extensions.iter().map(String::as_str));
        if let Some(protocol) = &self.protocol {
            conn = conn.with_protocol(protocol);
        }
        #[cfg(feature = "deflate")]
        if let Some(params) = self.deflate {
            conn = conn.with_deflate(params);
        }
        conn
    }
}

/// Checks one [`Accept::extension`] value: each of its elements must be
/// well formed and named among the `offered` elements. Returns whether one
/// is permessage-deflate.
fn check_accepted(extension: &str, offered: &[&str]) -> Result<bool, Misuse> {
    let mut elements = 0;
    #[cfg_attr(not(feature = "deflate"), allow(unused_mut))]
    let mut deflate = false;
    // An unclosed quote in what the server writes is the caller's fault.
    split_quoted_list(extension.as_bytes(), Misuse::InvalidHeader, |element| {
        elements += 1;
        let name = extension_name(element);
        if !is_token(name) {
            return Err(Misuse::InvalidHeader);
        }
        #[cfg(feature = "deflate")]
        {
            deflate |= super::deflate::is_permessage_deflate(element);
        }
        let was_offered = offered
            .iter()
            .any(|o| extension_name(o.as_bytes()).eq_ignore_ascii_case(name));
        if was_offered {
            Ok(())
        } else {
            Err(Misuse::ExtensionNotOffered)
        }
    })?;
    if elements == 0 {
        return Err(Misuse::InvalidHeader);
    }
    Ok(deflate)
}

/// What a client offered, kept to check the server's answer, and what its
/// connection is made with.
pub(crate) struct ClientOffer {
    pub protocols: Vec<String>,
    /// Names of the extensions offered.
    pub extension_names: Vec<Vec<u8>>,
    /// The permessage-deflate settings offered, if the handshake made the
    /// offer (not if the caller offered it by hand).
    #[cfg(feature = "deflate")]
    pub deflate: Option<crate::deflate::DeflateConfig>,
    pub config: Config,
    pub random: Box<dyn RandomSource>,
}

impl fmt::Debug for ClientOffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOffer")
            .field("protocols", &self.protocols)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A server's answer, as slices of its fields.
#[derive(Debug)]
pub(crate) struct Answer<'a> {
    pub protocol: Option<&'a [u8]>,
    pub extensions: Vec<&'a [u8]>,
    #[cfg(feature = "deflate")]
    pub deflate: Option<crate::deflate::DeflateParams>,
}

impl ClientOffer {
    /// Checks the subprotocol and extensions a response accepts against the
    /// offer, and the permessage-deflate parameters if the handshake made
    /// that offer.
    pub fn check_answer<'a, F: Fields>(&self, fields: &'a F) -> Result<Answer<'a>, ResponseError> {
        let protocol = rules::selected_protocol(fields, &self.protocols)?;
        #[cfg(feature = "deflate")]
        let mut deflate = None;
        let extensions = rules::extension_elements(fields, |element| {
            let name = extension_name(element);
            if !self
                .extension_names
                .iter()
                .any(|o| o.eq_ignore_ascii_case(name))
            {
                return Err(ResponseError::ExtensionNotOffered);
            }
            #[cfg(feature = "deflate")]
            self.accept_deflate(element, &mut deflate)?;
            Ok(())
        })?;
        Ok(Answer {
            protocol,
            extensions,
            #[cfg(feature = "deflate")]
            deflate,
        })
    }

    /// Checks an accepted element that is `permessage-deflate`, if the
    /// handshake made the offer, into `negotiated`.
    #[cfg(feature = "deflate")]
    fn accept_deflate(
        &self,
        element: &[u8],
        negotiated: &mut Option<crate::deflate::DeflateParams>,
    ) -> Result<(), ResponseError> {
        let Some(offered) = &self.deflate else {
            return Ok(());
        };
        if !super::deflate::is_permessage_deflate(element) {
            return Ok(());
        }
        if negotiated.is_some() {
            return Err(ResponseError::InvalidDeflateParams);
        }
        let text = core::str::from_utf8(element).map_err(|_| ResponseError::InvalidExtension)?;
        *negotiated = Some(super::deflate::client_accept(offered, text)?);
        Ok(())
    }

    /// The client's connection, knowing what `answer` agreed to.
    #[cfg(feature = "http")]
    pub fn into_connection(self, answer: &Answer<'_>) -> Connection {
        let text = |b: &[u8]| core::str::from_utf8(b).unwrap_or_default().into();
        let protocol: Option<String> = answer.protocol.map(text);
        let extensions: Vec<String> = answer.extensions.iter().map(|e| text(e)).collect();
        self.connection(
            protocol.as_deref(),
            extensions.iter().map(String::as_str),
            #[cfg(feature = "deflate")]
            answer.deflate,
        )
    }

    /// The client's connection with the agreed `protocol` and `extensions`.
    pub fn connection<'a>(
        self,
        protocol: Option<&str>,
        extensions: impl Iterator<Item = &'a str>,
        #[cfg(feature = "deflate")] deflate: Option<crate::deflate::DeflateParams>,
    ) -> Connection {
        let mut conn =
            Connection::client_with_random(self.config, self.random).with_extensions(extensions);
        if let Some(protocol) = protocol {
            conn = conn.with_protocol(protocol);
        }
        #[cfg(feature = "deflate")]
        if let Some(params) = deflate {
            conn = conn.with_deflate(params);
        }
        conn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agree(accept: Accept, protocols: &[&str], extensions: &[&str]) -> Result<Agreed, Misuse> {
        Agreed::new(accept, protocols, extensions, &Config::default())
    }

    #[test]
    fn a_server_may_select_only_an_offered_protocol() {
        let agreed = agree(Accept::default().protocol("b"), &["a", "b"], &[]).unwrap();
        assert_eq!(agreed.protocol.as_deref(), Some("b"));
        assert_eq!(
            agree(Accept::default().protocol("c"), &["a"], &[]).unwrap_err(),
            Misuse::ProtocolNotOffered
        );
    }

    #[test]
    fn a_server_may_accept_only_offered_extensions_in_well_formed_text() {
        let offered = ["x-ext; a=1"];
        assert!(agree(Accept::default().extension("X-Ext; b"), &[], &offered).is_ok());
        for (element, error) in [
            ("y-ext", Misuse::ExtensionNotOffered),
            ("x-ext; a=\"1", Misuse::InvalidHeader),
            (" , ", Misuse::InvalidHeader),
            ("x ext", Misuse::InvalidHeader),
        ] {
            let result = agree(Accept::default().extension(element), &[], &offered);
            assert_eq!(result.unwrap_err(), error, "{element}");
        }
    }

    #[cfg(feature = "deflate")]
    #[test]
    fn deflate_is_negotiated_unless_answered_by_hand() {
        let offered = ["permessage-deflate; client_max_window_bits"];
        let agreed = agree(Accept::default(), &[], &offered).unwrap();
        assert!(agreed.deflate.is_some());
        assert_eq!(agreed.extensions.len(), 1);
        let by_hand = agree(
            Accept::default().extension("permessage-deflate"),
            &[],
            &offered,
        )
        .unwrap();
        assert_eq!(by_hand.deflate, None);
        assert_eq!(by_hand.extensions, ["permessage-deflate"]);
    }
}
