//! The `footprint` section: memory, binary and bundle sizes.

use crate::report::{Report, Section};
use crate::stats::mib;
use crate::{footprint, Database, Options};

pub(crate) async fn footprint(
    options: &Options,
    database: Database,
    report: &mut Report,
) -> anyhow::Result<()> {
    let memory = footprint::memory(
        database,
        options.workers,
        options.footprint_updates,
        options.quiet,
    )
    .await?;
    let mut section = Section::new(
        format!("{}-footprint", database.key()),
        format!("Footprint on {}", database.name()),
    );
    if let (Some(before), Some(idle), Some(after)) =
        (memory.before_kib, memory.idle_kib, memory.after_ingest_kib)
    {
        section.row(
            "RSS idle (server share)",
            format!("{:.1} MiB", mib(idle.saturating_sub(before))),
            format!(
                "process {:.1} MiB, of which {:.1} MiB before the server started (bench, fakes)",
                mib(idle),
                mib(before)
            ),
        );
        section.row(
            "RSS after ingest (server share)",
            format!("{:.1} MiB", mib(after.saturating_sub(before))),
            format!(
                "process {:.1} MiB after {} updates at saturation",
                mib(after),
                memory.ingested
            ),
        );
        report.check(
            format!("{} footprint: memory measured", database.name()),
            idle > 0 && memory.ingested > 0,
            format!("idle {idle} KiB"),
        );
    }
    if database == Database::Sqlite {
        match footprint::binary_memory(&options.root()).await? {
            Some(binary) => {
                section.row(
                    "release binary RSS idle (own process)",
                    format!("{:.1} MiB", mib(binary.idle_kib)),
                    "target/release/tidings serve on SQLite: migrated, admin created, no request yet",
                );
                section.row(
                    "release binary RSS after one sign-in",
                    format!("{:.1} MiB", mib(binary.after_login_kib)),
                    "one Argon2 password check",
                );
            }
            None => section.row("release binary RSS", "not built", "cargo build --release"),
        }
    }
    let artifacts = footprint::artifacts(&options.root());
    section.row(
        "binary target/release/tidings",
        artifacts.binary.map_or("not built".to_owned(), |b| {
            format!("{:.1} MiB", b as f64 / 1048576.0)
        }),
        "",
    );
    if artifacts.wasm.is_empty() {
        section.row("WASM bundle", "not built", "run trunk build --release");
    }
    for (name, raw, gz) in &artifacts.wasm {
        section.row(
            "WASM bundle raw / gzip -9",
            format!(
                "{:.0} / {:.0} KiB",
                *raw as f64 / 1024.0,
                *gz as f64 / 1024.0
            ),
            name.clone(),
        );
    }
    report.sections.push(section);
    Ok(())
}
