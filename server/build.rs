//! Rebuilds the server when what it embeds at compile time changes, which
//! Cargo does not track by itself:
//! - `embed_migrations!` reads the migrations directories; without this Cargo
//!   only watches the files it included last time, so a new migration's
//!   directory would be left out of an incremental build.
//! - `RustEmbed` embeds the web app from `dist/` (a debug build reads it from
//!   disk, but only if it existed when the server was compiled): a server
//!   compiled before `trunk build` would go on serving "not built".
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
    println!("cargo:rerun-if-changed=../dist");
}
