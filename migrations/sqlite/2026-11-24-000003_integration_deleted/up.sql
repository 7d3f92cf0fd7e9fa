-- A deleted integration keeps its chats and their history; it only stops receiving.
ALTER TABLE integrations ADD COLUMN deleted_at TIMESTAMP;
