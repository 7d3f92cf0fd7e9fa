-- WhatsApp becomes a kind of integration.
ALTER TABLE integrations DROP CONSTRAINT integrations_kind_check;
ALTER TABLE integrations ADD CONSTRAINT integrations_kind_check
    CHECK (kind IN ('telegram', 'viber', 'whatsapp'));

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
