//! Storage: one Diesel code path over SQLite (embedded) and PostgreSQL.
//!
//! Store functions are synchronous, use-case sized and own their transactions;
//! async callers reach them only through [`Store::run`], which moves the work to
//! the blocking pool so Diesel never runs on the async executor.

/// Runs `$body` with `$c` bound to the backend's own connection; the
/// mechanism behind [`OnBackend`].
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match &mut *$conn {
            $crate::store::DbConn::Sqlite($c) => $body,
            $crate::store::DbConn::Postgres($c) => $body,
        }
    };
}

/// Diesel's running methods on the backend's own connection instead of the
/// multi-backend one: `query.load_on(conn)` for `query.load(conn)`, and so on.
/// Through `MultiConnection`, Diesel writes every statement out as SQL text
/// twice per execution (deciding whether to cache it, then binding it) and
/// finds its cached statement by that text; on the backend's own connection a
/// statement is found by its type, and its SQL is written once, when first
/// prepared. In the inbound writer that was 29 % of its time (profile in
/// docs/BENCHMARKS.md). The statement is the same on both backends, so this
/// keeps one code path. Boxed queries are boxed for the multi-backend and
/// keep the plain methods.
pub(crate) trait OnBackend: Sized {
    fn load_on<'query, U>(self, conn: &mut DbConn) -> diesel::QueryResult<Vec<U>>
    where
        Self: RunQueryDsl<SqliteConnection>
            + RunQueryDsl<PgConnection>
            + diesel::query_dsl::LoadQuery<'query, SqliteConnection, U>
            + diesel::query_dsl::LoadQuery<'query, PgConnection, U>,
    {
        on_backend!(conn, |c| RunQueryDsl::load(self, c))
    }

    fn get_result_on<'query, U>(self, conn: &mut DbConn) -> diesel::QueryResult<U>
    where
        Self: RunQueryDsl<SqliteConnection>
            + RunQueryDsl<PgConnection>
            + diesel::query_dsl::LoadQuery<'query, SqliteConnection, U>
            + diesel::query_dsl::LoadQuery<'query, PgConnection, U>,
    {
        on_backend!(conn, |c| RunQueryDsl::get_result(self, c))
    }

    fn first_on<'query, U>(self, conn: &mut DbConn) -> diesel::QueryResult<U>
    where
        Self: RunQueryDsl<SqliteConnection>
            + RunQueryDsl<PgConnection>
            + diesel::query_dsl::methods::LimitDsl,
        diesel::dsl::Limit<Self>: diesel::query_dsl::LoadQuery<'query, SqliteConnection, U>
            + diesel::query_dsl::LoadQuery<'query, PgConnection, U>,
    {
        on_backend!(conn, |c| RunQueryDsl::first(self, c))
    }

    fn execute_on(self, conn: &mut DbConn) -> diesel::QueryResult<usize>
    where
        Self: RunQueryDsl<SqliteConnection>
            + RunQueryDsl<PgConnection>
            + diesel::query_dsl::methods::ExecuteDsl<SqliteConnection>
            + diesel::query_dsl::methods::ExecuteDsl<PgConnection>,
    {
        on_backend!(conn, |c| RunQueryDsl::execute(self, c))
    }
}

impl<T> OnBackend for T {}

/// `UPDATE target SET changes`, kept prepared on its connection like any
/// other statement: for the `UPDATE`s on hot paths, as
/// `kept_update(target, changes)` where Diesel has
/// `diesel::update(target).set(changes)`. Diesel never keeps an `UPDATE`
/// prepared, since optional values can give one statement type many `SET`
/// lists, so each run parsed and planned it anew (8 % of the inbound writer's
/// time, profile in docs/BENCHMARKS.md). This statement is found again by its
/// SQL text, so a variant of the `SET` list is a statement of its own, and it
/// is cached only when its parts are (an `IN` list on SQLite is not).
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeptUpdate<Source, Where, Changes> {
    source: Source,
    where_clause: Where,
    changes: Changes,
}

pub(crate) fn kept_update<Target, Changes>(
    target: Target,
    changes: Changes,
) -> KeptUpdate<
    <Target::Table as diesel::QuerySource>::FromClause,
    Target::WhereClause,
    Changes::Changeset,
