-- Web Push. The server's VAPID key pair: one row, made by whichever node
-- starts first (insert-if-absent, then read), shared by every node.
CREATE TABLE push_keys (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    private_key TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- A browser's push subscription (one per device and browser profile). An
-- endpoint belongs to one user: subscribing it again moves it to the caller.
CREATE TABLE push_subscriptions (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    language TEXT NOT NULL,
    user_agent TEXT,
    created_at TIMESTAMP NOT NULL,
    last_success_at TIMESTAMP
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- Pushes waiting to be sent, one per subscription, written in the same
-- transaction as the notification that causes them; `payload` is the JSON the
-- device receives (encrypted only when sent). A job is claimed by moving
-- `next_attempt_at` forward (a lease), so one node sends it.
CREATE TABLE push_queue (
    id BIGSERIAL PRIMARY KEY,
    subscription_id BIGINT NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    chat_id BIGINT REFERENCES chats (id) ON DELETE CASCADE,
    payload TEXT NOT NULL,
    topic TEXT,
    urgency TEXT NOT NULL,
    ttl_s INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX push_queue_due ON push_queue (next_attempt_at, id);
