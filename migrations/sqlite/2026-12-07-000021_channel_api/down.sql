PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, 'CHECK (kind IN (''telegram'', ''viber'', ''api''', 'CHECK (kind IN (''telegram'', ''viber''')
WHERE type = 'table' AND name = 'integrations';
PRAGMA writable_schema = OFF;

-- Also bumps the schema version after the edit above.
ALTER TABLE timeline_items DROP COLUMN deleted_at;
