-- How often a chat's timeline changed, read by a PostgreSQL rebuild that reads
-- a chat's facts before locking its row. SQLite rebuilds inside one write
-- transaction, where nothing changes in between, so its triggers leave it at 0
-- (and keep skipping the update of a chat already stale).
ALTER TABLE report_chats ADD COLUMN changes BIGINT NOT NULL DEFAULT 0;
