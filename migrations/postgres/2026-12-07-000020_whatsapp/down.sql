ALTER TABLE chats DROP COLUMN reply_window_ends_at;
DROP TABLE whatsapp_numbers;
ALTER TABLE integrations DROP CONSTRAINT integrations_kind_check;
ALTER TABLE integrations ADD CONSTRAINT integrations_kind_check
    CHECK (kind IN ('telegram', 'viber'));
