//! Accounts: sign-in with throttling, sessions, creating and changing users.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::Duration;
use rand::RngCore;
use sha2::{Digest, Sha256};
use shared::api::users::Role;
use shared::Id;

use super::{cpu, ServiceError};
use crate::domain::account::{self, User};
use crate::domain::policy::{decide, Action};
use crate::store::auth::SignInGate;
use crate::store::{self, auth as session_store, users as user_store, Store, StoreError};
use crate::texts::Says;

/// How long a session lives without signing in again.
pub const SESSION_TTL: Duration = Duration::days(30);

/// The secret value of a session cookie. Only its hash is stored.
pub struct SessionToken(pub String);

impl SessionToken {
    fn generate() -> SessionToken {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        SessionToken(hex::encode(bytes))
    }
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String, ServiceError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| ServiceError::Internal(format!("password hashing failed: {err}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A valid hash of a random password: checked when the account does not exist so
/// that unknown and known e-mails take the same time to refuse.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    hash_password("no such account, no such password").unwrap_or_default()
});

/// Password checks running at once. Each Argon2 check holds 19 MiB and a core
/// for tens of milliseconds: a burst of guesses must queue here, not exhaust
/// memory or starve the blocking pool that database work shares.
pub struct PasswordChecks(tokio::sync::Semaphore);

/// How long an attempt may wait for a free check before it is told to retry.
const PASSWORD_CHECK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl PasswordChecks {
    /// About one per core (at least two).
    pub fn for_this_machine() -> PasswordChecks {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        PasswordChecks(tokio::sync::Semaphore::new(cores.max(2)))
    }
}

/// Signs in. The attempt is counted for (account, client address) before the
/// password is checked and refused with 429 while that pair (or the address,
/// for accounts it does not know) is throttled; a right password forgives the
/// pair's failures and opens a fresh session.
pub async fn login(
    store: &Store,
    checks: &PasswordChecks,
    email: &str,
    password: &str,
    address: String,
) -> Result<(User, SessionToken), ServiceError> {
    let email = account::normalize_email(email);
    if password.len() > account::MAX_PASSWORD_BYTES {
        return Err(ServiceError::BadCredentials);
    }
    let (lookup_email, lookup_address) = (email.clone(), address.clone());
    let gate = store
        .run(move |conn| session_store::begin_attempt(conn, &lookup_email, &lookup_address))
        .await?;
    let attempt_id = match gate {
        SignInGate::Counted { attempt_id } => attempt_id,
        SignInGate::Throttled { why, retry_after } => {
            tracing::warn!(%address, ?why, "sign-in throttled");
            return Err(ServiceError::Throttled {
                retry_after_s: whole_seconds(retry_after),
            });
        }
    };
    let Ok(permit) = tokio::time::timeout(PASSWORD_CHECK_WAIT, checks.0.acquire()).await else {
        store
            .run(move |conn| session_store::withdraw_attempt(conn, attempt_id))
            .await?;
        tracing::warn!("sign-in refused: too many password checks at once");
        return Err(ServiceError::Busy { retry_after_s: 1 });
    };
    let lookup_email = email.clone();
    let credentials = store
        .run(move |conn| user_store::find_credentials(conn, &lookup_email))
        .await?;
    let password = password.to_owned();
    let (user, verified) = cpu(move || match credentials {
        Some((user, hash)) => {
            let ok = verify_password(&password, &hash);
            (Some(user), ok)
        }
        None => {
            verify_password(&password, &DUMMY_HASH);
            (None, false)
        }
    })
    .await?;
    drop(permit);
    match user {
        Some(user) if verified && user.active => {
            let token = SessionToken::generate();
            let token_hash = hash_token(&token.0);
            let user_id = user.id;
            store
                .run(move |conn| {
                    session_store::attempt_succeeded(conn, &email, &address)?;
                    session_store::insert_session(
                        conn,
                        user_id,
                        &token_hash,
                        store::now() + SESSION_TTL,
                    )
                })
                .await?;
            tracing::info!(user_id = user.id, "signed in");
            Ok((user, token))
        }
        // The attempt stays counted as a failure.
        _ => {
            tracing::info!("sign-in refused");
            Err(ServiceError::BadCredentials)
        }
    }
}

/// `Retry-After` is in whole seconds; never 0, which would invite a retry loop.
fn whole_seconds(duration: Duration) -> u64 {
    let millis = u64::try_from(duration.num_milliseconds()).unwrap_or(0);
    millis.div_ceil(1000).max(1)
}

pub async fn logout(store: &Store, token: &str) -> Result<(), ServiceError> {
    let token_hash = hash_token(token);
    store
        .run(move |conn| {
            if let Some(user_id) = session_store::delete_session(conn, &token_hash)? {
                // Open sockets of this session close.
                crate::realtime::record_refresh(conn, vec![user_id])?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

/// The signed-in user behind a session cookie.
pub async fn authenticate(store: &Store, token: &str) -> Result<User, ServiceError> {
    let token_hash = hash_token(token);
    store
        .run(move |conn| session_store::find_session_user(conn, &token_hash))
        .await?
        .ok_or(ServiceError::Unauthenticated)
}

pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub password: String,
    pub role: Role,
}

/// Creates a user (no access check: callers are the admin API, the CLI and start-up).
pub async fn create_user(store: &Store, new: NewAccount) -> Result<User, ServiceError> {
    let email = account::check_email(&new.email)?;
    let name = account::check_name(&new.name)?;
    account::check_password(&new.password)?;
    let password = new.password;
    let hash = cpu(move || hash_password(&password)).await??;
    let role = new.role;
    store
        .run(move |conn| {
            user_store::insert_user(
                conn,
                user_store::NewUser {
                    email: &email,
                    name: &name,
                    role,
                    password_hash: &hash,
                },
            )
        })
        .await
        .map_err(|err| match err {
            StoreError::Conflict(_) => ServiceError::Conflict(Says::EmailTaken),
            other => other.into(),
        })
}

/// Creates the first admin from configuration when there are no users yet.
pub async fn ensure_initial_admin(
    store: &Store,
    email: &str,
    password: &str,
) -> Result<Option<User>, ServiceError> {
    let count = store.run(user_store::count_users).await?;
    if count > 0 {
        return Ok(None);
    }
    let user = create_user(
        store,
        NewAccount {
            email: email.to_owned(),
            name: "Administrator".into(),
            password: password.to_owned(),
            role: Role::Admin,
        },
    )
    .await?;
    Ok(Some(user))
}

pub async fn list_users(store: &Store, caller: &User) -> Result<Vec<User>, ServiceError> {
    ServiceError::check(decide(caller.role, Action::ListUsers), "user")?;
    Ok(store.run(user_store::list_users).await?)
}

pub async fn add_user(store: &Store, caller: &User, new: NewAccount) -> Result<User, ServiceError> {
    ServiceError::check(decide(caller.role, Action::ManageUsers), "user")?;
    let user = create_user(store, new).await?;
    tracing::info!(user_id = user.id, by = caller.id, "user created");
    Ok(user)
}

pub struct AccountChanges {
    pub email: Option<String>,
    pub name: Option<String>,
    pub password: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// `Some(None)` removes the cap.
    pub max_open_chats: Option<Option<i64>>,
}

pub async fn change_user(
    store: &Store,
    caller: &User,
    id: Id,
    changes: AccountChanges,
) -> Result<User, ServiceError> {
    ServiceError::check(decide(caller.role, Action::ManageUsers), "user")?;
    if id == caller.id
        && (changes.active == Some(false) || changes.role.is_some_and(|r| r != Role::Admin))
    {
        return Err(ServiceError::Invalid(Says::CannotLockYourselfOut));
    }
    let email = changes
        .email
        .as_deref()
        .map(account::check_email)
        .transpose()?;
    let name = changes
        .name
        .as_deref()
        .map(account::check_name)
        .transpose()?;
    let password_hash = match changes.password {
        Some(password) => {
            account::check_password(&password)?;
            Some(cpu(move || hash_password(&password)).await??)
        }
        None => None,
    };
    if changes.max_open_chats.flatten().is_some_and(|cap| cap < 0) {
        return Err(ServiceError::Invalid(Says::CapNegative));
    }
    let store_changes = user_store::UserChanges {
        email,
        name,
        role: changes.role,
        password_hash,
        active: changes.active,
        max_open_chats: changes.max_open_chats,
    };
    let user = store
        .run(move |conn| {
            let user = user_store::update_user(conn, id, store_changes)?;
            // Open sockets re-check the role, or close when the user is gone.
            crate::realtime::record_refresh(conn, vec![id])?;
            Ok(user)
        })
        .await
        .map_err(|err| match err {
            StoreError::NotFound => ServiceError::NotFound("user"),
            StoreError::Conflict(_) => ServiceError::Conflict(Says::EmailTaken),
            other => other.into(),
        })?;
    tracing::info!(user_id = id, by = caller.id, "user changed");
    Ok(user)
}
