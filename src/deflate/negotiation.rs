//! Negotiating permessage-deflate parameters (RFC 7692 section 7).
//! (Being written.)