>
where
    Target: diesel::query_builder::IntoUpdateTarget,
    Changes: diesel::AsChangeset<Target = Target::Table>,
{
    let target = target.into_update_target();
    KeptUpdate {
        source: diesel::QuerySource::from_clause(&target.table),
        where_clause: target.where_clause,
        changes: changes.as_changeset(),
    }
}

impl<Source, Where, Changes, DB> diesel::query_builder::QueryFragment<DB>
    for KeptUpdate<Source, Where, Changes>
where
    DB: diesel::backend::Backend,
    Source: diesel::query_builder::QueryFragment<DB>,
    Where: diesel::query_builder::QueryFragment<DB>,
    Changes: diesel::query_builder::QueryFragment<DB>,
{
    /// As Diesel's `UpdateStatement` writes it, without marking it unsafe to
    /// cache.
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> diesel::QueryResult<()> {
        if self.changes.is_noop(out.backend())? {
            return Err(DieselError::QueryBuilderError(Box::new(
                diesel::result::EmptyChangeset,
            )));
        }
        out.push_sql("UPDATE ");
        self.source.walk_ast(out.reborrow())?;
        out.push_sql(" SET ");
        self.changes.walk_ast(out.reborrow())?;
        self.where_clause.walk_ast(out.reborrow())
    }
}

/// No static id: the statement is found by its SQL text, which is what keeps
/// the variants of a `SET` list apart.
impl<Source, Where, Changes> diesel::query_builder::QueryId for KeptUpdate<Source, Where, Changes> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Source, Where, Changes, C> RunQueryDsl<C> for KeptUpdate<Source, Where, Changes> {}

impl<Source, Where, Changes> KeptUpdate<Source, Where, Changes> {
    /// `… RETURNING columns`, kept prepared like the `UPDATE` itself
    /// (Diesel's own `returning` is never kept either).
    pub(crate) fn returning<Columns>(
        self,
        columns: Columns,
    ) -> KeptUpdateReturning<Source, Where, Changes, Columns>
    where
        Columns: diesel::Expression,
    {
        KeptUpdateReturning {
            update: self,
            columns,
        }
    }
}

/// A [`KeptUpdate`] that returns the changed rows' `columns`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeptUpdateReturning<Source, Where, Changes, Columns> {
    update: KeptUpdate<Source, Where, Changes>,
    columns: Columns,
}

impl<Source, Where, Changes, Columns, DB> diesel::query_builder::QueryFragment<DB>
    for KeptUpdateReturning<Source, Where, Changes, Columns>
where
    DB: diesel::backend::Backend,
    KeptUpdate<Source, Where, Changes>: diesel::query_builder::QueryFragment<DB>,
    Columns: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> diesel::QueryResult<()> {
        self.update.walk_ast(out.reborrow())?;
        out.push_sql(" RETURNING ");
        self.columns.walk_ast(out.reborrow())
    }
}

