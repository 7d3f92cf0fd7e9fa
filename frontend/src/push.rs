//! Notifications on this device (Web Push): the browser side, in `push.js`
//! (service worker registration and `PushManager.subscribe`), and whether
//! the app is in front of the user, which the socket reports so the server
//! does not push what the user is looking at.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/push.js")]
extern "C" {
    #[wasm_bindgen(js_name = pushSupported)]
    fn push_supported() -> bool;
    #[wasm_bindgen(js_name = registerWorker)]
    fn register_worker() -> js_sys::Promise;
    #[wasm_bindgen(js_name = subscribePush)]
    fn subscribe_push(public_key: &str) -> js_sys::Promise;
}

/// Whether this browser can receive pushes (service workers and PushManager).
pub fn supported() -> bool {
    push_supported()
}

/// Registers `/sw.js` (it shows pushes and keeps the app for the next visit).
pub fn register() {
    let promise = register_worker();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    });
}

/// Why this device could not subscribe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscribeError {
    Unsupported,
    Denied,
    Browser(String),
}

/// Asks permission and subscribes with the server's key: the subscription's
/// JSON (`{endpoint, keys}`), ready to post. Call from a click.
pub async fn subscribe(public_key: &str) -> Result<serde_json::Value, SubscribeError> {
    let answer = wasm_bindgen_futures::JsFuture::from(subscribe_push(public_key))
        .await
        .map_err(|error| match error.as_string().as_deref() {
            Some("unsupported") => SubscribeError::Unsupported,
            Some("denied") => SubscribeError::Denied,
            Some(other) => SubscribeError::Browser(other.to_owned()),
            None => SubscribeError::Browser(
                js_sys::Reflect::get(&error, &"message".into())
                    .ok()
                    .and_then(|m| m.as_string())
                    .unwrap_or_default(),
            ),
        })?;
    let text = answer.as_string().unwrap_or_default();
    serde_json::from_str(&text).map_err(|error| SubscribeError::Browser(error.to_string()))
}

/// Whether the page is visible and has the focus.
pub fn app_in_front() -> bool {
    let document = leptos::prelude::document();
    !document.hidden() && document.has_focus().unwrap_or(false)
}
