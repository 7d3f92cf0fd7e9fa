-- Channel API integrations (`kind = 'api'`).
ALTER TABLE integrations DROP CONSTRAINT integrations_kind_check;
ALTER TABLE integrations ADD CONSTRAINT integrations_kind_check
    CHECK (kind IN ('telegram', 'viber', 'api'));

-- A message the customer deleted on their messenger is kept and shown as deleted.
ALTER TABLE timeline_items ADD COLUMN deleted_at TIMESTAMP;
