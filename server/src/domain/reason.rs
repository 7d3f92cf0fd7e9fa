//! Why a delivery, a download or an update failed, kept without a language.
//!
//! A stored reason (a message's `delivery_error`, an attachment's error, a
//! chat's unreachable reason, a bot's last send error, a failed update's
//! error) is read later by people who may speak another language than the
//! moment it was made in. So it is stored as a stable code with its
//! parameters, and the messenger's own words exactly as they came; the API
//! says it in the reader's language when it answers (`crate::texts`).
//!
//! Stored form: words as they came are stored as they are (so are rows
//! written before codes existed, which read back as words); any other reason
//! is a JSON object tagged `"reason"`. A stored text that does not read as
//! one of ours is words.

use serde::{Deserialize, Serialize};

/// Why something failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// Words kept as they came: the messenger's (or integrator's) own, or an
    /// older stored sentence. Said as they are in every language.
    Words { words: String },
    /// The messenger refused; `words` are its own answer.
    Messenger { words: String },
    /// The customer blocked the bot.
    CustomerBlockedBot,
    /// The customer unsubscribed.
    CustomerUnsubscribed,
    /// The customer has no account on the chat's messenger.
    CustomerWithoutAccount,
    /// The messenger says the customer cannot be reached; its words.
    CustomerUnreachable { words: String },
    /// The messenger no longer accepts the bot's token.
    TokenRevoked,
    /// The messenger asked us to slow down.
    RateLimited { seconds: u64 },
    /// The integration was deleted before the message went.
    IntegrationDeleted,
    /// This server does not run this messenger.
    ChannelUnavailable { channel: String },
    /// The outbound file is gone from the data directory.
    FileMissing,
    /// A retryable failure, until the attempts ran out.
    GaveUp { attempts: i32, cause: Box<Reason> },
    /// Some parts of a long message went before `cause`.
    PartlyDelivered {
        cause: Box<Reason>,
        delivered: usize,
        total: usize,
    },
    /// A call (an API method or a download) got no answer in time.
    NoAnswer { call: String },
    /// A call could not connect; `detail` is the network's own words.
    CannotConnect { call: String, detail: String },
    /// A call failed otherwise; `detail` is the network's own words.
    CallFailed { call: String, detail: String },
    /// A download answered an HTTP error status.
    DownloadStatus { status: u16 },
    /// A download took too long.
    DownloadTooSlow,
    /// A download broke off.
    DownloadFailed,
    /// The media is larger than this server takes.
    MediaTooLarge { max_bytes: u64 },
    /// A file over Telegram's 20 MB download limit for bots.
    OverTelegramDownloadLimit { size: Option<u64> },
    /// Telegram gave no path for the file (it may have expired).
    TelegramFileWithoutPath,
    /// The media link is not a URL.
    MediaLinkNotUrl,
    /// The media link has no host.
    MediaLinkWithoutHost,
    /// A media host refused by the checks on where media may come from.
    MediaHostRefused { host: String, why: MediaRefusal },
    /// More redirects than followed for one download.
    TooManyRedirects { max: usize },
    /// `cause`, at a host a redirect led to.
    Redirected { cause: Box<Reason> },
    /// An inbound update could not be applied; `detail` is the error.
    UpdateNotApplied { detail: String },
    /// Viber answered an error `status` code (`name` is Viber's own).
    ViberStatus { code: i64, name: String },
}

/// Why a media host may not be fetched from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaRefusal {
    /// The Channel API: only https (or the callback URL's own host and port).
    HttpsLinksOnly,
    /// A private or local address.
    PrivateAddress,
    /// The name resolves only to private or local addresses.
    ResolvesOnlyToPrivate,
    /// An IP address that is not one of the messenger's hosts.
    IpAddressOf { messenger: String },
    /// Not one of the messenger's hosts.
    NotHostOf { messenger: String },
    /// The messenger's media hosts are fetched over https only.
    HttpsOnlyFor { messenger: String },
    /// The messenger's media hosts are fetched on port 443 only.
    Port443OnlyFor { messenger: String },
}

/// Stored objects start with this (serde writes the tag first).
const STORED_PREFIX: &str = "{\"reason\":";

impl Reason {
    /// Words as they came.
    pub fn words(words: impl Into<String>) -> Reason {
        Reason::Words {
            words: words.into(),
        }
    }

    /// The text to store.
    pub fn stored(&self) -> String {
        match self {
            Reason::Words { words } => words.clone(),
            coded => serde_json::to_string(coded)
                .expect("a reason is plain data (strings and numbers): it always serializes"),
        }
    }

    /// A stored text read back: one of our reasons, or words.
    pub fn from_stored(stored: &str) -> Reason {
        if stored.starts_with(STORED_PREFIX) {
            if let Ok(reason) = serde_json::from_str(stored) {
                return reason;
            }
        }
        Reason::words(stored)
    }

    /// The same reason after its attempts ran out (retryable failures only).
    pub fn gave_up(self, attempts: i32) -> Reason {
        Reason::GaveUp {
            attempts,
            cause: Box::new(self),
        }
    }

    /// Whether the reason is the messenger's "file is too big".
    pub fn says_file_too_big(&self) -> bool {
        match self {
            Reason::Words { words } | Reason::Messenger { words } => {
                words.contains("file is too big")
            }
            _ => false,
        }
    }
}

impl From<String> for Reason {
    fn from(words: String) -> Reason {
        Reason::Words { words }
    }
}

impl From<&str> for Reason {
    fn from(words: &str) -> Reason {
        Reason::words(words)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_stored_as_they_came() {
        let reason = Reason::words("Bad Request: chat not found");
        assert_eq!(reason.stored(), "Bad Request: chat not found");
        assert_eq!(Reason::from_stored(&reason.stored()), reason);
    }

    #[test]
    fn a_coded_reason_reads_back_with_its_parameters() {
        let reason = Reason::Messenger {
            words: "Bad Request: chat not found".into(),
        }
        .gave_up(5);
        let stored = reason.stored();
        assert!(stored.starts_with(STORED_PREFIX), "{stored}");
        assert_eq!(Reason::from_stored(&stored), reason);
        let refused = Reason::Redirected {
            cause: Box::new(Reason::MediaHostRefused {
                host: "10.0.0.1".into(),
                why: MediaRefusal::IpAddressOf {
                    messenger: "Viber".into(),
                },
            }),
        };
        assert_eq!(Reason::from_stored(&refused.stored()), refused);
    }

    #[test]
    fn an_older_sentence_or_foreign_json_reads_as_words() {
        for stored in [
            "gave up after 5 attempts: Telegram did not answer in time",
            "{\"reason\":\"no_such_code\"}",
            "{\"error\":\"from the messenger\"}",
            "",
        ] {
            assert_eq!(Reason::from_stored(stored), Reason::words(stored));
        }
    }
}
