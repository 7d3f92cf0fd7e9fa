//! Fresh databases per test: a SQLite file in a temporary directory, or a
//! PostgreSQL database created on the local server and dropped afterwards.

use std::path::Path;

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
    let mut conn = PgConnection::establish(&format!("{}/postgres", postgres_server()))
        .expect("PostgreSQL runs at 127.0.0.1:5432 (see README: Tests)");
    diesel::sql_query(sql)
        .execute(&mut conn)
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
}
