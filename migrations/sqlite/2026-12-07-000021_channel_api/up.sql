-- Channel API integrations (`kind = 'api'`). SQLite cannot alter a CHECK
-- constraint, and rebuilding `integrations` would cascade through every table
-- that references it; widening the list in the stored schema is the documented
-- way to loosen a constraint (sqlite.org/lang_altertable.html, "otheralter"):
-- every existing row still satisfies it. Only the list's start is matched, so
-- kinds another migration appended stay. The ADD COLUMN below bumps the schema
-- version, so every connection reads the new definition.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, 'CHECK (kind IN (''telegram'', ''viber''', 'CHECK (kind IN (''telegram'', ''viber'', ''api''')
WHERE type = 'table' AND name = 'integrations';
PRAGMA writable_schema = OFF;

-- A message the customer deleted on their messenger is kept and shown as deleted.
ALTER TABLE timeline_items ADD COLUMN deleted_at TIMESTAMP;
