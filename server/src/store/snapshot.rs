//! SQLite's own consistent copies of a live database (`VACUUM INTO`) and their
//! check before a restore: the dialect-specific statements backups need.
//!
//! Each opens a connection of its own, outside the server's pool: a snapshot
//! of a large database takes a while and the pool is small, and the
//! `tidings backup` command runs beside a server without any pool at all.

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};

use super::{StoreError, SQLITE_BUSY_TIMEOUT_MS};

/// Writes a consistent copy of the SQLite database at `database` to `target`
/// (which must not exist yet). It reads in one transaction: with WAL the
/// server's writers carry on, and everything committed before it began is in
/// the copy. `database` must exist (opening would create an empty one).
pub fn vacuum_into(database: &Path, target: &Path) -> Result<(), StoreError> {
    if !database.is_file() {
        return Err(StoreError::Unavailable(format!(
            "no SQLite database at {}",
            database.display()
        )));
    }
    let mut conn = open(database)?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(target.to_string_lossy())
        .execute(&mut conn)?;
    Ok(())
}

#[derive(QueryableByName)]
struct CheckLine {
    #[diesel(sql_type = Text)]
    quick_check: String,
}

/// Whether the SQLite file at `path` is a whole, readable database
/// (`PRAGMA quick_check`); `Err(Corrupt)` names what is wrong.
pub fn check_database(path: &Path) -> Result<(), StoreError> {
    let mut conn = open(path)?;
    let lines: Vec<CheckLine> = diesel::sql_query("PRAGMA quick_check").load(&mut conn)?;
    match lines.as_slice() {
        [line] if line.quick_check == "ok" => Ok(()),
        _ => Err(StoreError::Corrupt(
            lines
                .into_iter()
                .map(|line| line.quick_check)
                .collect::<Vec<_>>()
                .join("; "),
        )),
    }
}

fn open(path: &Path) -> Result<SqliteConnection, StoreError> {
    let mut conn = SqliteConnection::establish(&path.to_string_lossy())
        .map_err(|err| StoreError::Unavailable(err.to_string()))?;
    // The server's writer may hold the lock for a moment when the read starts.
    conn.batch_execute(&format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};"))?;
    Ok(conn)
}
