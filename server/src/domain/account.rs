//! Rules for user accounts: e-mail normalisation, password strength, login throttling.

use chrono::Duration;

pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longer inputs are refused before hashing so a huge password cannot burn CPU.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Failed sign-ins counted over this window.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// Failures for one account from one client address within the window before
/// that pair gets 429 (a correct password too). Counting per pair means a
/// stranger guessing never locks the owner out from their own address.
pub const MAX_FAILURES_PER_PAIR: i64 = 5;
/// Failures from one address within the window, whatever the account (someone
/// trying e-mails), before the address gets 429 for accounts it has not
/// signed in to lately.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// An address that signed in to an account this recently is that account's own:
/// the per-address limit never applies to it.
pub const KNOWN_ADDRESS_FOR: Duration = Duration::days(30);

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

/// What counts for one sign-in attempt, all within [`THROTTLE_WINDOW`]
/// (attempts still being checked count as failures until they succeed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentAttempts {
    /// Failures for this account from this client address.
    pub pair_failures: i64,
    /// Failures from this client address, any account.
    pub address_failures: i64,
    /// This address signed in to this account within [`KNOWN_ADDRESS_FOR`].
    pub known_address: bool,
}

/// Why an attempt is refused before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    /// Too many failures for this account from this address.
    Pair,
    /// Too many failures from this address across accounts it does not know.
    Address,
}

/// Whether a sign-in attempt may have its password checked.
pub fn sign_in_throttle(recent: RecentAttempts) -> Option<Throttle> {
    if recent.pair_failures >= MAX_FAILURES_PER_PAIR {
        Some(Throttle::Pair)
    } else if recent.address_failures >= MAX_FAILURES_PER_ADDRESS && !recent.known_address {
        Some(Throttle::Address)
    } else {
        None
    }
}

/// A person who signs in to Tidings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: shared::Id,
    pub email: String,
    pub name: String,
    pub role: shared::api::users::Role,
    pub active: bool,
    pub presence: shared::api::users::Presence,
    pub max_open_chats: Option<i64>,
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
    fn sign_in_throttle_follows_the_table() {
        let attempts = |pair_failures, address_failures, known_address| RecentAttempts {
            pair_failures,
            address_failures,
            known_address,
        };
        let pair = MAX_FAILURES_PER_PAIR;
        let address = MAX_FAILURES_PER_ADDRESS;
        let cases = [
            (attempts(0, 0, false), None),
            (attempts(pair - 1, pair - 1, false), None),
            (attempts(pair, pair, false), Some(Throttle::Pair)),
            // The pair rule holds even for the account's own address.
            (attempts(pair, pair, true), Some(Throttle::Pair)),
            (attempts(0, address - 1, false), None),
            (attempts(0, address, false), Some(Throttle::Address)),
            (
                attempts(pair - 1, address + 50, false),
                Some(Throttle::Address),
            ),
            // An address that signed in to this account lately is not blocked
            // by its failures on other accounts.
            (attempts(0, address + 50, true), None),
            (attempts(pair - 1, address, true), None),
        ];
        for (recent, expected) in cases {
            assert_eq!(sign_in_throttle(recent), expected, "{recent:?}");
        }
    }
}
