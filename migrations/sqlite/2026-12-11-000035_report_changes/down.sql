ALTER TABLE report_chats DROP COLUMN changes;
