//! Backups of a SQLite installation, shared by `tidings backup`, `tidings
//! restore` and the scheduled backups ([`schedule`]).
//!
//! A snapshot folder holds `tidings.db` (SQLite's consistent copy of the live
//! database, taken first), `files/attachments/…` (the data directory's
//! attachments, copied afterwards, so every file a row of the copy names is
//! there: a row gets its file's path only once the file is written) and
//! `snapshot.json`, written last: without it a folder is not a snapshot.
//! PostgreSQL is backed up with its own tools; this module only says so.

pub mod schedule;

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::config::{Config, DatabaseUrl};
use crate::service::priority::at_low_priority;
use crate::store::{snapshot, StoreError};

pub use schedule::{BackupReport, LastBackup};

/// The database's copy inside a snapshot folder.
pub const DATABASE_FILE: &str = "tidings.db";
/// The data directory's files inside a snapshot folder.
pub const FILES_DIR: &str = "files";
/// Written last; marks a complete snapshot.
pub const MANIFEST_FILE: &str = "snapshot.json";
/// The data directory's folders a snapshot carries (each flat: `attachments/<id>`).
const DATA_FOLDERS: [&str; 1] = ["attachments"];

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "this server uses PostgreSQL: back its database up with pg_dump \
         (e.g. pg_dump --format=custom), and the data directory's files with it"
    )]
    UsePgDump,
    #[error(
        "this server uses PostgreSQL: restore its database with pg_restore \
         (or psql for a plain SQL dump)"
    )]
    UsePgRestore,
    #[error("{} is not empty; back up into a new or empty folder (nothing was written)", .0.display())]
    TargetNotEmpty(PathBuf),
    #[error(
        "{} is not empty; restore fills only a new database and an empty data directory \
         (nothing was changed)", .0.display()
    )]
    RestoreTargetNotEmpty(PathBuf),
    #[error("{} is not a complete snapshot: {why}", path.display())]
    IncompleteSnapshot { path: PathBuf, why: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What a snapshot holds; `snapshot.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// When the database copy began (RFC 3339, UTC): everything committed
    /// before is in it.
    pub taken_at: String,
    /// How many files `files/` holds.
    pub files: u64,
}

/// `tidings backup --to DIR`: a snapshot of the SQLite database and the
/// attachments into `target`, a new or empty folder. Needs no lock: it only
/// reads, beside a running server.
pub fn back_up(config: &Config, target: &Path) -> Result<Manifest, BackupError> {
    let DatabaseUrl::Sqlite(database) = &config.database else {
        return Err(BackupError::UsePgDump);
    };
    if !is_empty_or_missing(target)? {
        return Err(BackupError::TargetNotEmpty(target.to_owned()));
    }
    write_snapshot(database, &config.data_dir, target, Utc::now())
}

/// Writes a snapshot into `target` (missing or empty), the database first.
fn write_snapshot(
    database: &Path,
    data_dir: &Path,
    target: &Path,
    taken_at: DateTime<Utc>,
) -> Result<Manifest, BackupError> {
    fs::create_dir_all(target).map_err(io_error(target))?;
    let copy = target.join(DATABASE_FILE);
    at_low_priority(|| snapshot::vacuum_into(database, &copy))?;
    let mut files = 0;
    for folder in DATA_FOLDERS {
        let to = target.join(FILES_DIR).join(folder);
        fs::create_dir_all(&to).map_err(io_error(&to))?;
        files += copy_files(&data_dir.join(folder), &to)?;
    }
    let manifest = Manifest {
        taken_at: taken_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        files,
    };
    write_manifest(&target.join(MANIFEST_FILE), &manifest)?;
    Ok(manifest)
}

/// Copies the files directly in `from` (missing: none) into `to`; returns
/// how many. A file removed meanwhile (its contact erased) is skipped.
fn copy_files(from: &Path, to: &Path) -> Result<u64, BackupError> {
    let entries = match fs::read_dir(from) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(err) => return Err(io_error(from)(err)),
    };
    let mut copied = 0;
    for entry in entries {
        let entry = entry.map_err(io_error(from))?;
        let source = entry.path();
        match fs::copy(&source, to.join(entry.file_name())) {
            Ok(_) => copied += 1,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(io_error(&source)(err)),
        }
    }
    Ok(copied)
}

fn write_manifest(path: &Path, manifest: &Manifest) -> Result<(), BackupError> {
    let json = serde_json::to_vec_pretty(manifest).map_err(|err| BackupError::Io {
        path: path.to_owned(),
        source: err.into(),
    })?;
    let mut file = fs::File::create(path).map_err(io_error(path))?;
    file.write_all(&json).map_err(io_error(path))?;
    file.sync_all().map_err(io_error(path))
}

/// `tidings restore --from DIR`: fills a new SQLite database (missing or an
/// empty file) and an empty data directory from a snapshot. The database is
/// checked before anything is written and put in place last, so a restore
/// cut off leaves no database that looks whole.
pub fn restore(config: &Config, from: &Path) -> Result<Manifest, BackupError> {
    let DatabaseUrl::Sqlite(database) = &config.database else {
        return Err(BackupError::UsePgRestore);
    };
    let manifest = read_complete_snapshot(from)?;
    for file in [database.clone(), sqlite_sibling(database, "-wal")] {
        if fs::metadata(&file).is_ok_and(|meta| meta.len() > 0) {
            return Err(BackupError::RestoreTargetNotEmpty(file));
        }
    }
    for folder in DATA_FOLDERS {
        let target = config.data_dir.join(folder);
        if !is_empty_or_missing(&target)? {
            return Err(BackupError::RestoreTargetNotEmpty(target));
        }
    }

    if let Some(parent) = database.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    let incoming = sqlite_sibling(database, ".restoring");
    let snapshot_database = from.join(DATABASE_FILE);
    // The snapshot is at rest (not a live database): a plain copy is whole.
    fs::copy(&snapshot_database, &incoming).map_err(io_error(&snapshot_database))?;
    if let Err(err) = snapshot::check_database(&incoming) {
        // Best effort: the copy is ours and useless; the error is what matters.
        let _ = fs::remove_file(&incoming);
        return Err(BackupError::IncompleteSnapshot {
            path: from.to_owned(),
            why: format!("its database is damaged: {err}"),
        });
    }
    for folder in DATA_FOLDERS {
        let to = config.data_dir.join(folder);
        fs::create_dir_all(&to).map_err(io_error(&to))?;
        copy_files(&from.join(FILES_DIR).join(folder), &to)?;
    }
    fs::rename(&incoming, database).map_err(io_error(database))?;
    Ok(manifest)
}

/// The manifest of a snapshot whose database and files are all there.
fn read_complete_snapshot(from: &Path) -> Result<Manifest, BackupError> {
    let incomplete = |why: String| BackupError::IncompleteSnapshot {
        path: from.to_owned(),
        why,
    };
    let manifest_path = from.join(MANIFEST_FILE);
    let manifest: Manifest = match fs::read(&manifest_path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|err| incomplete(format!("{MANIFEST_FILE} is unreadable: {err}")))?,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(incomplete(format!(
                "{MANIFEST_FILE} is missing (the backup did not finish)"
            )))
        }
        Err(err) => return Err(io_error(&manifest_path)(err)),
    };
    if !from.join(DATABASE_FILE).is_file() {
        return Err(incomplete(format!("{DATABASE_FILE} is missing")));
    }
    let mut files = 0;
    for folder in DATA_FOLDERS {
        let dir = from.join(FILES_DIR).join(folder);
        if let Ok(entries) = fs::read_dir(&dir) {
            files += entries.count() as u64;
        }
    }
    if files != manifest.files {
        return Err(incomplete(format!(
            "{FILES_DIR}/ holds {files} files, the snapshot had {}",
            manifest.files
        )));
    }
    Ok(manifest)
}

/// `tidings.db` + `-wal` → `tidings.db-wal`.
fn sqlite_sibling(database: &Path, suffix: &str) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn is_empty_or_missing(dir: &Path) -> Result<bool, BackupError> {
    match fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(err) => Err(io_error(dir)(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseUrl;

    /// A migrated SQLite database with one row, and an attachment file.
    fn installation(root: &Path) -> Config {
        let database = root.join("tidings.db");
        let store = crate::store::Store::open(&DatabaseUrl::Sqlite(database.clone()))
            .expect("the database opens");
        store.migrate().expect("migrations apply");
        store
            .run_blocking(crate::store::setup::ensure_default_pipeline)
            .expect("a row is written");
        let config = Config::for_database(DatabaseUrl::Sqlite(database), root.join("data"));
        fs::create_dir_all(config.data_dir.join("attachments")).expect("a folder");
        fs::write(config.data_dir.join("attachments/7"), b"photo").expect("a file");
        config
    }

    #[test]
    fn a_snapshot_restores_into_a_new_installation() {
        let root = tempfile::tempdir().expect("a temporary folder");
        let config = installation(&root.path().join("live"));
        let target = root.path().join("backup");
        let manifest = back_up(&config, &target).expect("the backup is written");
        assert_eq!(manifest.files, 1);

        let fresh = Config::for_database(
            DatabaseUrl::Sqlite(root.path().join("new/tidings.db")),
            root.path().join("new/data"),
        );
        restore(&fresh, &target).expect("the snapshot restores");
        assert_eq!(
            fs::read(fresh.data_dir.join("attachments/7")).expect("the file is back"),
            b"photo"
        );
        let DatabaseUrl::Sqlite(restored) = &fresh.database else {
            unreachable!("configured as SQLite above")
        };
        snapshot::check_database(restored).expect("the database is whole");
        assert!(!sqlite_sibling(restored, ".restoring").exists());
    }

    #[test]
    fn a_backup_into_a_non_empty_folder_writes_nothing() {
        let root = tempfile::tempdir().expect("a temporary folder");
        let config = installation(&root.path().join("live"));
        let target = root.path().join("backup");
        fs::create_dir_all(&target).expect("a folder");
        fs::write(target.join("notes.txt"), b"mine").expect("a file");
        let err = back_up(&config, &target).expect_err("refused");
        assert!(matches!(err, BackupError::TargetNotEmpty(_)), "{err}");
        assert!(!target.join(DATABASE_FILE).exists());
    }

    #[test]
    fn a_restore_over_an_existing_database_or_files_is_refused() {
        let root = tempfile::tempdir().expect("a temporary folder");
        let config = installation(&root.path().join("live"));
        let target = root.path().join("backup");
        back_up(&config, &target).expect("the backup is written");
        let err = restore(&config, &target).expect_err("the live database is not empty");
        assert!(
            matches!(err, BackupError::RestoreTargetNotEmpty(_)),
            "{err}"
        );

        let only_files = Config::for_database(
            DatabaseUrl::Sqlite(root.path().join("new/tidings.db")),
            config.data_dir.clone(),
        );
        let err = restore(&only_files, &target).expect_err("the files folder is not empty");
        assert!(
            matches!(err, BackupError::RestoreTargetNotEmpty(_)),
            "{err}"
        );
        assert!(!root.path().join("new/tidings.db").exists());
    }

    #[test]
    fn a_snapshot_without_its_manifest_or_with_files_missing_is_incomplete() {
        let root = tempfile::tempdir().expect("a temporary folder");
        let config = installation(&root.path().join("live"));
        let target = root.path().join("backup");
        back_up(&config, &target).expect("the backup is written");
        let fresh = Config::for_database(
            DatabaseUrl::Sqlite(root.path().join("new/tidings.db")),
            root.path().join("new/data"),
        );
        fs::remove_file(target.join("files/attachments/7")).expect("removed");
        let err = restore(&fresh, &target).expect_err("a file is missing");
        assert!(
            matches!(err, BackupError::IncompleteSnapshot { .. }),
            "{err}"
        );
        fs::remove_file(target.join(MANIFEST_FILE)).expect("removed");
        let err = restore(&fresh, &target).expect_err("unfinished");
        assert!(err.to_string().contains("did not finish"), "{err}");
        assert!(!root.path().join("new/tidings.db").exists());
    }

    #[test]
    fn postgres_points_to_its_own_tools() {
        let config = Config::for_database(
            DatabaseUrl::parse("postgres://localhost/tidings").expect("a URL"),
            PathBuf::from("data"),
        );
        let backup = back_up(&config, Path::new("unused")).expect_err("refused");
        assert!(backup.to_string().contains("pg_dump"), "{backup}");
        let restore = restore(&config, Path::new("unused")).expect_err("refused");
        assert!(restore.to_string().contains("pg_restore"), "{restore}");
    }
}
