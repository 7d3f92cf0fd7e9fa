//! Bot API updates as Telegram sends them, for tests to deliver or queue
//! (shaped like python-telegram-bot's dumps).

use serde_json::{json, Value};
use tidings::demo::simulator::protocol::telegram::{self as protocol, Bot, Person};

use super::{now, FakeTelegram};

/// The bot the updates' `from` and membership name.
const BOT: Bot = Bot {
    id: 7_000_000_001,
    first_name: "Bot",
    username: "fake_bot",
};

fn person(user_id: i64, first_name: &str) -> Person<'_> {
    Person {
        id: user_id,
        first_name,
        last_name: None,
        username: None,
        language: "en",
    }
}

impl FakeTelegram {
    /// A private-chat customer.
    pub fn user(user_id: i64, first_name: &str) -> Value {
        person(user_id, first_name).user()
    }

    /// A private message from `user_id` with `content` fields merged in.
    pub fn private_message(
        message_id: i64,
        user_id: i64,
        first_name: &str,
        content: Value,
    ) -> Value {
        protocol::private_message(message_id, &person(user_id, first_name), now(), content)
    }

    /// A text message; its `message_id` is the `update_id`.
    pub fn text_update(update_id: i64, user_id: i64, first_name: &str, text: &str) -> Value {
        json!({
            "update_id": update_id,
            "message": Self::private_message(update_id, user_id, first_name, json!({"text": text})),
        })
    }

    /// A reply to our message `reply_to` (its `message_id` is the `update_id`).
    pub fn reply_update(
        update_id: i64,
        user_id: i64,
        first_name: &str,
        text: &str,
        reply_to: i64,
    ) -> Value {
        let replied = json!({
            "message_id": reply_to,
            "from": BOT.user(),
            "chat": person(user_id, first_name).chat(),
            "date": now() - 60,
            "text": "(our earlier message)",
        });
        json!({
            "update_id": update_id,
            "message": Self::private_message(update_id, user_id, first_name, json!({
                "text": text,
                "reply_to_message": replied,
            })),
        })
    }

    /// A reply quoting a message of the chat, `quoted_text` being Telegram's
    /// copy of it (its `message_id` is the `update_id`).
    pub fn quote_update(
        update_id: i64,
        user_id: i64,
        first_name: &str,
        text: &str,
        quoted_id: i64,
        quoted_text: &str,
    ) -> Value {
        let mut update = Self::reply_update(update_id, user_id, first_name, text, quoted_id);
        update["message"]["reply_to_message"]["text"] = json!(quoted_text);
        update
    }

    /// The customer's reaction to message `message_id` as it is now
    /// (`None`: they removed it), as a `message_reaction` update.
    pub fn reaction_update(
        update_id: i64,
        user_id: i64,
        first_name: &str,
        message_id: i64,
        emoji: Option<&str>,
    ) -> Value {
        let new_reaction: Vec<Value> = emoji
            .map(|emoji| json!({"type": "emoji", "emoji": emoji}))
            .into_iter()
            .collect();
        json!({
            "update_id": update_id,
            "message_reaction": {
                "chat": person(user_id, first_name).chat(),
                "user": Self::user(user_id, first_name),
                "message_id": message_id,
                "date": now(),
                "old_reaction": [],
                "new_reaction": new_reaction,
            },
        })
    }

    /// `/start` or `/start PAYLOAD`, as sent when a deep link is opened.
    pub fn start_update(
        update_id: i64,
        user_id: i64,
        first_name: &str,
        payload: Option<&str>,
    ) -> Value {
        let text = match payload {
            Some(payload) => format!("/start {payload}"),
            None => "/start".to_owned(),
        };
        json!({
            "update_id": update_id,
            "message": Self::private_message(update_id, user_id, first_name, json!({
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            })),
        })
    }

    /// A photo in three sizes; `file_id` is the largest one's.
    pub fn photo_update(
        update_id: i64,
        user_id: i64,
        first_name: &str,
        file_id: &str,
        caption: Option<&str>,
    ) -> Value {
        let mut content = json!({"photo": [
            {"file_id": format!("{file_id}-s"), "file_unique_id": "u-s", "width": 90, "height": 67, "file_size": 1402},
            {"file_id": format!("{file_id}-m"), "file_unique_id": "u-m", "width": 320, "height": 240, "file_size": 18220},
            {"file_id": file_id, "file_unique_id": "u-x", "width": 1280, "height": 960, "file_size": 161838},
        ]});
        if let Some(caption) = caption {
            content["caption"] = json!(caption);
        }
        json!({
            "update_id": update_id,
            "message": Self::private_message(update_id, user_id, first_name, content),
        })
    }

    /// A document with a file name.
    pub fn document_update(
        update_id: i64,
        user_id: i64,
        first_name: &str,
        file_id: &str,
        file_name: &str,
        size: i64,
    ) -> Value {
        json!({
            "update_id": update_id,
            "message": Self::private_message(update_id, user_id, first_name, json!({"document": {
                "file_id": file_id, "file_unique_id": format!("u-{file_id}"),
                "file_name": file_name, "mime_type": "application/octet-stream", "file_size": size,
            }})),
        })
    }

    /// The customer edited their message `message_id`.
    pub fn edited_text_update(
        update_id: i64,
        message_id: i64,
        user_id: i64,
        first_name: &str,
        text: &str,
    ) -> Value {
        let mut message =
            Self::private_message(message_id, user_id, first_name, json!({"text": text}));
        message["date"] = json!(now() - 60);
        message["edit_date"] = json!(now());
        json!({"update_id": update_id, "edited_message": message})
    }

