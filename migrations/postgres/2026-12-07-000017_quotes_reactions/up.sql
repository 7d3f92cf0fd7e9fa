-- The messenger's copy of a quoted message's text (Telegram
-- `reply_to_message.text`): what a quote shows when we do not have the message.
ALTER TABLE timeline_items ADD COLUMN reply_to_text TEXT;

-- Reactions on messages: at most one per customer (`user_id` NULL) and one per
-- manager on each message; a new one replaces the old.
CREATE TABLE message_reactions (
    id BIGSERIAL PRIMARY KEY,
    item_id BIGINT NOT NULL REFERENCES timeline_items (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    emoji TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX message_reactions_by_user ON message_reactions (item_id, user_id);
CREATE UNIQUE INDEX message_reactions_by_customer ON message_reactions (item_id) WHERE user_id IS NULL;
