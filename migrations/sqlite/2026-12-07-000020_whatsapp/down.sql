PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, 'CHECK (kind IN (''telegram'', ''viber'', ''whatsapp''))', 'CHECK (kind IN (''telegram'', ''viber''))')
WHERE type = 'table' AND name = 'integrations';
PRAGMA writable_schema = OFF;
ALTER TABLE chats DROP COLUMN reply_window_ends_at;
DROP TABLE whatsapp_numbers;
