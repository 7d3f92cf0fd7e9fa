-- Full-text search over message texts and contact names. unicode61 folds case
-- for every script (Latin, Cyrillic, …) and remove_diacritics 2 makes "manana"
-- find "Mañana". External-content tables: the text lives once, in its table.
CREATE VIRTUAL TABLE timeline_fts USING fts5(
    text, content = 'timeline_items', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER timeline_fts_insert AFTER INSERT ON timeline_items
WHEN new.kind = 'message' AND new.text IS NOT NULL BEGIN
    INSERT INTO timeline_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER timeline_fts_delete AFTER DELETE ON timeline_items
WHEN old.kind = 'message' AND old.text IS NOT NULL BEGIN
    INSERT INTO timeline_fts (timeline_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER timeline_fts_update AFTER UPDATE OF text ON timeline_items
WHEN old.kind = 'message' BEGIN
    INSERT INTO timeline_fts (timeline_fts, rowid, text)
        SELECT 'delete', old.id, old.text WHERE old.text IS NOT NULL;
    INSERT INTO timeline_fts (rowid, text)
        SELECT new.id, new.text WHERE new.text IS NOT NULL;
END;

CREATE VIRTUAL TABLE contacts_fts USING fts5(
    name, content = 'contacts', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF name ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO contacts_fts (rowid, name) VALUES (new.id, new.name);
END;
