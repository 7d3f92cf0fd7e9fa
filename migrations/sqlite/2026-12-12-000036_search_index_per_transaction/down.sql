-- Index what is still noted, then go back to indexing by triggers.
INSERT INTO timeline_fts (rowid, text)
    SELECT i.id, i.text FROM timeline_search_pending p CROSS JOIN timeline_items i ON i.id = p.item_id
    WHERE i.kind = 'message' AND i.text IS NOT NULL;
INSERT INTO contacts_fts (rowid, name)
    SELECT c.id, c.name FROM contacts_search_pending p CROSS JOIN contacts c ON c.id = p.contact_id;
INSERT INTO contacts_trigram (rowid, name, username, email_key, company, phone_digits)
    SELECT c.id, c.name, c.username, c.email_key, c.company, c.phone_digits
    FROM contacts_search_pending p CROSS JOIN contacts c ON c.id = p.contact_id;
DROP TRIGGER timeline_fts_insert;
DROP TRIGGER timeline_fts_delete;
DROP TRIGGER timeline_fts_update;
DROP TRIGGER contacts_search_insert;
DROP TRIGGER contacts_search_delete;
DROP TRIGGER contacts_fts_update;
DROP TRIGGER contacts_trigram_update;
DROP TABLE timeline_search_pending;
DROP TABLE contacts_search_pending;

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
CREATE TRIGGER contacts_trigram_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_trigram (rowid, name, username, email_key, company, phone_digits)
    VALUES (new.id, new.name, new.username, new.email_key, new.company, new.phone_digits);
END;
CREATE TRIGGER contacts_trigram_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_trigram (contacts_trigram, rowid, name, username, email_key, company, phone_digits)
    VALUES ('delete', old.id, old.name, old.username, old.email_key, old.company, old.phone_digits);
END;
CREATE TRIGGER contacts_trigram_update
AFTER UPDATE OF name, username, email_key, company, phone_digits ON contacts BEGIN
    INSERT INTO contacts_trigram (contacts_trigram, rowid, name, username, email_key, company, phone_digits)
    VALUES ('delete', old.id, old.name, old.username, old.email_key, old.company, old.phone_digits);
    INSERT INTO contacts_trigram (rowid, name, username, email_key, company, phone_digits)
    VALUES (new.id, new.name, new.username, new.email_key, new.company, new.phone_digits);
END;
