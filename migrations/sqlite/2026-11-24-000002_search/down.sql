DROP TRIGGER contacts_fts_update;
DROP TRIGGER contacts_fts_delete;
DROP TRIGGER contacts_fts_insert;
DROP TABLE contacts_fts;
DROP TRIGGER timeline_fts_update;
DROP TRIGGER timeline_fts_delete;
DROP TRIGGER timeline_fts_insert;
DROP TABLE timeline_fts;
