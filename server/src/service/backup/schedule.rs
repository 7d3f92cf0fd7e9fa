//! Scheduled backups (`TIDINGS_BACKUP_*`, SQLite): a worker writes a
//! timestamped snapshot folder (`tidings-20261205T043000Z`) every
//! `every`, removes the oldest beyond `keep`, and reports the outcome to
//! [`BackupReport`], which `GET /api/v1/info` shows admins.
//!
//! A snapshot is written under `<name>.partial` and renamed when complete, so
//! a folder with a snapshot's name is always whole; partial folders a crash
//! left behind are removed before the next backup.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use tokio::sync::watch;

use super::{io_error, write_snapshot, BackupError, Manifest};
use crate::config::{Config, DatabaseUrl};

const FOLDER_PREFIX: &str = "tidings-";
const FOLDER_TIME: &str = "%Y%m%dT%H%M%SZ";
const PARTIAL_SUFFIX: &str = ".partial";

/// The last scheduled backup's outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LastBackup {
    /// When the last successful backup began (its snapshot holds everything
    /// committed before).
    pub at: Option<DateTime<Utc>>,
    /// Why the most recent attempt failed; cleared by a success.
    pub error: Option<String>,
}

/// Shared by the schedule and the info endpoint (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct BackupReport(Arc<parking_lot::Mutex<LastBackup>>);

impl BackupReport {
    pub fn last(&self) -> LastBackup {
        self.0.lock().clone()
    }

    fn succeeded(&self, at: DateTime<Utc>) {
        *self.0.lock() = LastBackup {
            at: Some(at),
            error: None,
        };
    }

    fn failed(&self, error: String) {
        self.0.lock().error = Some(error);
    }
}

/// The schedule's worker: returns at once without a backup folder, and on
/// shutdown (after the backup under way, so nothing reads the database
/// once the server has stopped).
pub async fn run(config: Arc<Config>, report: BackupReport, mut shutdown: watch::Receiver<bool>) {
    let Some(dir) = config.backups.dir.clone() else {
        return;
    };
    let DatabaseUrl::Sqlite(database) = config.database.clone() else {
        tracing::error!("scheduled backups need SQLite; on PostgreSQL use pg_dump");
        report.failed(BackupError::UsePgDump.to_string());
        return;
    };
    let schedule = config.backups.clone();
    let data_dir = config.data_dir.clone();
    // After a restart the schedule goes on from the newest snapshot.
    let listed = dir.clone();
    let newest = tokio::task::spawn_blocking(move || snapshot_folders(&listed))
        .await
        .ok()
        .and_then(Result::ok)
        .and_then(|folders| folders.last().map(|(at, _)| *at));
    if let Some(at) = newest {
        report.succeeded(at);
    }
    let mut wait = newest.map_or(Duration::ZERO, |at| {
        let since = (Utc::now() - at).to_std().unwrap_or(Duration::ZERO);
        schedule.every.saturating_sub(since)
    });
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
        let started = Utc::now();
        let (database, data_dir, dir) = (database.clone(), data_dir.clone(), dir.clone());
        let keep = schedule.keep;
        let outcome = tokio::task::spawn_blocking(move || {
            take_scheduled(&database, &data_dir, &dir, keep, started)
        })
        .await;
        match outcome {
            Ok(Ok((folder, manifest))) => {
                tracing::info!(folder = %folder.display(), files = manifest.files, "backup written");
                report.succeeded(started);
            }
            Ok(Err(err)) => {
                tracing::error!(error = %err, "scheduled backup failed");
                report.failed(err.to_string());
            }
            Err(err) => {
                tracing::error!(error = %err, "scheduled backup task failed");
                report.failed(format!("the backup task failed: {err}"));
            }
        }
        wait = schedule.every;
    }
}

/// Writes one snapshot folder named after `now` in `dir` and removes the
/// oldest beyond `keep`; returns the folder.
fn take_scheduled(
    database: &Path,
    data_dir: &Path,
    dir: &Path,
    keep: usize,
    now: DateTime<Utc>,
) -> Result<(PathBuf, Manifest), BackupError> {
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    remove_partial_folders(dir)?;
    let name = format!("{FOLDER_PREFIX}{}", now.format(FOLDER_TIME));
    let folder = dir.join(&name);
    if folder.exists() {
        return Err(BackupError::TargetNotEmpty(folder));
    }
    let partial = dir.join(format!("{name}{PARTIAL_SUFFIX}"));
    let manifest = match write_snapshot(database, data_dir, &partial, now) {
        Ok(manifest) => manifest,
        Err(err) => {
            // Best effort: the next backup removes what is left anyway.
            let _ = fs::remove_dir_all(&partial);
            return Err(err);
        }
    };
    fs::rename(&partial, &folder).map_err(io_error(&folder))?;
    let folders = snapshot_folders(dir)?;
    let surplus = folders.len().saturating_sub(keep);
    for (_, old) in &folders[..surplus] {
        fs::remove_dir_all(old).map_err(io_error(old))?;
    }
    Ok((folder, manifest))
}

/// The complete snapshot folders in `dir`, oldest first.
fn snapshot_folders(dir: &Path) -> Result<Vec<(DateTime<Utc>, PathBuf)>, BackupError> {
    let mut folders = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_error(dir))? {
        let entry = entry.map_err(io_error(dir))?;
        let name = entry.file_name();
        let Some(at) = name
            .to_str()
            .and_then(|name| name.strip_prefix(FOLDER_PREFIX))
            .and_then(|time| NaiveDateTime::parse_from_str(time, FOLDER_TIME).ok())
        else {
            continue;
        };
        if entry.path().is_dir() {
            folders.push((at.and_utc(), entry.path()));
        }
    }
    folders.sort();
    Ok(folders)
}

/// Removes what backups a crash cut off left behind.
fn remove_partial_folders(dir: &Path) -> Result<(), BackupError> {
    for entry in fs::read_dir(dir).map_err(io_error(dir))? {
        let entry = entry.map_err(io_error(dir))?;
        let name = entry.file_name();
        let is_partial = name
            .to_str()
            .is_some_and(|name| name.starts_with(FOLDER_PREFIX) && name.ends_with(PARTIAL_SUFFIX));
        if is_partial {
            let path = entry.path();
            fs::remove_dir_all(&path).map_err(io_error(&path))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::backup::MANIFEST_FILE;

    #[test]
    fn only_the_newest_snapshots_are_kept_and_partial_ones_are_removed() {
        let root = tempfile::tempdir().expect("a temporary folder");
        let database = root.path().join("tidings.db");
        crate::store::Store::open(&DatabaseUrl::Sqlite(database.clone()))
            .expect("the database opens")
            .migrate()
            .expect("migrations apply");
        let backups = root.path().join("backups");
        let left_by_a_crash = root.path().join("backups/tidings-20200101T000000Z.partial");
        fs::create_dir_all(&left_by_a_crash).expect("a folder");
        let start = Utc::now();
        let mut written = Vec::new();
        for second in 0..3 {
            let at = start + chrono::TimeDelta::seconds(second);
            let (folder, _) = take_scheduled(&database, &root.path().join("data"), &backups, 2, at)
                .expect("the backup is written");
            assert!(folder.join(MANIFEST_FILE).is_file());
            written.push(folder);
        }
        let kept: Vec<PathBuf> = snapshot_folders(&backups)
            .expect("listed")
            .into_iter()
            .map(|(_, folder)| folder)
            .collect();
        assert_eq!(kept, written[1..]);
        assert!(!left_by_a_crash.exists());
    }
}
