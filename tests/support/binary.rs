//! The real `tidings` binary, for suites that run it as a process.

use std::path::{Path, PathBuf};

/// `target/<profile>/tidings`, next to the test binary's own `deps/` directory.
pub fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir: &Path = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/deps");
    let binary = profile_dir.join("tidings");
    assert!(
        binary.exists(),
        "{} is missing: build it with `cargo build -p tidings` (scripts/test does)",
        binary.display()
    );
    binary
}
