//! `Header::decode` on arbitrary bytes, and `Header::encode` on what it decodes.
//!
//! Checks: a partial header asks for at least one more byte and never for
//! more than a 14-byte header needs; a complete header takes at most 14 bytes
//! and no more than it was given, every shorter prefix of it is partial, and
//! it encodes (in the shortest length form) to bytes that decode to the same
//! header, identical to the input when that used the shortest form too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rfc6455::CloseCode;
use rfc6455::frame::{Decoded, Header, MAX_HEADER_LEN};

fuzz_target!(|data: &[u8]| {
    match Header::decode(data) {
        Ok(Decoded::Partial { needed }) => {
            assert!(needed > 0, "partial with nothing needed");
            assert!(
                data.len() + needed <= MAX_HEADER_LEN,
                "needs {needed} more after {}",
                data.len()
            );
        }
        Ok(Decoded::Complete { header, len }) => {
            assert!(
                len <= data.len() && len <= MAX_HEADER_LEN,
                "took {len} of {}",
                data.len()
            );
            for prefix in 0..len {
                match Header::decode(&data[..prefix]) {
                    Ok(Decoded::Partial { needed }) => {
                        assert!(
                            needed > 0 && prefix + needed <= len,
                            "prefix {prefix} needs {needed}"
                        );
                    }
                    other => panic!("prefix {prefix} of a {len}-byte header: {other:?}"),
                }
            }
            let mut out = [0; MAX_HEADER_LEN];
            let n = header.encode(&mut out);
            assert!(n <= len, "re-encoding took {n} bytes, the input {len}");
            assert_eq!(
                Header::decode(&out[..n]),
                Ok(Decoded::Complete { header, len: n })
            );
            if n == len {
                assert_eq!(out[..n], data[..len], "same length form, different bytes");
            }
        }
        Err(error) => assert_eq!(error.close_code(), CloseCode::PROTOCOL_ERROR, "{error:?}"),
    }
});
