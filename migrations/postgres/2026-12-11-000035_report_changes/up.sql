-- How often a chat's timeline changed (bumped by the trigger with `stale`): a
-- rebuild reads a chat's facts without holding its row, then writes its
-- records only if `changes` is still what it was before that read, so a
-- writer never waits for a rebuild's reading.
ALTER TABLE report_chats ADD COLUMN changes BIGINT NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION tidings_report_chat_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO report_chats (chat_id) VALUES (OLD.chat_id)
            ON CONFLICT (chat_id) DO UPDATE
            SET stale = TRUE, changes = report_chats.changes + 1;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.chat_id <> OLD.chat_id) THEN
        INSERT INTO report_chats (chat_id) VALUES (NEW.chat_id)
            ON CONFLICT (chat_id) DO UPDATE
            SET stale = TRUE, changes = report_chats.changes + 1;
    END IF;
    RETURN NULL;
END
$$;
