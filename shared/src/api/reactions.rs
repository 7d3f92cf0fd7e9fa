//! Quotes and reactions on messages: what a message quotes, who reacted with
//! what, and the emoji a messenger accepts as a reaction.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Id;

/// The message a message answers (`reply_to` of a message Item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Quote {
    /// Our item, when we have the quoted message.
    pub item_id: Option<Id>,
    /// The quoted message's text: ours when we have it, else the messenger's copy.
    pub text: String,
}

/// The customer's side of [`ReactionBy`]: always the string `"customer"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomerMark {
    Customer,
}

/// Who reacted: `"customer"`, or a manager's user id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ReactionBy {
    Customer(CustomerMark),
    User(Id),
}

impl ReactionBy {
    pub const CUSTOMER: ReactionBy = ReactionBy::Customer(CustomerMark::Customer);

    /// The manager's id (`None` for the customer).
    pub fn user_id(self) -> Option<Id> {
        match self {
            ReactionBy::User(id) => Some(id),
            ReactionBy::Customer(_) => None,
        }
    }
}

/// One reaction on a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reaction {
    pub emoji: String,
    pub by: ReactionBy,
}

/// `PUT /api/v1/chats/{id}/messages/{item_id}/reaction`: the caller's
/// reaction (`null` clears it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetReaction {
    #[serde(default)]
    pub emoji: Option<String>,
}

/// The emoji Telegram accepts as a bot's reaction (Bot API `ReactionTypeEmoji`),
/// written as Telegram writes them (without emoji variation selectors).
pub const TELEGRAM_REACTIONS: &[&str] = &[
    "❤",
    "👍",
    "👎",
    "🔥",
    "🥰",
    "👏",
    "😁",
    "🤔",
    "🤯",
    "😱",
    "🤬",
    "😢",
    "🎉",
    "🤩",
    "🤮",
    "💩",
    "🙏",
    "👌",
    "🕊",
    "🤡",
    "🥱",
    "🥴",
    "😍",
    "🐳",
    "❤\u{200d}🔥",
    "🌚",
    "🌭",
    "💯",
    "🤣",
    "⚡",
    "🍌",
    "🏆",
    "💔",
    "🤨",
    "😐",
    "🍓",
    "🍾",
    "💋",
    "🖕",
    "😈",
    "😴",
    "😭",
    "🤓",
    "👻",
    "👨\u{200d}💻",
    "👀",
    "🎃",
    "🙈",
    "😇",
    "😨",
    "🤝",
    "✍",
    "🤗",
    "🫡",
    "🎅",
    "🎄",
    "☃",
    "💅",
    "🤪",
    "🗿",
    "🆒",
    "💘",
    "🙉",
    "🦄",
    "😘",
    "💊",
    "🙊",
    "😎",
    "👾",
    "🤷\u{200d}♂",
    "🤷",
    "🤷\u{200d}♀",
    "😡",
];

/// The emoji Tidings sends as a WhatsApp reaction. WhatsApp takes any single
/// emoji; the inbox offers Telegram's set and WhatsApp's own quick reactions,
/// so a reaction never depends on the keyboard's variant of an emoji.
pub const WHATSAPP_REACTIONS: &[&str] = &[
    "👍", "❤", "😂", "😮", "😢", "🙏", "🔥", "🎉", "😁", "👌", "👏", "🤔", "😍", "🥰", "💯", "✅",
    "👀", "🤝", "😊", "🙂", "😉", "😎", "😡", "👎", "💔", "⭐",
];

/// The reactions the web app offers in its picker (all in [`TELEGRAM_REACTIONS`]
/// and [`WHATSAPP_REACTIONS`]).
pub const COMMON_REACTIONS: &[&str] = &["👍", "❤", "🔥", "🎉", "😁", "🙏", "👌", "😢"];

/// The emoji as Telegram writes it: without variation selectors (U+FE0F,
/// U+FE0E), which keyboards add to some emoji ("❤️" is Telegram's "❤").
pub fn canonical_emoji(emoji: &str) -> String {
    emoji
        .trim()
        .chars()
        .filter(|c| !matches!(c, '\u{fe0f}' | '\u{fe0e}'))
        .collect()
}

/// `emoji` as the messenger writes it, if it is one of the reactions it
/// `accepts` (variation selectors aside); `None` for anything else.
pub fn accepted_reaction(emoji: &str, accepts: &'static [&'static str]) -> Option<&'static str> {
    let canonical = canonical_emoji(emoji);
    accepts.iter().copied().find(|known| *known == canonical)
}

/// The emoji as a screen shows it best: with the emoji presentation selector
/// where the bare character is a text symbol ("❤" -> "❤️").
pub fn display_emoji(emoji: &str) -> String {
    match emoji {
        "❤" | "☃" | "✍" | "⚡" | "🕊" => format!("{emoji}\u{fe0f}"),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_customer_is_the_string_customer_and_a_manager_their_id() {
        let reactions = vec![
            Reaction {
                emoji: "👍".into(),
                by: ReactionBy::CUSTOMER,
            },
            Reaction {
                emoji: "🔥".into(),
                by: ReactionBy::User(7),
            },
        ];
        let wire = json!([{"emoji": "👍", "by": "customer"}, {"emoji": "🔥", "by": 7}]);
        assert_eq!(serde_json::to_value(&reactions).expect("serialises"), wire);
        assert_eq!(
            serde_json::from_value::<Vec<Reaction>>(wire).expect("parses"),
            reactions
        );
        assert!(serde_json::from_value::<ReactionBy>(json!("manager")).is_err());
    }

    fn telegram_reaction(emoji: &str) -> Option<&'static str> {
        accepted_reaction(emoji, TELEGRAM_REACTIONS)
    }

    #[test]
    fn telegram_reactions_are_recognised_with_or_without_variation_selectors() {
        assert_eq!(telegram_reaction("👍"), Some("👍"));
        assert_eq!(telegram_reaction("❤\u{fe0f}"), Some("❤"));
        assert_eq!(
            telegram_reaction("❤\u{fe0f}\u{200d}🔥"),
            Some("❤\u{200d}🔥")
        );
        for refused in ["", "👍👍", "a", "🦖", "thumbs up", "😀"] {
            assert_eq!(telegram_reaction(refused), None, "{refused:?}");
        }
    }

    #[test]
    fn the_picker_offers_only_reactions_telegram_and_whatsapp_accept() {
        for emoji in COMMON_REACTIONS {
            assert_eq!(telegram_reaction(emoji), Some(*emoji));
            assert_eq!(accepted_reaction(emoji, WHATSAPP_REACTIONS), Some(*emoji));
        }
    }
}
