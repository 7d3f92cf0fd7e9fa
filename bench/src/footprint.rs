//! `footprint`: resident memory of the server idle and after an ingest burst
//! (in-process, so the figures include the bench's own fakes and client; the
//! "server" figure subtracts what the process held before the server
//! started), the release binary's size and the WASM bundle's size raw and
//! gzipped.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::harness::Harness;
use crate::ingest::{self, Updates};
use crate::stats::{self, rss_kib};
use crate::{loadgen, progress, Database};

pub struct Memory {
    /// The process before the server started (fakes and client only).
    pub before_kib: Option<u64>,
    /// Started, migrated, one admin session, nothing else.
    pub idle_kib: Option<u64>,
    pub after_ingest_kib: Option<u64>,
    pub ingested: u64,
}

pub async fn memory(
    database: Database,
    workers: usize,
    updates: u64,
    quiet: bool,
) -> anyhow::Result<Memory> {
    let before_kib = rss_kib();
    let harness = Harness::start(database, workers).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_kib = rss_kib();
    let hook = harness
        .telegram_integration(&[], Some("Welcome!"), Some("We will answer soon."))
        .await?;
    let client = ingest::load_client()?;
    let maker = Arc::new(Updates::new(1, (updates / 10).max(1)));
    let bar = progress::bar(quiet, updates, "ingest for footprint");
    let fire = {
        let (client, url, secret) = (client.clone(), hook.url.clone(), hook.secret.clone());
        move |_| {
            let (client, url, secret) = (client.clone(), url.clone(), secret.clone());
            let (_, body) = maker.next();
            async move { ingest::post_update(&client, &url, &secret, body).await }
        }
    };
    let phase = loadgen::saturate(
        16,
        Duration::from_secs(600),
        Some(usize::try_from(updates).unwrap_or(usize::MAX)),
        &bar,
        fire,
    )
    .await;
    bar.finish_and_clear();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after_ingest_kib = rss_kib();
    harness.stop().await;
    Ok(Memory {
        before_kib,
        idle_kib,
        after_ingest_kib,
        ingested: phase.ok,
    })
}

/// The release binary in its own process (SQLite, nothing else in it).
pub struct BinaryMemory {
    /// Started, migrated, initial admin created; no request yet.
    pub idle_kib: u64,
    /// After one sign-in (one Argon2 verification).
    pub after_login_kib: u64,
}

/// Runs `target/release/tidings serve` on a temporary SQLite file and reads
/// its `VmRSS`; `None` when the binary is not built.
pub async fn binary_memory(root: &Path) -> anyhow::Result<Option<BinaryMemory>> {
    let binary = root.join("target/release/tidings");
    if !binary.exists() {
        return Ok(None);
    }
    let dir = tempfile::tempdir()?;
    let bind = tidings_tests::reserve_local_port();
    let mut child = std::process::Command::new(&binary)
        .arg("serve")
        .env_remove("TIDINGS_CONFIG")
        .env(
            "TIDINGS_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("t.db").display()),
        )
        .env("TIDINGS_DATA_DIR", dir.path().join("data"))
        .env("TIDINGS_BIND", bind.to_string())
        .env("TIDINGS_WORKERS", "2")
        .env("TIDINGS_TELEGRAM_API_URL", "http://127.0.0.1:9")
        .env("TIDINGS_VIBER_API_URL", "http://127.0.0.1:9")
        .env("TIDINGS_ADMIN_EMAIL", crate::harness::ADMIN_EMAIL)
        .env("TIDINGS_ADMIN_PASSWORD", crate::harness::ADMIN_PASSWORD)
        .env("RUST_LOG", "warn")
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let measured = measure_child(child.id(), bind).await;
    let _ = child.kill();
    let _ = child.wait();
    measured.map(Some)
}

async fn measure_child(pid: u32, bind: std::net::SocketAddr) -> anyhow::Result<BinaryMemory> {
    let pid = pid.to_string();
    let client = ingest::load_client()?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let up = client.get(format!("http://{bind}/healthz")).send().await;
        if up.is_ok_and(|r| r.status() == 200) {
            break;
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the binary did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_kib = stats::rss_kib_of(&pid).unwrap_or(0);
    crate::harness::Api::login(
        bind,
        crate::harness::ADMIN_EMAIL,
        crate::harness::ADMIN_PASSWORD,
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after_login_kib = stats::rss_kib_of(&pid).unwrap_or(0);
    Ok(BinaryMemory {
        idle_kib,
        after_login_kib,
    })
}

/// Sizes of what `cargo build --release` and Trunk produced, when present.
pub struct Artifacts {
    pub binary: Option<u64>,
    /// `(file name, bytes, gzipped bytes)` of each `dist/*.wasm`.
    pub wasm: Vec<(String, u64, u64)>,
}

pub fn artifacts(root: &Path) -> Artifacts {
    let binary = std::fs::metadata(root.join("target/release/tidings"))
        .ok()
        .map(|m| m.len());
    let mut wasm = Vec::new();
    if let Ok(entries) = std::fs::read_dir(root.join("dist")) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "wasm") {
                if let Ok(bytes) = std::fs::read(&path) {
                    let gz = gzip_len(&bytes);
                    wasm.push((
                        entry.file_name().to_string_lossy().into_owned(),
                        bytes.len() as u64,
                        gz,
                    ));
                }
            }
        }
    }
    wasm.sort();
    Artifacts { binary, wasm }
}

/// Size after `gzip -9`, as a static file server would send it.
fn gzip_len(bytes: &[u8]) -> u64 {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    if encoder.write_all(bytes).is_err() {
        return 0;
    }
    encoder.finish().map_or(0, |out| out.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repetitive_bytes_gzip_small() {
        assert!(gzip_len(&[7u8; 100_000]) < 1_000);
    }
}
