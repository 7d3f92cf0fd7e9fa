//! Callback signatures: `X-Viber-Content-Signature` is the lowercase hex
//! HMAC-SHA256 of the raw body bytes keyed by the bot's auth token
//! (shared/protocols/viber.md §7). Checked over the exact bytes received, before
//! any JSON parsing, in constant time. The token never reaches a log.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::channels::ChannelError;

/// The header Viber signs callbacks with.
pub const SIGNATURE_HEADER: &str = "x-viber-content-signature";

type HmacSha256 = Hmac<Sha256>;

fn mac(token: &str) -> HmacSha256 {
    HmacSha256::new_from_slice(token.as_bytes()).expect("HMAC accepts keys of any length")
}

/// The signature Viber puts on `body` for a bot with this token.
pub fn sign(token: &str, body: &[u8]) -> String {
    let mut mac = mac(token);
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a signature header value against the raw body.
pub(super) fn verify(
    token: &str,
    signature: Option<&str>,
    body: &[u8],
) -> Result<(), ChannelError> {
    let signature = signature.ok_or(ChannelError::BadSignature)?;
    let expected = hex::decode(signature.trim()).map_err(|_| ChannelError::BadSignature)?;
    let mut mac = mac(token);
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| ChannelError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The Python SDK's own known-answer vector (tests/api/test_api.py).
    const KAT_TOKEN: &str = "44dafb7e0f40021e-61a47a1e6778d187-f2c5a676a07050b3";
    const KAT_BODY: &[u8] =
        br#"{"event":"webhook","timestamp":4977069964384421269,"message_token":1478683725125}"#;
    const KAT_SIGNATURE: &str = "d21b343448c8aee33b8e93768ef6ceb64a6ba6163099973a2b8bd028fea510ef";

    #[test]
    fn signing_matches_the_sdk_known_answer() {
        assert_eq!(sign(KAT_TOKEN, KAT_BODY), KAT_SIGNATURE);
    }

    #[test]
    fn the_sdk_known_answer_verifies() {
        assert_eq!(verify(KAT_TOKEN, Some(KAT_SIGNATURE), KAT_BODY), Ok(()));
    }

    #[test]
    fn another_token_does_not_verify() {
        assert_eq!(
            verify("another-token", Some(KAT_SIGNATURE), KAT_BODY),
            Err(ChannelError::BadSignature)
        );
    }

    #[test]
    fn a_missing_signature_does_not_verify() {
        assert_eq!(
            verify(KAT_TOKEN, None, KAT_BODY),
            Err(ChannelError::BadSignature)
        );
    }

    #[test]
    fn a_signature_that_is_not_hex_does_not_verify() {
        assert_eq!(
            verify(KAT_TOKEN, Some("not hex at all"), KAT_BODY),
            Err(ChannelError::BadSignature)
        );
        assert_eq!(
            verify(KAT_TOKEN, Some(""), KAT_BODY),
            Err(ChannelError::BadSignature)
        );
    }

    #[test]
    fn a_truncated_signature_does_not_verify() {
        assert_eq!(
            verify(KAT_TOKEN, Some(&KAT_SIGNATURE[..32]), KAT_BODY),
            Err(ChannelError::BadSignature)
        );
    }

    #[test]
    fn one_changed_body_byte_does_not_verify() {
        let mut body = KAT_BODY.to_vec();
        body[10] ^= 1;
        assert_eq!(
            verify(KAT_TOKEN, Some(KAT_SIGNATURE), &body),
            Err(ChannelError::BadSignature)
        );
    }
}
