//! A manager's file as it arrives: streamed into a staging file under the
//! data directory (never held whole in memory), moved beside the other
//! attachments when its message is stored, and removed when it never is
//! (a refused or broken upload leaves nothing behind).

use std::path::{Path, PathBuf};

use rand::RngCore;
use tokio::io::AsyncWriteExt;

use super::ServiceError;

/// Enough of the start of a file to recognise its type.
const HEAD_BYTES: usize = 16;
const STAGING_DIR: &str = "uploads";

/// An uploaded file, staged on disk.
pub struct Upload {
    /// The name as the uploader's browser gave it (unsanitised).
    name: String,
    staged: PathBuf,
    size: u64,
    head: Vec<u8>,
    /// Moved into place: nothing to remove.
    kept: bool,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

fn cannot<'a>(
    what: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> ServiceError + 'a {
    move |err| ServiceError::Internal(format!("cannot {what} {}: {err}", path.display()))
}

/// A staged file older than this belongs to no upload still running (on any
/// node sharing the data directory): a crash cut it off.
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes staging files a crash left behind; returns how many.
pub async fn remove_abandoned(data_dir: &Path) -> usize {
    let dir = data_dir.join(STAGING_DIR);
    let Ok(mut entries) = tokio::fs::read_dir(&dir).await else {
        return 0;
    };
    let mut removed = 0;
    while let Ok(Some(entry)) = entries.next_entry().await {
        let age = entry
            .metadata()
            .await
            .and_then(|meta| meta.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok());
        if age.is_some_and(|age| age > ABANDONED_AFTER)
            && tokio::fs::remove_file(entry.path()).await.is_ok()
        {
            removed += 1;
        }
    }
    removed
}

impl Upload {
    /// Starts staging a file called `name` under `data_dir`.
    pub async fn start(data_dir: &Path, name: String) -> Result<UploadWriter, ServiceError> {
        let dir = data_dir.join(STAGING_DIR);
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(cannot("create", &dir))?;
        let mut random = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut random);
        let staged = dir.join(hex::encode(random));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&staged)
            .await
            .map_err(cannot("create", &staged))?;
        Ok(UploadWriter {
            file,
            upload: Upload {
                name,
                staged,
                size: 0,
                head: Vec::with_capacity(HEAD_BYTES),
                kept: false,
            },
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The first bytes of the file, to recognise its type by.
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Moves the file to `relative` under the data directory (blocking: call
    /// it inside `Store::run`, so a failed move rolls the message back).
    pub(super) fn keep_blocking(
        &mut self,
        data_dir: &Path,
        relative: &str,
    ) -> Result<(), ServiceError> {
        let path = data_dir.join(relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(cannot("create", dir))?;
        }
        std::fs::rename(&self.staged, &path).map_err(cannot("store", &path))?;
        self.kept = true;
        Ok(())
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        if let Err(err) = std::fs::remove_file(&self.staged) {
            tracing::warn!(path = %self.staged.display(), %err, "cannot remove a staged upload");
        }
    }
}

/// An upload still arriving; dropping it removes what was staged.
pub struct UploadWriter {
    file: tokio::fs::File,
    upload: Upload,
}

impl UploadWriter {
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), ServiceError> {
        let missing = HEAD_BYTES.saturating_sub(self.upload.head.len());
        self.upload
            .head
            .extend_from_slice(&chunk[..missing.min(chunk.len())]);
        self.file
            .write_all(chunk)
            .await
            .map_err(cannot("write", &self.upload.staged))?;
        self.upload.size += chunk.len() as u64;
        Ok(())
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.upload.size
    }

    /// The whole file has arrived.
    pub async fn finish(mut self) -> Result<Upload, ServiceError> {
        self.file
            .flush()
            .await
            .map_err(cannot("write", &self.upload.staged))?;
        Ok(self.upload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staged_files(data_dir: &Path) -> usize {
        std::fs::read_dir(data_dir.join(STAGING_DIR))
            .map(|entries| entries.count())
            .unwrap_or(0)
    }

    fn scratch_dir(name: &str) -> PathBuf {
        let mut random = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut random);
        std::env::temp_dir().join(format!("tidings-{name}-{}", hex::encode(random)))
    }

    #[tokio::test]
    async fn an_abandoned_upload_leaves_no_file() {
        let data_dir = scratch_dir("abandoned");
        let mut writer = Upload::start(&data_dir, "a.pdf".into())
            .await
            .expect("staging starts");
        writer.write(b"%PDF-1.7 half").await.expect("written");
        assert_eq!(staged_files(&data_dir), 1);
        drop(writer);
        assert_eq!(staged_files(&data_dir), 0);
        let upload = Upload::start(&data_dir, "b.pdf".into())
            .await
            .expect("staging starts")
            .finish()
            .await
            .expect("finished");
        drop(upload);
        assert_eq!(staged_files(&data_dir), 0);
        std::fs::remove_dir_all(&data_dir).expect("cleaned up");
    }

    #[tokio::test]
    async fn staging_files_a_crash_left_are_removed_and_running_ones_kept() {
        let data_dir = scratch_dir("crashed");
        let dir = data_dir.join(STAGING_DIR);
        std::fs::create_dir_all(&dir).expect("created");
        let old = std::fs::File::create(dir.join("cut-off")).expect("created");
        old.set_modified(std::time::SystemTime::now() - 2 * ABANDONED_AFTER)
            .expect("aged");
        std::fs::write(dir.join("running"), b"half").expect("written");
        assert_eq!(remove_abandoned(&data_dir).await, 1);
        assert!(dir.join("running").exists());
        assert!(!dir.join("cut-off").exists());
        assert_eq!(
            remove_abandoned(&scratch_dir("none")).await,
            0,
            "no directory yet"
        );
        std::fs::remove_dir_all(&data_dir).expect("cleaned up");
    }

    #[tokio::test]
    async fn a_kept_upload_moves_with_its_bytes_and_head() {
        let data_dir = scratch_dir("kept");
        let mut writer = Upload::start(&data_dir, "a.png".into())
            .await
            .expect("staging starts");
        writer.write(b"\x89PNG\r\n").await.expect("written");
        writer
            .write(b"\x1a\nrest of the file")
            .await
            .expect("written");
        let mut upload = writer.finish().await.expect("finished");
        assert_eq!(upload.size(), 24);
        assert_eq!(upload.head(), b"\x89PNG\r\n\x1a\nrest of ");
        upload
            .keep_blocking(&data_dir, "attachments/7")
            .expect("moved");
        drop(upload);
        let stored = std::fs::read(data_dir.join("attachments/7")).expect("stored");
        assert_eq!(stored, b"\x89PNG\r\n\x1a\nrest of the file");
        assert_eq!(staged_files(&data_dir), 0);
        std::fs::remove_dir_all(&data_dir).expect("cleaned up");
    }
}
