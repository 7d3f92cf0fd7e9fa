//! Rules for user accounts: e-mail normalisation, password strength, login throttling.

use chrono::Duration;

pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longer inputs are refused before hashing so a huge password cannot burn CPU.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Failed sign-ins counted over this window.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// Failures for one account within the window before further attempts get 429.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failures from one address within the window (it may try many accounts).
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;

/// E-mail addresses compare case-insensitively and without surrounding spaces.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("{0:?} is not an e-mail address")]
    BadEmail(String),
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    #[error("the password is too long")]
    PasswordTooLong,
    #[error("the name must not be empty")]
    EmptyName,
}

pub fn check_email(email: &str) -> Result<String, AccountError> {
    let email = normalize_email(email);
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
                && email.len() <= 254
        }
        None => false,
    };
    if valid {
        Ok(email)
    } else {
        Err(AccountError::BadEmail(email))
    }
}

pub fn check_password(password: &str) -> Result<(), AccountError> {
    if password.len() > MAX_PASSWORD_BYTES {
        Err(AccountError::PasswordTooLong)
    } else if password.chars().count() < MIN_PASSWORD_CHARS {
        Err(AccountError::PasswordTooShort)
    } else {
        Ok(())
    }
}

pub fn check_name(name: &str) -> Result<String, AccountError> {
    let name = name.trim();
    if name.is_empty() {
        Err(AccountError::EmptyName)
    } else {
        Ok(name.to_owned())
    }
}

/// Whether another sign-in attempt is allowed given recent failures.
pub fn is_login_throttled(failures_for_account: i64, failures_for_address: i64) -> bool {
    failures_for_account >= MAX_FAILURES_PER_ACCOUNT
        || failures_for_address >= MAX_FAILURES_PER_ADDRESS
}

/// A person who signs in to Tidings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: shared::Id,
    pub email: String,
    pub name: String,
    pub role: shared::api::users::Role,
    pub active: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            check_email("  Ann@Example.COM "),
            Ok("ann@example.com".into())
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in ["", "ann", "@x", "ann@", "a b@c.d", "a@b@c"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert_eq!(check_password("short"), Err(AccountError::PasswordTooShort));
        assert_eq!(
            check_password(&"x".repeat(MAX_PASSWORD_BYTES + 1)),
            Err(AccountError::PasswordTooLong)
        );
        assert_eq!(check_password("long enough"), Ok(()));
    }

    #[test]
    fn throttle_starts_at_the_limits() {
        assert!(!is_login_throttled(MAX_FAILURES_PER_ACCOUNT - 1, 0));
        assert!(is_login_throttled(MAX_FAILURES_PER_ACCOUNT, 0));
        assert!(is_login_throttled(0, MAX_FAILURES_PER_ADDRESS));
    }
}
