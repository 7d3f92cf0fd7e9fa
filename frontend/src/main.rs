//! Entry point of the Tidings web app: installs the panic hook and mounts [`app::App`].
//! Owns nothing else; routing and state live in `app.rs` and `state/`.

mod alerts;
mod api;
mod app;
mod components;
mod format;
mod i18n;
mod push;
mod screens;
mod state;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
