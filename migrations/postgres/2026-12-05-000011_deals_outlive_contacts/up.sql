-- Erasing a contact keeps its deals' figures: a deal's contact becomes optional.
ALTER TABLE deals ALTER COLUMN contact_id DROP NOT NULL;
CREATE INDEX deals_contact ON deals (contact_id);