    /// The customer blocked the bot (`my_chat_member`, status `kicked`).
    pub fn blocked_update(update_id: i64, user_id: i64, first_name: &str) -> Value {
        protocol::member_update(update_id, &BOT, &person(user_id, first_name), now(), true)
    }

    /// The customer unblocked/restarted the bot (status `member`).
    pub fn unblocked_update(update_id: i64, user_id: i64, first_name: &str) -> Value {
        protocol::member_update(update_id, &BOT, &person(user_id, first_name), now(), false)
    }

    /// A message in a supergroup the bot is in (the inbox ignores these).
    pub fn group_text_update(update_id: i64, user_id: i64, first_name: &str, text: &str) -> Value {
        json!({
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "from": Self::user(user_id, first_name),
                "chat": {"id": -1_001_234_567_890_i64, "type": "supergroup", "title": "Customers"},
                "date": now(),
                "text": text,
            },
        })
    }

    /// An update kind the inbox does not handle.
    pub fn poll_update(update_id: i64) -> Value {
        json!({
            "update_id": update_id,
            "poll": {
                "id": "5420123456789012345", "question": "Best day?",
                "options": [{"text": "Monday", "voter_count": 1, "persistent_id": "a"}],
                "total_voter_count": 1, "is_closed": false, "is_anonymous": true,
                "type": "regular", "allows_multiple_answers": false,
                "allows_revoting": true, "members_only": false,
            },
        })
    }

    /// A `business_connection` update: the account owner `owner_id`
    /// connected the bot (or changed its rights, or disconnected it),
    /// with `rights.can_reply` as of Bot API 9.0.
    pub fn business_connection_update(
        update_id: i64,
        connection_id: &str,
        owner_id: i64,
        owner_name: &str,
        enabled: bool,
        can_reply: bool,
    ) -> Value {
        json!({
            "update_id": update_id,
            "business_connection": {
                "id": connection_id,
                "user": {"id": owner_id, "is_bot": false, "first_name": owner_name, "username": "owner_account"},
                "user_chat_id": owner_id,
                "date": now() - 3600,
                "rights": {"can_reply": can_reply, "can_read_messages": true},
                "is_enabled": enabled,
            },
        })
    }

    /// A message in a business account's private chat with `customer_id`,
    /// written by `from` (the customer, or the owner).
    fn business_message_value(
        message_id: i64,
        connection_id: &str,
        customer_id: i64,
        customer_name: &str,
        from: Value,
        text: &str,
    ) -> Value {
        json!({
            "message_id": message_id,
            "business_connection_id": connection_id,
            "from": from,
            "chat": {"id": customer_id, "type": "private", "first_name": customer_name},
            "date": now(),
            "text": text,
        })
    }

    /// The customer `customer_id` wrote to the business account
    /// (`business_message`; its `message_id` is the `update_id`).
    pub fn business_text_update(
        update_id: i64,
        connection_id: &str,
        customer_id: i64,
        customer_name: &str,
        text: &str,
    ) -> Value {
        json!({
            "update_id": update_id,
            "business_message": Self::business_message_value(
                update_id,
                connection_id,
                customer_id,
                customer_name,
                Self::user(customer_id, customer_name),
                text,
            ),
        })
    }

    /// The account owner `owner_id` wrote to the customer from their own
    /// Telegram app (`business_message` from the owner).
    pub fn business_owner_text_update(
        update_id: i64,
        message_id: i64,
        connection_id: &str,
        owner_id: i64,
        customer_id: i64,
        customer_name: &str,
        text: &str,
    ) -> Value {
        json!({
            "update_id": update_id,
            "business_message": Self::business_message_value(
                message_id,
                connection_id,
                customer_id,
                customer_name,
                json!({"id": owner_id, "is_bot": false, "first_name": "Owner"}),
                text,
            ),
        })
    }

    /// Telegram's copy of a message the bot sent through the connection
    /// (`from` the owner, `sender_business_bot` the bot).
    pub fn business_echo_update(
        update_id: i64,
        message_id: i64,
        connection_id: &str,
        owner_id: i64,
        customer_id: i64,
        text: &str,
    ) -> Value {
        let mut update = Self::business_owner_text_update(
            update_id,
            message_id,
            connection_id,
            owner_id,
            customer_id,
            "Customer",
            text,
        );
        update["business_message"]["sender_business_bot"] = BOT.user();
        update
    }

    /// The customer edited their business message `message_id`.
    pub fn business_edited_update(
        update_id: i64,
        message_id: i64,
        connection_id: &str,
        customer_id: i64,
        customer_name: &str,
        text: &str,
    ) -> Value {
        let mut message = Self::business_message_value(
            message_id,
            connection_id,
            customer_id,
            customer_name,
            Self::user(customer_id, customer_name),
            text,
        );
        message["date"] = json!(now() - 60);
        message["edit_date"] = json!(now());
        json!({"update_id": update_id, "edited_business_message": message})
    }

    /// Messages of the business chat with `customer_id` were deleted
    /// (`deleted_business_messages`, a `BusinessMessagesDeleted`).
    pub fn business_deleted_update(
        update_id: i64,
        connection_id: &str,
        customer_id: i64,
        customer_name: &str,
        message_ids: &[i64],
    ) -> Value {
        json!({
            "update_id": update_id,
            "deleted_business_messages": {
                "business_connection_id": connection_id,
                "chat": {"id": customer_id, "type": "private", "first_name": customer_name},
                "message_ids": message_ids,
            },
        })
    }
}
