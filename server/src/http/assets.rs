//! The web app, embedded in the binary from `dist/` (built by Trunk beforehand).
//! Any GET that is not an API, webhook or socket path gets a file or, for client
//! routes such as `/chats/42`, `index.html`.
//!
//! Trunk's build compresses the hashed assets once, at the highest levels
//! (`scripts/precompress.mjs` writes `<name>.br` and `<name>.gz` beside each file):
//! a client that accepts one of them gets those bytes as they are, with no work per
//! request. Without them (an app built otherwise) the `Compress` middleware compresses
//! on the fly, as it does for every other response.

use actix_web::http::header::{self, AcceptEncoding, ContentEncoding, Encoding, Header};
use actix_web::{HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../dist/"]
#[allow_missing = true]
struct WebApp;

/// Shown when the binary was built without the web app.
const NOT_BUILT: &str =
    "<!doctype html><title>Tidings</title><p>The web app is not built into this binary. \
Run <code>trunk build --release</code>, then <code>cargo build --release</code>.</p>";

/// The encodings the build stores beside an asset, by file suffix, best first.
const PRECOMPRESSED: [(ContentEncoding, &str); 2] = [
    (ContentEncoding::Brotli, "br"),
    (ContentEncoding::Gzip, "gz"),
];

pub fn is_app_path(path: &str) -> bool {
    !(path.starts_with("/api/")
        || path == "/api"
        || path.starts_with("/hooks/")
        || path == "/ws"
        || path == "/healthz")
}

pub fn serve(req: &HttpRequest) -> HttpResponse {
    let path = req.path().trim_start_matches('/');
    if let Some(file) = (!path.is_empty()).then(|| WebApp::get(path)).flatten() {
        if let Some((content_type, cache)) = stable_name(path) {
            return HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, content_type))
                .insert_header((header::CACHE_CONTROL, cache))
                .body(file.data.into_owned());
        }
        let mime = file.metadata.mimetype().to_owned();
        let mut response = HttpResponse::Ok();
        response
            .insert_header((header::CONTENT_TYPE, mime))
            // Trunk puts a content hash in asset names, so they never change.
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"));
        let variants: Vec<_> = PRECOMPRESSED
            .into_iter()
            .filter_map(|(encoding, suffix)| {
                WebApp::get(&format!("{path}.{suffix}")).map(|file| (encoding, file))
            })
            .collect();
        if variants.is_empty() {
            return response.body(file.data.into_owned());
        }
        response.insert_header((header::VARY, "accept-encoding"));
        let chosen = AcceptEncoding::parse(req).ok().and_then(|accepted| {
            let offered: Vec<Encoding> = variants
                .iter()
                .map(|(encoding, _)| Encoding::Known(*encoding))
                .chain([Encoding::identity()])
                .collect();
            accepted.negotiate(offered.iter())
        });
        return match variants
            .into_iter()
            .find(|(encoding, _)| chosen == Some(Encoding::Known(*encoding)))
        {
            Some((encoding, compressed)) => response
                .insert_header((header::CONTENT_ENCODING, encoding.as_str()))
                .body(compressed.data.into_owned()),
            None => response.body(file.data.into_owned()),
        };
    }
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(index_html())
}

/// Files whose names carry no content hash (the installable app's manifest
/// and icons, the service worker at the root scope): their type and a cache
/// policy that lets a new release reach browsers.
fn stable_name(path: &str) -> Option<(&'static str, &'static str)> {
    match path {
        "sw.js" => Some(("application/javascript", "no-cache")),
        "manifest.webmanifest" => Some(("application/manifest+json", "no-cache")),
        _ if path.starts_with("icons/") && path.ends_with(".png") => {
            Some(("image/png", "public, max-age=86400"))
        }
        _ => None,
    }
}

/// The app's page (or, without a built app, a page saying how to build it).
pub fn index_html() -> String {
    match WebApp::get("index.html") {
        Some(index) => String::from_utf8_lossy(&index.data).into_owned(),
        None => NOT_BUILT.to_owned(),
    }
}
