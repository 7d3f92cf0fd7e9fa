-- Reports' records of each chat's timeline (see server/src/domain/report_records.rs):
-- rebuilt from the stored facts of a chat whenever they changed, never kept
-- as counters beside them. `report_chats.stale` is set by the triggers below
-- in the same transaction as any change to a chat's timeline; a report first
-- rebuilds the stale chats, then reads the records.
CREATE TABLE report_chats (
    chat_id BIGINT PRIMARY KEY,
    stale BOOLEAN NOT NULL DEFAULT TRUE,
    -- Of the last rebuild: where `slots` were added.
    integration_id BIGINT,
    -- The chat's messages per slot and author, as added to report_message_slots.
    slots TEXT NOT NULL DEFAULT ''
);
CREATE INDEX report_chats_stale ON report_chats (stale);

-- One row per conversation (start to close) of a chat, in order (`seq`).
-- `*_s` columns are Unix seconds and wall-clock durations (read without
-- parsing times); the times are kept for business hours and exports.
CREATE TABLE report_conversations (
    chat_id BIGINT NOT NULL,
    seq INTEGER NOT NULL,
    integration_id BIGINT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    started_s BIGINT NOT NULL,
    reopen BOOLEAN NOT NULL,
    closed_at TIMESTAMP,
    closed_s BIGINT,
    holder_id BIGINT,
    holders TEXT NOT NULL,
    first_customer_at TIMESTAMP,
    first_response_at TIMESTAMP,
    first_responder_id BIGINT,
    first_response_s BIGINT,
    resolution_s BIGINT,
    messages_in BIGINT NOT NULL,
    messages_out BIGINT NOT NULL,
    PRIMARY KEY (chat_id, seq)
);
CREATE INDEX report_conversations_started ON report_conversations (started_s);
CREATE INDEX report_conversations_closed ON report_conversations (closed_s);

-- Messages per integration, 15-minute UTC slot (Unix seconds / 900) and
-- author (a manager's id for their messages, 0 otherwise): the sum of
-- report_chats.slots, changed only by rebuilds.
CREATE TABLE report_message_slots (
    slot BIGINT NOT NULL,
    integration_id BIGINT NOT NULL,
    author_id BIGINT NOT NULL,
    messages_in BIGINT NOT NULL,
    messages_out BIGINT NOT NULL,
    messages_auto BIGINT NOT NULL,
    PRIMARY KEY (slot, integration_id, author_id)
);

INSERT INTO report_chats (chat_id) SELECT id FROM chats;

-- The upsert always locks the chat's row, even when it is stale already: a
-- rebuild clearing `stale` waits for the writer's commit and then reads its
-- facts, so no change is missed.
CREATE FUNCTION tidings_report_chat_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO report_chats (chat_id) VALUES (OLD.chat_id)
            ON CONFLICT (chat_id) DO UPDATE SET stale = TRUE;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.chat_id <> OLD.chat_id) THEN
        INSERT INTO report_chats (chat_id) VALUES (NEW.chat_id)
            ON CONFLICT (chat_id) DO UPDATE SET stale = TRUE;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER timeline_items_report
AFTER INSERT OR DELETE OR UPDATE OF chat_id, kind, at, direction, author_id, event, data
ON timeline_items FOR EACH ROW EXECUTE FUNCTION tidings_report_chat_stale();
