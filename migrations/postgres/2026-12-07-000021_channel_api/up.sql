-- Channel API integrations (`kind = 'api'`); the list names every kind
-- (WhatsApp's arrives in a migration of its own).
ALTER TABLE integrations DROP CONSTRAINT integrations_kind_check;
ALTER TABLE integrations ADD CONSTRAINT integrations_kind_check
    CHECK (kind IN ('telegram', 'viber', 'whatsapp', 'api'));

-- A message the customer deleted on their messenger is kept and shown as deleted.
ALTER TABLE timeline_items ADD COLUMN deleted_at TIMESTAMP;
