-- Deals as a sales team works them: currency, won/lost with a note, a
-- responsible manager, when they last changed and when they closed. SQLite
-- cannot add a NOT NULL column without a constant default, so the table is
-- rebuilt (nothing references deals).
CREATE TABLE deals_new (
    id INTEGER PRIMARY KEY,
    pipeline_id BIGINT NOT NULL REFERENCES pipelines (id),
    stage_id BIGINT NOT NULL REFERENCES stages (id),
    contact_id BIGINT REFERENCES contacts (id),
    chat_id BIGINT REFERENCES chats (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    amount REAL,
    created_at TIMESTAMP NOT NULL,
    currency TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    responsible_id BIGINT REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP,
    close_note TEXT
);
INSERT INTO deals_new (id, pipeline_id, stage_id, contact_id, chat_id, title, amount, created_at, updated_at)
    SELECT id, pipeline_id, stage_id, contact_id, chat_id, title, amount, created_at, created_at FROM deals;
DROP TABLE deals;
ALTER TABLE deals_new RENAME TO deals;
CREATE INDEX deals_chat ON deals (chat_id);
CREATE INDEX deals_pipeline ON deals (pipeline_id);
CREATE INDEX deals_contact ON deals (contact_id);
CREATE INDEX deals_stage ON deals (stage_id, id);
CREATE INDEX deals_responsible ON deals (responsible_id);
-- Contacts a manager can complete; tasks with a due date and an assignee
-- (checked by the service: SQLite cannot drop a column that references).
ALTER TABLE contacts ADD COLUMN email TEXT;
ALTER TABLE contacts ADD COLUMN company TEXT;
ALTER TABLE contacts ADD COLUMN notes TEXT;
ALTER TABLE tasks ADD COLUMN due_at TIMESTAMP;
ALTER TABLE tasks ADD COLUMN assignee_id BIGINT;
