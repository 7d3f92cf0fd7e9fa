ALTER TABLE timeline_items DROP COLUMN deleted_at;

ALTER TABLE integrations DROP CONSTRAINT integrations_kind_check;
ALTER TABLE integrations ADD CONSTRAINT integrations_kind_check
    CHECK (kind IN ('telegram', 'viber', 'whatsapp'));