impl<Source, Where, Changes, Columns> diesel::query_builder::QueryId
    for KeptUpdateReturning<Source, Where, Changes, Columns>
{
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Source, Where, Changes, Columns> diesel::query_builder::Query
    for KeptUpdateReturning<Source, Where, Changes, Columns>
where
    Columns: diesel::Expression,
{
    type SqlType = Columns::SqlType;
}

impl<Source, Where, Changes, Columns, C> RunQueryDsl<C>
    for KeptUpdateReturning<Source, Where, Changes, Columns>
{
}

/// Loads `$query` for the rows whose `$column` is one of `$ids`. One id (a
/// live event, one chat's page) is filtered with `=`: Diesel caches that
/// statement, while an `IN` list is parsed anew on every call.
macro_rules! load_for_ids {
    ($conn:expr, $query:expr, $column:expr, $ids:expr) => {
        match $ids[..] {
            [one] => $crate::store::OnBackend::load_on($query.filter($column.eq(one)), $conn),
            _ => $crate::store::OnBackend::load_on($query.filter($column.eq_any(&$ids)), $conn),
        }
    };
}

/// [`load_for_ids`] for ids usually close together (the items one change
/// just appended): on SQLite, ids within [`CLOSE_IDS_SPAN`] of each other are
/// read as one range (`BETWEEN`, a cached statement) instead of an `IN` list
/// parsed on every call. The range may hold rows of other ids: the caller
/// keeps only those it asked for. PostgreSQL binds a list as one array
/// (`= ANY`), cached already.
macro_rules! load_for_close_ids {
    ($conn:expr, $query:expr, $column:expr, $ids:expr) => {
        match $crate::store::close_span($conn, &$ids) {
            Some((first, last)) => $crate::store::OnBackend::load_on(
                $query.filter($column.between(first, last)),
                $conn,
            ),
            None => load_for_ids!($conn, $query, $column, $ids),
        }
    };
}

/// Widest span of ids [`load_for_close_ids`] reads as a range.
const CLOSE_IDS_SPAN: shared::Id = 64;

/// The first and last of `ids` when [`load_for_close_ids`] should read them as
/// a range: several, close together, on SQLite.
pub(crate) fn close_span(conn: &DbConn, ids: &[shared::Id]) -> Option<(shared::Id, shared::Id)> {
    if ids.len() < 2 || !matches!(conn, DbConn::Sqlite(_)) {
        return None;
    }
    let first = *ids.iter().min()?;
    let last = *ids.iter().max()?;
    (last - first < CLOSE_IDS_SPAN).then_some((first, last))
}

pub mod auth;
pub mod business;
pub mod canned;
pub mod chats;
pub mod conversation;
pub mod crm;
pub mod demo;
pub mod erasure;
pub mod events;
pub mod health;
pub mod inbound;
pub mod integrations;
pub mod leases;
pub mod media_links;
pub mod notifications;
pub mod outbound;
pub mod pacing;
pub mod push;
pub mod reactions;
pub mod referrals;
pub mod report_records;
pub mod reports;
pub mod routing;
pub mod schema;
pub mod search;
pub mod setup;
pub mod snapshot;
pub mod snoozes;
pub mod timeline;
pub mod users;
pub mod writer;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::DatabaseUrl;

/// A connection to whichever backend the URL chose.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Conn = PooledConnection<ConnManager>;
/// The backend type of [`DbConn`], for boxed queries.
pub type DbBackend = <DbConn as Connection>::Backend;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// How long a SQLite writer waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(DieselError),
    #[error("migration failed: {0}")]
    Migration(String),
    /// A stored row holds a value no code writes: logged, and a 500 for that
    /// request only.
    #[error("unreadable stored data: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// A failure another transaction may have caused, which can pass when
    /// the same work is tried again in a new transaction: PostgreSQL chose this
    /// transaction as a deadlock's or a serialization conflict's loser.
    /// libpq's codes reach Diesel named only for the second; a deadlock
    /// (40P01) arrives as an unnamed database error, and its message is
    /// translated by the server's locale, so every unnamed database error
    /// counts. A lasting fault fails again and is handled as before.
    pub fn may_pass_when_retried(&self) -> bool {
        matches!(
            self,
            StoreError::Database(DieselError::DatabaseError(
                DatabaseErrorKind::SerializationFailure | DatabaseErrorKind::Unknown,
                _
            ))
        )
    }
}

impl From<DieselError> for StoreError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::NotFound => StoreError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StoreError::Conflict(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            other => StoreError::Database(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        StoreError::Unavailable(err.to_string())
    }
}

/// The r2d2 manager: picks the backend from the URL scheme (never by trying each,
/// which would hide libpq's real error) and prepares every SQLite connection.
#[derive(Debug, Clone)]
pub struct ConnManager {
    url: DatabaseUrl,
}

