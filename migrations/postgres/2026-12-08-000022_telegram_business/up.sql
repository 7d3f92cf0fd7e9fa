-- Telegram Business: the accounts whose owners connected one of our bots.
CREATE TABLE business_connections (
    integration_id BIGINT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    -- Telegram's connection id.
    id TEXT NOT NULL,
    telegram_user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    username TEXT,
    user_chat_id BIGINT NOT NULL,
    -- The Tidings user who owns the account (their business chats go to them).
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    enabled BOOLEAN NOT NULL,
    can_reply BOOLEAN NOT NULL,
    connected_at TIMESTAMP NOT NULL,
    PRIMARY KEY (integration_id, id)
);

-- A business chat is keyed by (connection, Telegram chat): the same person
-- writing to the bot directly has another chat (and another customer row of
-- the same contact, since a customer has one chat per integration).
ALTER TABLE chats ADD COLUMN business_connection_id TEXT;
ALTER TABLE chats ADD COLUMN business_chat_id TEXT;
CREATE UNIQUE INDEX chats_business ON chats (integration_id, business_connection_id, business_chat_id);
