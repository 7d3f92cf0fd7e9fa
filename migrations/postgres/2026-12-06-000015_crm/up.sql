-- Deals as a sales team works them: currency, won/lost with a note, a
-- responsible manager, when they last changed and when they closed.
ALTER TABLE deals ADD COLUMN currency TEXT;
ALTER TABLE deals ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
ALTER TABLE deals ADD COLUMN responsible_id BIGINT REFERENCES users (id);
ALTER TABLE deals ADD COLUMN updated_at TIMESTAMP;
UPDATE deals SET updated_at = created_at;
ALTER TABLE deals ALTER COLUMN updated_at SET NOT NULL;
ALTER TABLE deals ADD COLUMN closed_at TIMESTAMP;
ALTER TABLE deals ADD COLUMN close_note TEXT;
CREATE INDEX deals_stage ON deals (stage_id, id);
CREATE INDEX deals_responsible ON deals (responsible_id);
-- Contacts a manager can complete; tasks with a due date and an assignee.
ALTER TABLE contacts ADD COLUMN email TEXT;
ALTER TABLE contacts ADD COLUMN company TEXT;
ALTER TABLE contacts ADD COLUMN notes TEXT;
ALTER TABLE tasks ADD COLUMN due_at TIMESTAMP;
ALTER TABLE tasks ADD COLUMN assignee_id BIGINT REFERENCES users (id);