impl ConnManager {
    pub fn is_sqlite(&self) -> bool {
        self.url.is_sqlite()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Connect(#[from] diesel::ConnectionError),
    #[error(transparent)]
    Query(#[from] DieselError),
}

impl ManageConnection for ConnManager {
    type Connection = DbConn;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConn, ConnectError> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // The busy timeout first: switching to WAL waits for a lock too
                // (a closing connection may be checkpointing).
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
                ))?;
                Ok(DbConn::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => {
                Ok(DbConn::Postgres(PgConnection::establish(url.expose())?))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), ConnectError> {
        diesel::sql_query("SELECT 1").execute(conn)?;
        Ok(())
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

/// The database handle shared by the whole server (cheap to clone).
#[derive(Clone)]
pub struct Store {
    pool: Pool<ConnManager>,
    manager: ConnManager,
    is_sqlite: bool,
}

impl Store {
    /// Opens the pool, checking one connection first so a wrong URL or a database
    /// that is down fails here with the driver's own message.
    pub fn open(url: &DatabaseUrl) -> Result<Store, StoreError> {
        let is_sqlite = url.is_sqlite();
        if let DatabaseUrl::Sqlite(path) = url {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|err| {
                    StoreError::Unavailable(format!("cannot create {}: {err}", parent.display()))
                })?;
            }
        }
        let manager = ConnManager { url: url.clone() };
        manager
            .connect()
            .map_err(|err| StoreError::Unavailable(err.to_string()))?;
        // SQLite has one writer at a time: a small pool avoids lock contention.
        let max_size = if is_sqlite { 4 } else { 16 };
        let pool = Pool::builder()
            .max_size(max_size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(5))
            .build(manager.clone())
            .map_err(|err| StoreError::Unavailable(err.to_string()))?;
        Ok(Store {
            pool,
            manager,
            is_sqlite,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.is_sqlite
    }

    /// Pooled connections as `(idle, in use)`.
    pub fn pool_connections(&self) -> (u32, u32) {
        let state = self.pool.state();
        (
            state.idle_connections,
            state.connections.saturating_sub(state.idle_connections),
        )
    }

    /// Opens connections like the pool does, for a thread that keeps its own.
    pub fn connector(&self) -> ConnManager {
        self.manager.clone()
    }

    /// Runs `work` with a pooled connection on the blocking thread pool, inside the
    /// caller's tracing span.
    pub async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await
        .map_err(|err| StoreError::Unavailable(format!("database task failed: {err}")))?
    }

    /// The same as [`Store::run`] for callers that are not async (CLI commands).
    pub fn run_blocking<T>(
        &self,
        work: impl FnOnce(&mut DbConn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.pool.get()?;
        work(&mut conn)
    }

    /// Applies pending migrations of this backend's tree; returns their names.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        self.run_blocking(|conn| {
            let applied = match conn {
                DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
                DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
            }
            .map_err(|err| StoreError::Migration(err.to_string()))?;
            Ok(applied.iter().map(ToString::to_string).collect())
        })
    }

    /// Whether the database answers now (for `/healthz`).
    pub async fn ping(&self) -> bool {
        self.run(|conn| {
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await
        .is_ok()
    }
}

/// SQLite lets one connection write at a time, and one that finds the lock
/// taken sleeps in growing steps (1, 2, 5, 10 ms…) before it tries again: long
/// after the lock was freed, while the inbound writer, taking it back at once,
/// keeps winning. This process's write transactions queue here instead and
/// hand over in turn. Re-entrant: a write transaction may open another.
static SQLITE_WRITES: parking_lot::ReentrantMutex<()> = parking_lot::const_reentrant_mutex(());

/// A transaction that writes. On SQLite it waits its turn among this process's
/// writers, and its first statement takes the write lock, so a transaction
/// that reads before it writes never fails to upgrade its read lock when
/// another connection wrote meanwhile (WAL's busy-snapshot error, which the
/// busy timeout does not cover).
pub fn write_transaction<T, E>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DieselError>,
{
    let sqlite = matches!(conn, DbConn::Sqlite(_));
    // A write transaction inside another is a savepoint of it: the outermost
    // one indexes for search what both wrote.
    let outermost = sqlite && !SQLITE_WRITES.is_owned_by_current_thread();
    let turn = sqlite.then(|| SQLITE_WRITES.lock());
    // The failure that ended the transaction in SQLite itself while indexing:
    // Diesel's own error for it would only say the transaction is gone.
    let mut ended_by = None;
    let result = conn.transaction(|conn| {
        if sqlite {
            diesel::sql_query("UPDATE leases SET holder = holder WHERE 1 = 0").execute(conn)?;
        }
        let done = work(conn)?;
        if outermost {
            if let Err(failure) = search::index_pending_or_keep_noted(conn) {
                ended_by = Some(failure);
                return Err(DieselError::NotInTransaction.into());
            }
        }
        Ok(done)
    });
    if let Some(turn) = turn {
        // To the longest waiting writer, if any, rather than whoever asks next.
        parking_lot::ReentrantMutexGuard::unlock_fair(turn);
    }
    match ended_by {
        Some(failure) => Err(failure.into()),
        None => result,
    }
}

/// A PostgreSQL advisory lock key: FNV-1a over the parts, a fixed hash, so
/// every node of every version computes the same key for the same thing (two
/// things sharing a key only wait for each other).
pub fn lock_key(parts: &[&[u8]]) -> i64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = parts
        .iter()
        .flat_map(|part| part.iter())
        .fold(OFFSET, |hash, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(PRIME)
        });
    i64::from_le_bytes(hash.to_le_bytes())
}

/// Holds `key`'s advisory lock until the transaction ends (PostgreSQL; SQLite's
/// writers already take turns, see [`write_transaction`]).
pub fn lock_for_transaction(conn: &mut DbConn, key: i64) -> Result<(), StoreError> {
    if let DbConn::Postgres(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(key)
            .execute(pg)?;
    }
    Ok(())
}

/// Holds the advisory locks of all `keys` until the transaction ends, taken in
/// one global order so two transactions wait for each other instead of
/// deadlocking (PostgreSQL; SQLite's writers already take turns).
pub fn lock_all_for_transaction(conn: &mut DbConn, mut keys: Vec<i64>) -> Result<(), StoreError> {
    if let DbConn::Postgres(pg) = conn {
        keys.sort_unstable();
        keys.dedup();
        if !keys.is_empty() {
            // Volatile functions of the select list run after the ORDER BY.
            diesel::sql_query(
                "SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS t(k) ORDER BY k",
            )
            .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(&keys)
            .execute(pg)?;
        }
    }
    Ok(())
}

/// The current time, truncated to microseconds: both backends store exactly that,
/// so a value read back compares equal to the value written.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::prelude::*;

