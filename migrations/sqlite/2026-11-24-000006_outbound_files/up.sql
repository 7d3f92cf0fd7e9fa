-- Each part of an outbound message the messenger stored (a long text becomes
-- several messages; a file with a long caption is the file, then the text),
-- so that a retry resumes after the last part that went out.
CREATE TABLE outbound_parts (
    item_id BIGINT NOT NULL REFERENCES timeline_items (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    external_id TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (item_id, position)
);
CREATE INDEX outbound_parts_external ON outbound_parts (external_id);

-- Unguessable, expiring public links to our outbound files: Viber has no
-- upload endpoint and fetches pictures and files from a URL.
CREATE TABLE media_links (
    token TEXT PRIMARY KEY,
    attachment_id BIGINT NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX media_links_expiry ON media_links (expires_at);

-- Delivery receipts that arrived before the send they report on was recorded
-- (Viber may call back before its send_message answer is stored).
CREATE TABLE pending_receipts (
    id INTEGER PRIMARY KEY,
    integration_id BIGINT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    state TEXT NOT NULL,
    error TEXT,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX pending_receipts_message ON pending_receipts (integration_id, external_id);
CREATE INDEX pending_receipts_age ON pending_receipts (received_at);
