ALTER TABLE attachments DROP COLUMN fetch_error;
