-- WhatsApp becomes a kind of integration. SQLite cannot alter a CHECK
-- constraint, and rebuilding `integrations` would cascade-delete what refers
-- to it; widening the list in the stored definition is SQLite's documented
-- way for a change that no existing row can violate
-- (https://www.sqlite.org/lang_altertable.html#otheralter). The CREATE TABLE
-- below changes the schema version, so every connection reads the new text.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, 'CHECK (kind IN (''telegram'', ''viber''))', 'CHECK (kind IN (''telegram'', ''viber'', ''whatsapp''))')
WHERE type = 'table' AND name = 'integrations';
PRAGMA writable_schema = OFF;

-- A WhatsApp Business (Cloud API) integration's number: the ids the Graph API
-- is called with, Meta's app secret (it signs webhook calls) and our verify
-- token for Meta's webhook handshake. One row per WhatsApp integration.
CREATE TABLE whatsapp_numbers (
    integration_id BIGINT PRIMARY KEY REFERENCES integrations (id) ON DELETE CASCADE,
    phone_number_id TEXT NOT NULL,
    business_account_id TEXT NOT NULL,
    app_secret TEXT NOT NULL,
    verify_token TEXT NOT NULL
);
-- Until when a free-form reply may be sent (WhatsApp's 24-hour window after
-- the customer's last message); NULL for channels without such a window.
ALTER TABLE chats ADD COLUMN reply_window_ends_at TIMESTAMP;