    fn sqlite_compiled_with(option: &str) -> bool {
        let manager = ConnManager {
            url: DatabaseUrl::Sqlite(":memory:".into()),
        };
        let DbConn::Sqlite(mut conn) = manager.connect().expect("an in-memory database") else {
            panic!("a SQLite URL opens SQLite");
        };
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "sqlite_compileoption_used('{option}')"
        )))
        .get_result(&mut conn)
        .expect("compile options readable")
    }

    /// Without the query planner stability guarantee, SQLite re-plans every
    /// cached statement with a `LIMIT ?` (each Diesel `.first()`) on each run.
    #[test]
    fn sqlite_is_built_to_keep_cached_plans() {
        assert!(
            sqlite_compiled_with("ENABLE_QPSG"),
            "libsqlite3-sys must be built with LIBSQLITE3_FLAGS from .cargo/config.toml"
        );
    }

    diesel::table! {
        kept_probe (id) {
            id -> BigInt,
            label -> Text,
            note -> Nullable<Text>,
        }
    }

    type Cached = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

    /// A scratch SQLite connection with one `kept_probe` row, noting each
    /// `UPDATE` Diesel puts in its prepared-statement cache.
    fn probe_noting_cached_updates() -> (SqliteConnection, Cached) {
        let mut conn = SqliteConnection::establish(":memory:").expect("an in-memory database");
        conn.batch_execute(
            "CREATE TABLE kept_probe (id INTEGER PRIMARY KEY, label TEXT NOT NULL, note TEXT);
             INSERT INTO kept_probe VALUES (1, 'first', NULL), (2, 'other', NULL);",
        )
        .expect("probe table");
        let cached = Cached::default();
        let noted = cached.clone();
        conn.set_instrumentation(move |event: diesel::connection::InstrumentationEvent<'_>| {
            if let diesel::connection::InstrumentationEvent::CacheQuery { sql, .. } = event {
                if sql.starts_with("UPDATE") {
                    noted.lock().expect("noted").push(sql.to_owned());
                }
            }
        });
        (conn, cached)
    }

    fn probe_row(conn: &mut SqliteConnection, id: i64) -> (String, Option<String>) {
        kept_probe::table
            .find(id)
            .select((kept_probe::label, kept_probe::note))
            .first(conn)
            .expect("the probe row")
    }

    fn cached_updates(cached: &Cached) -> Vec<String> {
        cached.lock().expect("noted").clone()
    }

    #[test]
    fn diesel_prepares_its_own_update_anew_on_every_run() {
        let (mut conn, cached) = probe_noting_cached_updates();
        for label in ["second", "third"] {
            diesel::update(kept_probe::table.find(1))
                .set(kept_probe::label.eq(label))
                .execute(&mut conn)
                .expect("update runs");
        }
        assert_eq!(cached_updates(&cached), Vec::<String>::new());
    }

    #[test]
    fn a_kept_update_is_prepared_once_as_diesel_writes_it_and_runs_with_each_runs_values() {
        let (mut conn, cached) = probe_noting_cached_updates();
        for label in ["second", "third"] {
            kept_update(kept_probe::table.find(1), kept_probe::label.eq(label))
                .execute(&mut conn)
                .expect("update runs");
            assert_eq!(probe_row(&mut conn, 1).0, label);
        }
        assert_eq!(probe_row(&mut conn, 2).0, "other");
        let diesels = diesel::debug_query::<diesel::sqlite::Sqlite, _>(
            &diesel::update(kept_probe::table.find(1)).set(kept_probe::label.eq("")),
        )
        .to_string();
        let diesels = diesels.split(" -- binds").next().expect("the SQL");
        assert_eq!(cached_updates(&cached), vec![diesels.to_owned()]);
    }

    #[test]
    fn kept_update_variants_of_one_statement_type_are_kept_apart_by_their_sql() {
        let (mut conn, cached) = probe_noting_cached_updates();
        let set = |conn: &mut SqliteConnection, label: &str, note: Option<&str>| {
            // `None` leaves `note` out of the `SET` list: the same type, other SQL.
            kept_update(
                kept_probe::table.find(1),
                (
                    kept_probe::label.eq(label),
                    note.map(|n| kept_probe::note.eq(n)),
                ),
            )
            .execute(conn)
            .expect("update runs");
            probe_row(conn, 1)
        };
        assert_eq!(
            set(&mut conn, "second", Some("kept")),
            ("second".into(), Some("kept".into()))
        );
        assert_eq!(
            set(&mut conn, "third", None),
            ("third".into(), Some("kept".into()))
        );
        assert_eq!(
            set(&mut conn, "fourth", Some("new")),
            ("fourth".into(), Some("new".into()))
        );
        assert_eq!(cached_updates(&cached).len(), 2);
    }

    #[test]
    fn a_kept_update_returning_is_prepared_once_and_returns_each_runs_row() {
        let (mut conn, cached) = probe_noting_cached_updates();
        for (id, label) in [(1_i64, "second"), (2, "third")] {
            let returned: (i64, String) =
                kept_update(kept_probe::table.find(id), kept_probe::label.eq(label))
                    .returning((kept_probe::id, kept_probe::label))
                    .get_result(&mut conn)
                    .expect("update runs");
            assert_eq!(returned, (id, label.to_owned()));
        }
        let cached = cached_updates(&cached);
        assert_eq!(cached.len(), 1, "{cached:?}");
        assert!(cached[0].contains(" RETURNING "), "{cached:?}");
    }

    #[test]
    fn a_kept_update_of_an_id_list_is_not_cached_on_sqlite() {
        let (mut conn, cached) = probe_noting_cached_updates();
        let changed = kept_update(
            kept_probe::table.filter(kept_probe::id.eq_any([1_i64, 2])),
            kept_probe::label.eq("both"),
        )
        .execute(&mut conn)
        .expect("update runs");
        assert_eq!(changed, 2);
        assert_eq!(probe_row(&mut conn, 2).0, "both");
        assert_eq!(cached_updates(&cached), Vec::<String>::new());
    }

    /// With SQLite's default 64 KiB, the savepoint of each applied update
    /// wrote its statement journal to a temporary file, a `pwrite` per page.
    #[test]
    fn sqlite_is_built_to_keep_statement_journals_in_memory() {
        assert!(
            sqlite_compiled_with("STMTJRNL_SPILL=1048576"),
            "libsqlite3-sys must be built with LIBSQLITE3_FLAGS from .cargo/config.toml"
        );
    }
}
