ALTER TABLE tasks DROP COLUMN assignee_id;
ALTER TABLE tasks DROP COLUMN due_at;
ALTER TABLE contacts DROP COLUMN notes;
ALTER TABLE contacts DROP COLUMN company;
ALTER TABLE contacts DROP COLUMN email;
CREATE TABLE deals_old (
    id INTEGER PRIMARY KEY,
    pipeline_id BIGINT NOT NULL REFERENCES pipelines (id),
    stage_id BIGINT NOT NULL REFERENCES stages (id),
    contact_id BIGINT REFERENCES contacts (id),
    chat_id BIGINT REFERENCES chats (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    amount REAL,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO deals_old (id, pipeline_id, stage_id, contact_id, chat_id, title, amount, created_at)
    SELECT id, pipeline_id, stage_id, contact_id, chat_id, title, amount, created_at FROM deals;
DROP TABLE deals;
ALTER TABLE deals_old RENAME TO deals;
CREATE INDEX deals_chat ON deals (chat_id);
CREATE INDEX deals_pipeline ON deals (pipeline_id);
CREATE INDEX deals_contact ON deals (contact_id);
