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
use crate::store::{self, auth as session_store, users as user_store, Store, StoreError};

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

/// Signs in: refuses with 429 while the account or address is throttled, records
/// failures, and on success opens a fresh session.
pub async fn login(
    store: &Store,
    email: &str,
    password: &str,
    address: String,
) -> Result<(User, SessionToken), ServiceError> {
    let email = account::normalize_email(email);
    if password.len() > account::MAX_PASSWORD_BYTES {
        return Err(ServiceError::BadCredentials);
    }
    let lookup_email = email.clone();
    let lookup_address = address.clone();
    let (credentials, throttled) = store
        .run(move |conn| {
            let (for_account, for_address) =
                session_store::count_recent_failures(conn, &lookup_email, &lookup_address)?;
            let credentials = user_store::find_credentials(conn, &lookup_email)?;
            Ok((
                credentials,
                account::is_login_throttled(for_account, for_address),
            ))
        })
        .await?;
    if throttled {
        tracing::warn!(%address, "sign-in throttled");
        return Err(ServiceError::Throttled);
    }
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
    match user {
        Some(user) if verified && user.active => {
            let token = SessionToken::generate();
            let token_hash = hash_token(&token.0);
            let user_id = user.id;
            store
                .run(move |conn| {
                    session_store::clear_failures(conn, &email)?;
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
        _ => {
            store
                .run(move |conn| session_store::record_failure(conn, &email, &address))
                .await?;
            tracing::info!("sign-in refused");
            Err(ServiceError::BadCredentials)
        }
    }
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
            StoreError::Conflict(_) => {
                ServiceError::Conflict("a user with this e-mail already exists".into())
            }
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
        return Err(ServiceError::Invalid(
            "you cannot deactivate yourself or give up your own admin role".into(),
        ));
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
    let store_changes = user_store::UserChanges {
        email,
        name,
        role: changes.role,
        password_hash,
        active: changes.active,
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
            StoreError::Conflict(_) => {
                ServiceError::Conflict("a user with this e-mail already exists".into())
            }
            other => other.into(),
        })?;
    tracing::info!(user_id = id, by = caller.id, "user changed");
    Ok(user)
}
