-- Deals of erased contacts have no contact to point at; they cannot stay.
CREATE TABLE deals_old (
    id INTEGER PRIMARY KEY,
    pipeline_id BIGINT NOT NULL REFERENCES pipelines (id),
    stage_id BIGINT NOT NULL REFERENCES stages (id),
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    chat_id BIGINT REFERENCES chats (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    amount REAL,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO deals_old (id, pipeline_id, stage_id, contact_id, chat_id, title, amount, created_at)
    SELECT id, pipeline_id, stage_id, contact_id, chat_id, title, amount, created_at FROM deals
    WHERE contact_id IS NOT NULL;
DROP TABLE deals;
ALTER TABLE deals_old RENAME TO deals;
CREATE INDEX deals_chat ON deals (chat_id);
CREATE INDEX deals_pipeline ON deals (pipeline_id);
