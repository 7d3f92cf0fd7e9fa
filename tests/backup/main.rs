//! Backups and restore: `tidings backup` run as its own process beside a
//! server taking a webhook burst, `tidings restore` into a fresh place, and a
//! server started on the result; the refusals; the scheduled backups and what
//! admins see of them in `GET /api/v1/info`.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{StatusCode, Url};
use serde_json::json;
use shared::api::chats::Direction;
use shared::api::users::Role;
use shared::api::ServerInfo;
use tidings::config::{Config, DatabaseUrl, InitialAdmin, Secret};
use tidings_tests::binary::server_binary;
use tidings_tests::fake_telegram::FakeTelegram;
use tidings_tests::inbox::{all_chats, create_integration, messages, wait_for_attachments};
use tidings_tests::{
    body, eventually, ApiClient, Backend, ItemFields, TestApp, TestDatabase, ADMIN_EMAIL,
    ADMIN_PASSWORD,
};

const TOKEN: &str = "700200:backup-test-token";
const PHOTO_ID: &str = "AgACbackup-photo";
const CUSTOMERS: i64 = 40;
const SENDERS: usize = 8;

/// Runs `tidings <args>` on the given database and data directory (no
/// configuration file), to its end.
fn tidings(args: &[&str], database: &str, data_dir: &Path) -> Output {
    let scratch = tempfile::tempdir().expect("a working directory");
    Command::new(server_binary())
        .args(args)
        .env_remove("TIDINGS_CONFIG")
        .env("TIDINGS_DATABASE_URL", database)
        .env("TIDINGS_DATA_DIR", data_dir)
        .env("TIDINGS_LOG", "warn")
        .current_dir(scratch.path())
        .stdin(Stdio::null())
        .output()
        .expect("the tidings binary runs")
}

/// The same, off the async executor (a backup takes a moment).
async fn tidings_async(
    args: Vec<String>,
    database: String,
    data_dir: std::path::PathBuf,
) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        tidings(&args, &database, &data_dir)
    })
    .await
    .expect("the command's thread ends")
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn info(client: &ApiClient) -> ServerInfo {
    let response = client.get("/api/v1/info").await;
    assert_eq!(response.status(), StatusCode::OK);
    body(response).await
}

