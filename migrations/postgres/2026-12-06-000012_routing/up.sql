-- Presence: what was last announced, the user's own choice, and the facts
-- it is computed from (see domain::routing).
ALTER TABLE users ADD COLUMN presence TEXT NOT NULL DEFAULT 'offline';
ALTER TABLE users ADD COLUMN away_chosen BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN last_seen_at TIMESTAMP;
ALTER TABLE users ADD COLUMN last_active_at TIMESTAMP;
ALTER TABLE users ADD COLUMN max_open_chats BIGINT;
-- Live sockets per node and user; a node renews its rows while it runs, so
-- the rows of a node that died go stale and are swept.
CREATE TABLE live_sockets (
    node_id TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (node_id, user_id)
);
CREATE INDEX live_sockets_user ON live_sockets (user_id);
ALTER TABLE integrations ADD COLUMN assign_only_online BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE integrations ADD COLUMN reassign_after_s BIGINT;
ALTER TABLE integrations ADD COLUMN business_hours TEXT;
ALTER TABLE integrations ADD COLUMN away_text TEXT;
-- The waiting queue, and the no-answer clock: the oldest unanswered customer
-- message, the last assignment, and the unanswered streak already handed off.
ALTER TABLE chats ADD COLUMN waiting_since TIMESTAMP;
ALTER TABLE chats ADD COLUMN awaiting_reply_since TIMESTAMP;
ALTER TABLE chats ADD COLUMN assigned_at TIMESTAMP;
ALTER TABLE chats ADD COLUMN no_answer_for TIMESTAMP;
CREATE INDEX chats_waiting ON chats (waiting_since) WHERE waiting_since IS NOT NULL;
CREATE INDEX chats_awaiting_reply ON chats (awaiting_reply_since) WHERE awaiting_reply_since IS NOT NULL;
