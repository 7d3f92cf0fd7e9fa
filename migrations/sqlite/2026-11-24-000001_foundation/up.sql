-- The whole Tidings domain. Portable types only (BIGINT ids, TEXT, BOOLEAN,
-- TIMESTAMP in UTC, JSON as TEXT) so the SQLite tree mirrors this one line by line.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'employee', 'follower')),
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);

-- Server-side sessions; only a hash of the cookie value is stored.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins, counted per account and per address to slow down guessing.
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    address TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_address ON login_failures (address, at);

CREATE TABLE pipelines (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE stages (
    id INTEGER PRIMARY KEY,
    pipeline_id BIGINT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    UNIQUE (pipeline_id, position)
);

CREATE TABLE integrations (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('telegram', 'viber')),
    name TEXT NOT NULL,
    token TEXT NOT NULL,
    webhook_secret TEXT NOT NULL,
    delivery TEXT NOT NULL DEFAULT 'webhook',
    pipeline_id BIGINT NOT NULL REFERENCES pipelines (id),
    greeting_text TEXT,
    auto_reply_text TEXT,
    -- Round-robin position: the queue slot that the next new chat starts looking at.
    queue_cursor BIGINT NOT NULL DEFAULT 0,
    bot_username TEXT,
    bot_avatar_url TEXT,
    polling_offset BIGINT NOT NULL DEFAULT 0,
    last_inbound_at TIMESTAMP,
    last_error TEXT,
    last_error_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

-- The ordered manager queue of an integration.
CREATE TABLE integration_queue (
    integration_id BIGINT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (integration_id, position)
);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    username TEXT,
    phone TEXT,
    language TEXT,
    country TEXT,
    avatar_url TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    created_at TIMESTAMP NOT NULL
);

-- One row per messenger account of a customer (Telegram user id, Viber user id).
CREATE TABLE customer_identities (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    username TEXT,
    language TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (channel, external_id)
);

-- Greeting is sent once per customer per integration.
CREATE TABLE greetings_sent (
    customer_id BIGINT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    integration_id BIGINT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    PRIMARY KEY (customer_id, integration_id)
);

CREATE TABLE chats (
    id INTEGER PRIMARY KEY,
    integration_id BIGINT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    assignee_id BIGINT REFERENCES users (id),
    referral TEXT,
    -- Why the customer cannot receive messages now (blocked the bot, unsubscribed).
    unreachable_reason TEXT,
    last_message_preview TEXT,
    started_at TIMESTAMP NOT NULL,
    last_message_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP,
    UNIQUE (integration_id, customer_id)
);
CREATE INDEX chats_status_activity ON chats (status, last_message_at DESC, id DESC);
CREATE INDEX chats_assignee_activity ON chats (assignee_id, status, last_message_at DESC, id DESC);
CREATE INDEX chats_activity ON chats (last_message_at DESC, id DESC);

CREATE TABLE chat_followers (
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX chat_followers_user ON chat_followers (user_id);

CREATE TABLE chat_tags (
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (chat_id, tag)
);
CREATE INDEX chat_tags_tag ON chat_tags (tag);

-- One timeline per chat: customer messages, replies and events share one id
-- sequence so the timeline pages by a single key.
CREATE TABLE timeline_items (
    id INTEGER PRIMARY KEY,
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('message', 'event')),
    at TIMESTAMP NOT NULL,
    -- message columns
    direction TEXT CHECK (direction IN ('in', 'out')),
    author_id BIGINT REFERENCES users (id),
    content_kind TEXT,
    text TEXT,
    external_id TEXT,
    reply_to_id BIGINT REFERENCES timeline_items (id),
    delivery TEXT CHECK (delivery IN ('pending', 'sent', 'delivered', 'seen', 'failed')),
    delivery_error TEXT,
    edited_at TIMESTAMP,
    -- event columns
    event TEXT,
    actor_id BIGINT REFERENCES users (id),
    -- JSON: event data, or message details (entities, location, forward origin ...)
    data TEXT
);
CREATE INDEX timeline_items_chat ON timeline_items (chat_id, id);
CREATE INDEX timeline_items_external ON timeline_items (chat_id, external_id);

-- Earlier texts of an edited message.
CREATE TABLE message_versions (
    id INTEGER PRIMARY KEY,
    item_id BIGINT NOT NULL REFERENCES timeline_items (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX message_versions_item ON message_versions (item_id);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    item_id BIGINT NOT NULL REFERENCES timeline_items (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    mime TEXT,
    size BIGINT,
    -- where the file lives under the data directory, once fetched
    path TEXT,
    -- the messenger's own reference (file_id, media URL) to fetch it
    external_ref TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_item ON attachments (item_id);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES users (id),
    text TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX comments_chat ON comments (chat_id, id);

CREATE TABLE deals (
    id INTEGER PRIMARY KEY,
    pipeline_id BIGINT NOT NULL REFERENCES pipelines (id),
    stage_id BIGINT NOT NULL REFERENCES stages (id),
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    chat_id BIGINT REFERENCES chats (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    amount REAL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX deals_chat ON deals (chat_id);
CREATE INDEX deals_pipeline ON deals (pipeline_id);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    done BOOLEAN NOT NULL DEFAULT FALSE,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

-- A chat's relations to tasks and projects.
CREATE TABLE chat_links (
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('task', 'project')),
    target_id BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (chat_id, kind, target_id)
);

-- Per-user state of a chat: how far they have read and whether it notifies them.
CREATE TABLE chat_user_state (
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_read_item_id BIGINT NOT NULL DEFAULT 0,
    notifications_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (chat_id, user_id)
);

-- Every inbound webhook body or polled update, stored before we acknowledge it;
-- the unique key makes a repeated delivery a no-op.
CREATE TABLE inbound_events (
    id INTEGER PRIMARY KEY,
    integration_id BIGINT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    dedup_key TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'processed', 'ignored', 'failed')),
    error TEXT,
    received_at TIMESTAMP NOT NULL,
    processed_at TIMESTAMP,
    UNIQUE (integration_id, dedup_key)
);
CREATE INDEX inbound_events_pending ON inbound_events (status, id);

-- Messages waiting to be delivered to a messenger, with their retry state.
CREATE TABLE outbound_queue (
    id INTEGER PRIMARY KEY,
    integration_id BIGINT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    chat_id BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    item_id BIGINT NOT NULL REFERENCES timeline_items (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbound_queue_due ON outbound_queue (status, next_attempt_at);
CREATE INDEX outbound_queue_chat ON outbound_queue (chat_id, id);

-- Durable, bounded log of realtime events: sockets resume from it after a reconnect.
CREATE TABLE event_log (
    -- AUTOINCREMENT: ids never go back, even after the log is pruned empty.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id BIGINT,
    payload TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);

-- Named leases so that exactly one node runs a singleton job (e.g. a bot's poller).
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
