//! `X-Tidings-Signature: sha256=<hex>`: the HMAC-SHA256 of the raw body keyed
//! by the integration's secret, both ways. Checked over the exact bytes
//! received, before any parsing, in constant time (`Mac::verify_slice`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::channels::ChannelError;

/// The header both sides sign with.
pub const SIGNATURE_HEADER: &str = "x-tidings-signature";
const PREFIX: &str = "sha256=";

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, body: &[u8]) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(body);
    mac
}

/// The header value for `body`: `sha256=` and the lowercase hex HMAC.
pub fn sign(secret: &str, body: &[u8]) -> String {
    format!(
        "{PREFIX}{}",
        hex::encode(mac(secret, body).finalize().into_bytes())
    )
}

/// Checks a header value against the raw body.
pub fn verify(secret: &str, signature: Option<&str>, body: &[u8]) -> Result<(), ChannelError> {
    let hex_part = signature
        .map(str::trim)
        .and_then(|value| value.strip_prefix(PREFIX))
        .ok_or(ChannelError::BadSignature)?;
    let expected = hex::decode(hex_part).map_err(|_| ChannelError::BadSignature)?;
    // An empty secret would let anyone sign.
    if secret.is_empty() {
        return Err(ChannelError::BadSignature);
    }
    mac(secret, body)
        .verify_slice(&expected)
        .map_err(|_| ChannelError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "3f1c9a";
    const BODY: &[u8] = br#"{"type":"message"}"#;

    #[test]
    fn a_signature_matches_what_openssl_computes() {
        // printf '%s' '{"type":"message"}' | openssl dgst -sha256 -hmac 3f1c9a
        assert_eq!(
            sign(SECRET, BODY),
            "sha256=af2ebf5461ad65506f18f43053d442a962ccd282acf1a0edfa569c2ed6dfacd1"
        );
        assert_eq!(verify(SECRET, Some(&sign(SECRET, BODY)), BODY), Ok(()));
    }

    #[test]
    fn signatures_without_the_prefix_with_another_key_or_over_other_bytes_are_refused() {
        let signature = sign(SECRET, BODY);
        let bare = signature.trim_start_matches(PREFIX).to_owned();
        for (secret, header, body) in [
            (SECRET, Some(bare.as_str()), BODY),
            ("another", Some(signature.as_str()), BODY),
            (
                SECRET,
                Some(signature.as_str()),
                &br#"{"type":"message" }"#[..],
            ),
            (SECRET, None, BODY),
            (SECRET, Some("sha256=zz"), BODY),
            ("", Some(sign("", BODY).as_str()), BODY),
        ] {
            assert_eq!(
                verify(secret, header, body),
                Err(ChannelError::BadSignature),
                "{header:?}"
            );
        }
    }
}
