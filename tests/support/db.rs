//! Fresh databases per test: a SQLite file in a temporary directory, or a
//! PostgreSQL database created on the local server and dropped afterwards.
//!
//! Most tests want a database with every migration applied. Applying them
//! one by one costs about 2 s per PostgreSQL database (0.5 s on SQLite), more
//! than many tests take; so the first test of a run migrates a template, and
//! every other test copies it (`CREATE DATABASE … TEMPLATE`, a file copy): a
//! tenth of the time. A template is named after a fingerprint of the
//! migration files, so a changed or added migration makes a new one, and test
//! processes running side by side build it once between them.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};
use rand::Rng;
use tempfile::TempDir;
use tidings::config::{DatabaseUrl, Secret};

/// The PostgreSQL server the tests use (override with TIDINGS_TEST_POSTGRES).
pub fn postgres_server() -> String {
    std::env::var("TIDINGS_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestDatabase {
    dir: TempDir,
    postgres_name: Option<String>,
}

impl TestDatabase {
    pub fn create(backend: Backend) -> TestDatabase {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let postgres_name = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let name = format!("tidings_test_{:016x}", rand::thread_rng().gen::<u64>());
                admin_execute(&format!("CREATE DATABASE {name}"));
                Some(name)
            }
        };
        TestDatabase { dir, postgres_name }
    }

    /// A fresh database with every migration applied, copied from this
    /// run's template (see the module doc).
    pub fn migrated(backend: Backend) -> TestDatabase {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let postgres_name = match backend {
            Backend::Sqlite => {
                std::fs::copy(sqlite_template(), dir.path().join("tidings.db"))
                    .expect("the migrated SQLite template copies");
                None
            }
            Backend::Postgres => {
                let name = format!("tidings_test_{:016x}", rand::thread_rng().gen::<u64>());
                admin_execute(&format!(
                    "CREATE DATABASE {name} TEMPLATE {}",
                    postgres_template()
                ));
                Some(name)
            }
        };
        TestDatabase { dir, postgres_name }
    }

    pub fn url(&self) -> DatabaseUrl {
        match &self.postgres_name {
            None => DatabaseUrl::Sqlite(self.dir.path().join("tidings.db")),
            Some(name) => DatabaseUrl::Postgres(Secret(format!("{}/{name}", postgres_server()))),
        }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn postgres_name(&self) -> Option<&str> {
        self.postgres_name.as_deref()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(name) = &self.postgres_name {
            admin_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// Runs one statement on the server's maintenance database.
pub fn admin_execute(sql: &str) {
    let mut conn = maintenance_connection();
    diesel::sql_query(sql)
        .execute(&mut conn)
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
}

/// A fingerprint of one backend's migration files (names and contents).
fn migrations_fingerprint(backend: &str) -> u64 {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(backend);
    let mut files = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("the migrations folder reads") {
            let path = entry.expect("a migrations entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.strip_prefix(&root)
            .expect("below the root")
            .hash(&mut hasher);
        std::fs::read(&file)
            .expect("a migration file reads")
            .hash(&mut hasher);
    }
    hasher.finish()
}

/// Applies every migration to the database at `url` through the server's own
/// migration code, then closes its connections.
fn migrate(url: &DatabaseUrl) {
    let store = tidings::store::Store::open(url).expect("the template database opens");
    store
        .migrate()
        .expect("the migrations apply to the template");
    if url.is_sqlite() {
        // Everything into the main file, which is what gets copied.
        store
            .run_blocking(|conn| {
                diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").execute(conn)?;
                Ok(())
            })
            .expect("the template's log folds into its file");
    }
}

/// The migrated SQLite file that tests copy; built by the first process to
/// need it and moved into place in one step, so no one copies half a file.
fn sqlite_template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let path = std::env::temp_dir().join(format!(
            "tidings-test-template-{:016x}.db",
            migrations_fingerprint("sqlite")
        ));
        if !path.is_file() {
            let building = tempfile::tempdir().expect("a temporary directory");
            let file = building.path().join("tidings.db");
            migrate(&DatabaseUrl::Sqlite(file.clone()));
            // Another process may have finished first: same contents either way.
            std::fs::rename(&file, &path)
                .or_else(|_| std::fs::copy(&file, &path).map(drop))
                .expect("the SQLite template moves into place");
        }
        path
    })
}

/// The migrated PostgreSQL template database; one process builds it under an
/// advisory lock while the others wait, and it gets its final name only when
/// complete.
fn postgres_template() -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let fingerprint = migrations_fingerprint("postgres");
        let name = format!("tidings_template_{fingerprint:016x}");
        let mut conn = maintenance_connection();
        let exists = |conn: &mut PgConnection| -> bool {
            diesel::sql_query(format!(
                "SELECT 1 AS one FROM pg_database WHERE datname = '{name}'"
            ))
            .execute(conn)
            .expect("pg_database reads")
                > 0
        };
        if exists(&mut conn) {
            return name;
        }
        // Released with the session if this process dies while building.
        let lock = format!("SELECT pg_advisory_lock({})", fingerprint as i64);
        diesel::sql_query(lock)
            .execute(&mut conn)
            .expect("the template lock");
        if !exists(&mut conn) {
            let building = format!("{name}_building");
            admin_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"));
            admin_execute(&format!("CREATE DATABASE {building}"));
            migrate(&DatabaseUrl::Postgres(Secret(format!(
                "{}/{building}",
                postgres_server()
            ))));
            // A template cannot be renamed or copied while anyone is connected;
            // the closed pool's sessions may take a moment to end.
            let mut attempts = 0;
            while let Err(err) =
                diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
                    .execute(&mut conn)
            {
                diesel::sql_query(format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = '{building}'"
                ))
                .execute(&mut conn)
                .expect("pg_stat_activity reads");
                attempts += 1;
                assert!(attempts < 100, "the template could not be renamed: {err}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        diesel::sql_query(format!("SELECT pg_advisory_unlock({})", fingerprint as i64))
            .execute(&mut conn)
            .expect("the template lock is released");
        name
    })
}

fn maintenance_connection() -> PgConnection {
    PgConnection::establish(&format!("{}/postgres", postgres_server()))
        .expect("PostgreSQL runs at 127.0.0.1:5432 (see README: Tests)")
}
