-- A snoozed chat: out of the working groups until `until` or the customer's
-- next message. One row per snoozed chat; the wake timer reads the due ones
-- by `until`, so the state survives restarts and is shared by every node.
CREATE TABLE chat_snoozes (
    chat_id BIGINT PRIMARY KEY REFERENCES chats (id) ON DELETE CASCADE,
    until TIMESTAMP NOT NULL,
    snoozed_by BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX chat_snoozes_until ON chat_snoozes (until);
