-- Erasing a contact keeps its deals' figures: a deal's contact becomes
-- optional. SQLite cannot drop NOT NULL in place, so the table is rebuilt
-- (nothing references deals, so dropping the old table touches no other row).
CREATE TABLE deals_new (
    id INTEGER PRIMARY KEY,
    pipeline_id BIGINT NOT NULL REFERENCES pipelines (id),
    stage_id BIGINT NOT NULL REFERENCES stages (id),
    contact_id BIGINT REFERENCES contacts (id),
    chat_id BIGINT REFERENCES chats (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    amount REAL,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO deals_new (id, pipeline_id, stage_id, contact_id, chat_id, title, amount, created_at)
    SELECT id, pipeline_id, stage_id, contact_id, chat_id, title, amount, created_at FROM deals;
DROP TABLE deals;
ALTER TABLE deals_new RENAME TO deals;
CREATE INDEX deals_chat ON deals (chat_id);
CREATE INDEX deals_pipeline ON deals (pipeline_id);
CREATE INDEX deals_contact ON deals (contact_id);
