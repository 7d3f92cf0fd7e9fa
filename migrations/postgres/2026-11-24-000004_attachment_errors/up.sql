-- Why an attachment could not be fetched (too large, link expired …).
ALTER TABLE attachments ADD COLUMN fetch_error TEXT;
