ALTER TABLE outbound_queue DROP COLUMN interrupted_sends;
ALTER TABLE outbound_queue DROP COLUMN attempt_started_at;
