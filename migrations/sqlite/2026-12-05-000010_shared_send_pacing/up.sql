-- Sends of the last few seconds, so that every node paces a bot and a chat
-- by what all of them sent (messengers count per bot, not per server).
CREATE TABLE recent_sends (
    id INTEGER PRIMARY KEY,
    integration_id BIGINT NOT NULL,
    chat_id BIGINT NOT NULL,
    sent_at TIMESTAMP NOT NULL
);
CREATE INDEX recent_sends_bot ON recent_sends (integration_id, sent_at);
CREATE INDEX recent_sends_chat ON recent_sends (chat_id, sent_at);
-- Due jobs are read per bot, so one bot's backlog never hides another's.
CREATE INDEX outbound_queue_bot_due ON outbound_queue (integration_id, status, next_attempt_at);
