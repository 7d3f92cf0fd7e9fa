-- When the current attempt to send a queued message began (NULL between
-- attempts): a job found with it set was interrupted by a crash, and may have
-- reached the messenger already.
ALTER TABLE outbound_queue ADD COLUMN attempt_started_at TIMESTAMP;
-- How many attempts were interrupted that way (each may have been delivered).
ALTER TABLE outbound_queue ADD COLUMN interrupted_sends INTEGER NOT NULL DEFAULT 0;
