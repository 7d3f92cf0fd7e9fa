//! Webhook signatures: `X-Hub-Signature-256: sha256=<hex>` is the HMAC-SHA256
//! of the raw body keyed by the Meta app's secret. Checked over the exact
//! bytes received, before any JSON parsing, in constant time
//! (<https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads>).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::channels::ChannelError;

/// The header Meta signs webhook calls with.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

type HmacSha256 = Hmac<Sha256>;

fn mac(app_secret: &str) -> HmacSha256 {
    HmacSha256::new_from_slice(app_secret.as_bytes()).expect("HMAC accepts keys of any length")
}

/// The header value Meta sends with `body` for an app with this secret.
pub fn sign(app_secret: &str, body: &[u8]) -> String {
    let mut mac = mac(app_secret);
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a header value against the raw body.
pub(super) fn verify(
    app_secret: &str,
    signature: Option<&str>,
    body: &[u8],
) -> Result<(), ChannelError> {
    let signature = signature.ok_or(ChannelError::BadSignature)?.trim();
    let hex_digest = signature
        .strip_prefix("sha256=")
        .ok_or(ChannelError::BadSignature)?;
    let expected = hex::decode(hex_digest).map_err(|_| ChannelError::BadSignature)?;
    let mut mac = mac(app_secret);
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| ChannelError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "3c1b4f0e9a7d2c5b8e6f1a0d4c7b2e9f";
    const BODY: &[u8] = br#"{"object":"whatsapp_business_account","entry":[]}"#;

    #[test]
    fn a_signature_made_with_the_app_secret_verifies() {
        assert_eq!(verify(SECRET, Some(&sign(SECRET, BODY)), BODY), Ok(()));
    }

    #[test]
    fn the_signature_is_hmac_sha256_in_lowercase_hex_after_the_prefix() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn another_secret_a_changed_body_or_a_missing_prefix_does_not_verify() {
        let signature = sign(SECRET, BODY);
        assert_eq!(
            verify("another-secret", Some(&signature), BODY),
            Err(ChannelError::BadSignature)
        );
        let mut body = BODY.to_vec();
        body[3] ^= 1;
        assert_eq!(
            verify(SECRET, Some(&signature), &body),
            Err(ChannelError::BadSignature)
        );
        let bare = signature.trim_start_matches("sha256=");
        assert_eq!(
            verify(SECRET, Some(bare), BODY),
            Err(ChannelError::BadSignature)
        );
        assert_eq!(verify(SECRET, None, BODY), Err(ChannelError::BadSignature));
        assert_eq!(
            verify(SECRET, Some("sha256=zz"), BODY),
            Err(ChannelError::BadSignature)
        );
    }
}
