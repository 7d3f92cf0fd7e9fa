DROP TRIGGER contacts_trigram_update;
DROP TRIGGER contacts_trigram_delete;
DROP TRIGGER contacts_trigram_insert;
DROP TABLE contacts_trigram;
