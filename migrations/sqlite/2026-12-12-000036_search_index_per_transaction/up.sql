-- New rows reach the full-text indexes once per write transaction, not one
-- by one. FTS5 writes what it has pending to disk at every savepoint, and the
-- inbound writer applies each update in a savepoint of its own: indexed by
-- triggers, every update wrote a new segment per index it touched (three for
-- a new customer's first message) and the indexes spent their time merging
-- them. Now an insert only notes the row here; `store::search::index_pending`
-- indexes the noted rows as the outermost write transaction ends, in one
-- statement per index. A row edited or deleted before that is indexed as it
-- is then, or not at all.
CREATE TABLE timeline_search_pending (item_id INTEGER PRIMARY KEY NOT NULL);
CREATE TABLE contacts_search_pending (contact_id INTEGER PRIMARY KEY NOT NULL);

DROP TRIGGER timeline_fts_insert;
DROP TRIGGER timeline_fts_delete;
DROP TRIGGER timeline_fts_update;
CREATE TRIGGER timeline_fts_insert AFTER INSERT ON timeline_items
WHEN new.kind = 'message' AND new.text IS NOT NULL BEGIN
    INSERT INTO timeline_search_pending (item_id) VALUES (new.id);
END;
CREATE TRIGGER timeline_fts_delete AFTER DELETE ON timeline_items
WHEN old.kind = 'message' AND old.text IS NOT NULL BEGIN
    INSERT INTO timeline_fts (timeline_fts, rowid, text)
        SELECT 'delete', old.id, old.text
        WHERE NOT EXISTS (SELECT 1 FROM timeline_search_pending WHERE item_id = old.id);
    DELETE FROM timeline_search_pending WHERE item_id = old.id;
END;
CREATE TRIGGER timeline_fts_update AFTER UPDATE OF text ON timeline_items
WHEN old.kind = 'message'
    AND NOT EXISTS (SELECT 1 FROM timeline_search_pending WHERE item_id = old.id) BEGIN
    INSERT INTO timeline_fts (timeline_fts, rowid, text)
        SELECT 'delete', old.id, old.text WHERE old.text IS NOT NULL;
    INSERT INTO timeline_fts (rowid, text)
        SELECT new.id, new.text WHERE new.text IS NOT NULL;
END;

DROP TRIGGER contacts_fts_insert;
DROP TRIGGER contacts_fts_delete;
DROP TRIGGER contacts_fts_update;
DROP TRIGGER contacts_trigram_insert;
DROP TRIGGER contacts_trigram_delete;
DROP TRIGGER contacts_trigram_update;
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_search_pending (contact_id) VALUES (new.id);
END;
CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, name)
        SELECT 'delete', old.id, old.name
        WHERE NOT EXISTS (SELECT 1 FROM contacts_search_pending WHERE contact_id = old.id);
    INSERT INTO contacts_trigram (contacts_trigram, rowid, name, username, email_key, company, phone_digits)
        SELECT 'delete', old.id, old.name, old.username, old.email_key, old.company, old.phone_digits
        WHERE NOT EXISTS (SELECT 1 FROM contacts_search_pending WHERE contact_id = old.id);
    DELETE FROM contacts_search_pending WHERE contact_id = old.id;
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF name ON contacts
WHEN NOT EXISTS (SELECT 1 FROM contacts_search_pending WHERE contact_id = old.id) BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO contacts_fts (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER contacts_trigram_update
AFTER UPDATE OF name, username, email_key, company, phone_digits ON contacts
WHEN NOT EXISTS (SELECT 1 FROM contacts_search_pending WHERE contact_id = old.id) BEGIN
    INSERT INTO contacts_trigram (contacts_trigram, rowid, name, username, email_key, company, phone_digits)
    VALUES ('delete', old.id, old.name, old.username, old.email_key, old.company, old.phone_digits);
    INSERT INTO contacts_trigram (rowid, name, username, email_key, company, phone_digits)
    VALUES (new.id, new.name, new.username, new.email_key, new.company, new.phone_digits);
END;
