//! The web app's files: hashed assets go out precompressed (Brotli or gzip, whichever the
//! client prefers; gzip decompresses to the very file) and are cached for a year; the page
//! itself is revalidated on every load.

use std::io::Read;

use reqwest::header::{
    HeaderMap, HeaderName, ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, VARY,
};
use tidings_tests::browser::web_app_built;
use tidings_tests::{on_both_backends, Backend, TestApp};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn header(headers: &HeaderMap, name: HeaderName) -> &str {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

/// The hashed WebAssembly file `index.html` loads, e.g. `/tidings-web-0a1b…_bg.wasm`.
fn wasm_path(index: &str) -> String {
    index
        .split('"')
        .find(|part| part.starts_with('/') && part.ends_with("_bg.wasm"))
        .unwrap_or_else(|| panic!("index.html names the app's .wasm: {index}"))
        .to_owned()
}

/// A GET with the given `Accept-Encoding` (none at all for `None`): headers and raw body.
async fn fetch(app: &TestApp, path: &str, accept: Option<&str>) -> (HeaderMap, Vec<u8>) {
    // This reqwest decompresses nothing and sends no Accept-Encoding of its own.
    let mut request = app.client().http.get(app.url(path));
    if let Some(accept) = accept {
        request = request.header(ACCEPT_ENCODING, accept);
    }
    let response = request.send().await.expect("the server answers");
    assert!(
        response.status().is_success(),
        "GET {path}: {}",
        response.status()
    );
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("a body").to_vec();
    (headers, body)
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut plain)
        .expect("a valid gzip stream");
    plain
}

async fn the_app_is_served_compressed_and_cached_for_good(backend: Backend) {
    assert!(
        web_app_built(),
        "the web app is not built: run `trunk build --release` (scripts/test does)"
    );
    let app = TestApp::start(backend).await;

    // The page: never cached without asking.
    let (headers, index) = fetch(&app, "/", Some("gzip")).await;
    assert_eq!(header(&headers, CACHE_CONTROL), "no-cache");
    let index = if header(&headers, CONTENT_ENCODING) == "gzip" {
        gunzip(&index)
    } else {
        index
    };
    let index = String::from_utf8(index).expect("index.html is text");
    let wasm = wasm_path(&index);

    // Without Accept-Encoding: the file as built.
    let (plain_headers, plain) = fetch(&app, &wasm, None).await;
    assert_eq!(header(&plain_headers, CONTENT_ENCODING), "");
    assert_eq!(header(&plain_headers, CONTENT_TYPE), "application/wasm");
    assert_eq!(header(&plain_headers, CACHE_CONTROL), IMMUTABLE);
    assert_eq!(&plain[..4], b"\0asm", "a WebAssembly module");

    // A client that takes gzip gets gzip: smaller, and the same bytes once decompressed.
    let (gzip_headers, gzipped) = fetch(&app, &wasm, Some("gzip")).await;
    assert_eq!(header(&gzip_headers, CONTENT_ENCODING), "gzip");
    assert_eq!(header(&gzip_headers, CONTENT_TYPE), "application/wasm");
    assert_eq!(header(&gzip_headers, CACHE_CONTROL), IMMUTABLE);
    assert!(
        header(&gzip_headers, VARY)
            .to_ascii_lowercase()
            .contains("accept-encoding"),
        "caches keep one copy per encoding: {gzip_headers:?}"
    );
    assert!(
        gzipped.len() < plain.len() / 2,
        "{} bytes gzipped of {}",
        gzipped.len(),
        plain.len()
    );
    assert_eq!(gunzip(&gzipped), plain);

    // A browser (which takes Brotli too) gets the smallest copy the build made.
    let (browser_headers, smallest) = fetch(&app, &wasm, Some("gzip, deflate, br, zstd")).await;
    let encoding = header(&browser_headers, CONTENT_ENCODING);
    assert!(
        encoding == "br" || encoding == "gzip",
        "compressed for a browser: {browser_headers:?}"
    );
    assert!(smallest.len() <= gzipped.len());
    assert_eq!(header(&browser_headers, CACHE_CONTROL), IMMUTABLE);

    // A client that refuses every encoding but identity gets the plain file.
    let (identity_headers, identity) = fetch(&app, &wasm, Some("identity")).await;
    assert_eq!(header(&identity_headers, CONTENT_ENCODING), "");
    assert_eq!(identity, plain);

    // A client route gets the page, not cached either.
    let (route_headers, _) = fetch(&app, "/chats/12", None).await;
    assert_eq!(header(&route_headers, CACHE_CONTROL), "no-cache");
    assert!(header(&route_headers, CONTENT_TYPE).starts_with("text/html"));
}

on_both_backends!(the_app_is_served_compressed_and_cached_for_good);
