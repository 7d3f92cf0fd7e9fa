//! Security headers on every response: a Content-Security-Policy fitted to the
//! Trunk-built WASM app, no MIME sniffing, no framing, same-origin referrers.
//! A handler that sets one of these itself (attachments: `sandbox`) keeps its own.

use std::sync::LazyLock;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::assets;

/// The policy, computed once from the embedded `index.html`: Trunk starts the
/// app with an inline module script, allowed by its hash rather than by
/// `'unsafe-inline'`, so an injected script still cannot run.
static CONTENT_SECURITY_POLICY: LazyLock<HeaderValue> = LazyLock::new(|| {
    let script_hashes: String = inline_scripts(&assets::index_html())
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    let policy = format!(
        "default-src 'self'; \
         script-src 'self' 'wasm-unsafe-eval'{script_hashes}; \
         style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; \
         media-src 'self' blob:; \
         connect-src 'self'; \
         object-src 'none'; \
         frame-ancestors 'none'; \
         base-uri 'none'; \
         form-action 'self'"
    );
    HeaderValue::from_str(&policy).expect("the policy is ASCII")
});

/// The bodies of `<script>` elements without a `src`, exactly as written.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, rest) = rest.split_once('>')?;
        if attributes.contains("src=") {
            return None;
        }
        let (body, _) = rest.split_once("</script>")?;
        Some(body)
    })
}

/// Adds the headers to every response. Inner middleware answer refusals as
/// responses (not errors), so those get the headers too.
pub async fn add_security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let mut response = next.call(req).await?.map_into_boxed_body();
    let headers = response.headers_mut();
    let fixed: [(HeaderName, HeaderValue); 4] = [
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY.clone(),
        ),
    ];
    for (name, value) in fixed {
        if !headers.contains_key(&name) {
            headers.insert(name, value);
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_found_and_scripts_with_src_skipped() {
        let html = r#"<head><script src="/a.js"></script>
<script type="module">import init from '/app.js';
await init();</script></head><body><script>x()</script></body>"#;
        let found: Vec<&str> = inline_scripts(html).collect();
        assert_eq!(
            found,
            vec!["import init from '/app.js';\nawait init();", "x()"]
        );
    }
}