/// Posts text updates from random customers until `stop`; returns the texts
/// answered 200 before `backup_started` was set.
async fn burst(
    fake: Arc<FakeTelegram>,
    first_update: i64,
    sender: i64,
    backup_started: Arc<Mutex<bool>>,
    stop: Arc<tokio::sync::Notify>,
) -> Vec<String> {
    let stopped = stop.notified();
    tokio::pin!(stopped);
    let mut acknowledged_before = Vec::new();
    for n in 0.. {
        let update_id = first_update + n * SENDERS as i64 + sender;
        let text = format!("burst-{update_id}");
        let customer = 5_000 + update_id % CUSTOMERS;
        let update = FakeTelegram::text_update(update_id, customer, "Burst", &text);
        tokio::select! {
            _ = &mut stopped => break,
            status = fake.deliver(TOKEN, &update) => {
                // Read after the answer: true only if the backup began later.
                let before = !*backup_started.lock().expect("not poisoned");
                if status == StatusCode::OK && before {
                    acknowledged_before.push(text);
                }
            }
        }
    }
    acknowledged_before
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_a_webhook_burst_restores_every_acknowledged_update_and_file() {
    let fake = Arc::new(FakeTelegram::start().await);
    fake.add_bot(TOKEN, "backup_test_bot");
    let photo: Vec<u8> = (0..=255u8).cycle().take(50_000).collect();
    fake.add_file(PHOTO_ID, photo.clone());
    let api = Url::parse(&fake.url()).expect("the fake's URL");
    let app = TestApp::start_with_fakes(Backend::Sqlite, Some(api), None, None).await;
    let admin = app.admin().await;
    create_integration(
        &admin,
        json!({"kind": "telegram", "name": "Backup bot", "token": TOKEN, "delivery": "webhook"}),
    )
    .await;
    let photo_update = FakeTelegram::photo_update(1, 4_000, "Pia", PHOTO_ID, Some("the photo"));
    assert_eq!(fake.deliver(TOKEN, &photo_update).await, StatusCode::OK);
    let photo_chat = eventually("the photo's chat", || async {
        all_chats(&admin).await.into_iter().next()
    })
    .await;
    let photo_item = messages(&admin, photo_chat.id, Direction::In).await[0].id;
    wait_for_attachments(&admin, photo_chat.id, photo_item).await;

    let backup_started = Arc::new(Mutex::new(false));
    let stop = Arc::new(tokio::sync::Notify::new());
    let senders: Vec<_> = (0..SENDERS as i64)
        .map(|sender| {
            tokio::spawn(burst(
                fake.clone(),
                100,
                sender,
                backup_started.clone(),
                stop.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;

    let DatabaseUrl::Sqlite(live_database) = app.config.database.clone() else {
        unreachable!("the app runs on SQLite")
    };
    let snapshot = tempfile::tempdir().expect("a folder for the snapshot");
    let target = snapshot.path().join("snapshot");
    *backup_started.lock().expect("not poisoned") = true;
    let backup = tidings_async(
        vec!["backup".into(), "--to".into(), target.display().to_string()],
        sqlite_url(&live_database),
        app.config.data_dir.clone(),
    )
    .await;
    // The burst goes on a little past the backup's end.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.notify_waiters();
    let mut acknowledged = Vec::new();
    for sender in senders {
        acknowledged.extend(sender.await.expect("a sender ends"));
    }
    assert!(
        backup.status.success(),
        "backup failed: {}",
        stderr(&backup)
    );
    eprintln!(
        "{} updates acknowledged before the backup began",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() > 20,
        "enough updates were acknowledged before the backup: {}",
        acknowledged.len()
    );
    assert!(target.join("tidings.db").is_file());
    assert!(target.join("files/attachments").is_dir());
    drop(app);

    let fresh = TestDatabase::create(Backend::Sqlite);
    let DatabaseUrl::Sqlite(fresh_database) = fresh.url() else {
        unreachable!("created as SQLite")
    };
    let restore = tidings(
        &["restore", "--from", &target.display().to_string()],
        &sqlite_url(&fresh_database),
        &fresh.dir().join("data"),
    );
    assert!(
        restore.status.success(),
        "restore failed: {}",
        stderr(&restore)
    );

    let mut config = Config::for_database(fresh.url(), fresh.dir().join("data"));
    config.workers = 2;
    // The restored bot must not reach the real Telegram.
    config.telegram_api_url = "http://127.0.0.1:9".parse().expect("a URL");
    config.viber_api_url = "http://127.0.0.1:9".parse().expect("a URL");
    config.admin = Some(InitialAdmin {
        email: ADMIN_EMAIL.into(),
        password: Secret(ADMIN_PASSWORD.into()),
    });
    let restored = TestApp::start_with(Backend::Sqlite, config, fresh).await;
    restored.wait_until_applied().await;
    let admin = restored.admin().await;
    let mut stored = std::collections::HashSet::new();
    for chat in all_chats(&admin).await {
        for item in messages(&admin, chat.id, Direction::In).await {
            stored.extend(item.text().map(str::to_owned));
        }
    }
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|text| !stored.contains(*text))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} updates acknowledged before the backup are missing, e.g. {:?}",
        missing.len(),
        acknowledged.len(),
        missing.first()
    );
    let photo_message = messages(&admin, photo_chat.id, Direction::In).await[0].clone();
    let url = photo_message.attachments().expect("attachments")[0]
        .url
        .clone()
        .expect("the photo was downloaded before the backup");
    let response = admin.get(&url).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(&response.bytes().await.expect("the photo")[..], &photo[..]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore_refuse_places_that_are_not_empty() {
    let app = TestApp::start(Backend::Sqlite).await;
    let DatabaseUrl::Sqlite(live_database) = app.config.database.clone() else {
        unreachable!("the app runs on SQLite")
    };
    let live = sqlite_url(&live_database);
    let folder = tempfile::tempdir().expect("a folder");
    let occupied = folder.path().join("occupied");
    std::fs::create_dir_all(&occupied).expect("a folder");
    std::fs::write(occupied.join("notes.txt"), b"keep me").expect("a file");
    let refused = tidings(
        &["backup", "--to", &occupied.display().to_string()],
        &live,
        &app.config.data_dir,
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("not empty"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(
        std::fs::read(occupied.join("notes.txt")).expect("still there"),
        b"keep me"
    );
    assert!(!occupied.join("tidings.db").exists(), "nothing was written");

    let target = folder.path().join("snapshot");
    let backup = tidings(
        &["backup", "--to", &target.display().to_string()],
        &live,
        &app.config.data_dir,
    );
    assert!(backup.status.success(), "{}", stderr(&backup));
    let target_arg = target.display().to_string();

    // Onto the live, non-empty database.
    let refused = tidings(
        &["restore", "--from", &target_arg],
        &live,
        &app.config.data_dir,
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("not empty"),
        "{}",
        stderr(&refused)
    );

    // A new database, but a data directory that already holds attachments.
    let fresh = tempfile::tempdir().expect("a folder");
    let attachments = fresh.path().join("data/attachments");
    std::fs::create_dir_all(&attachments).expect("a folder");
    std::fs::write(attachments.join("9"), b"someone's file").expect("a file");
    let refused = tidings(
        &["restore", "--from", &target_arg],
        &sqlite_url(&fresh.path().join("tidings.db")),
        &fresh.path().join("data"),
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("not empty"),
        "{}",
        stderr(&refused)
    );
    assert!(
        !fresh.path().join("tidings.db").exists(),
        "nothing restored"
    );

    // A snapshot whose backup did not finish.
    std::fs::remove_file(target.join("snapshot.json")).expect("removed");
    let refused = tidings(
        &["restore", "--from", &target_arg],
        &sqlite_url(&fresh.path().join("other.db")),
        &fresh.path().join("other-data"),
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("not a complete snapshot"),
        "{}",
        stderr(&refused)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_backup_and_restore_point_to_its_own_tools() {
    let db = TestDatabase::create(Backend::Postgres);
    let DatabaseUrl::Postgres(url) = db.url() else {
        unreachable!("created on PostgreSQL")
    };
    let target = db.dir().join("snapshot");
    let backup = tidings(
        &["backup", "--to", &target.display().to_string()],
        url.expose(),
        &db.dir().join("data"),
    );
    assert!(!backup.status.success());
    assert!(stderr(&backup).contains("pg_dump"), "{}", stderr(&backup));
    assert!(!target.exists());
    let restore = tidings(
        &["restore", "--from", &target.display().to_string()],
        url.expose(),
        &db.dir().join("data"),
    );
    assert!(!restore.status.success());
    assert!(
        stderr(&restore).contains("pg_restore"),
        "{}",
        stderr(&restore)
    );
}

/// The snapshot folders in `dir` (complete ones: no `.partial`).
fn snapshot_folders(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the backup folder exists")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("tidings-") && !name.ends_with(".partial"))
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_backups_keep_the_newest_and_admins_alone_see_the_last_one() {
    let backups = tempfile::tempdir().expect("a backup folder");
    let dir = backups.path().to_owned();
    let app = TestApp::start_with_fakes_and(Backend::Sqlite, None, None, None, |config| {
        config.backups.dir = Some(dir);
        config.backups.every = Duration::from_secs(1);
        config.backups.keep = 2;
    })
    .await;
    let admin = app.admin().await;
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let at = eventually("a newer scheduled backup", || async {
            let at = info(&admin).await.last_backup_at?;
            (!seen.contains(&at)).then_some(at)
        })
        .await;
        seen.push(at);
    }
    let admin_view = info(&admin).await;
    assert_eq!(admin_view.backups_scheduled, Some(true));
    assert_eq!(admin_view.last_backup_error, None);
    let kept = snapshot_folders(backups.path());
    assert_eq!(kept.len(), 2, "only the newest two are kept: {kept:?}");
    for folder in &kept {
        assert!(backups.path().join(folder).join("snapshot.json").is_file());
    }

    let (_, employee) = app.login_as("Eve", Role::Employee).await;
    for client in [employee, app.client()] {
        let view = info(&client).await;
        assert_eq!(view.backups_scheduled, None);
        assert_eq!(view.last_backup_at, None);
        assert_eq!(view.last_backup_error, None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_scheduled_backup_is_shown_to_admins_and_no_schedule_says_off() {
    let scratch = tempfile::tempdir().expect("a folder");
    // A file where the backup folder should be: every backup fails.
    let not_a_folder = scratch.path().join("backups");
    std::fs::write(&not_a_folder, b"").expect("a file");
    let app = TestApp::start_with_fakes_and(Backend::Sqlite, None, None, None, |config| {
        config.backups.dir = Some(not_a_folder);
        config.backups.every = Duration::from_secs(1);
    })
    .await;
    let admin = app.admin().await;
    let failed = eventually("the backup error", || async {
        info(&admin).await.last_backup_error
    })
    .await;
    assert!(failed.contains("backups"), "{failed}");
    assert_eq!(info(&admin).await.last_backup_at, None);

    let unscheduled = TestApp::start(Backend::Sqlite).await;
    let view = info(&unscheduled.admin().await).await;
    assert_eq!(view.backups_scheduled, Some(false));
    assert_eq!(view.last_backup_at, None);
}
