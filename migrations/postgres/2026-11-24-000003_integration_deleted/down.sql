ALTER TABLE integrations DROP COLUMN deleted_at;
