//! Rebuilds the server when a migration is added: `embed_migrations!` reads
//! the migrations directories while compiling, and without this Cargo only
//! watches the files it included last time, so a new migration's directory
//! would be left out of an incremental build.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
