CREATE OR REPLACE FUNCTION tidings_report_chat_stale() RETURNS trigger LANGUAGE plpgsql AS $$
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

ALTER TABLE report_chats DROP COLUMN changes;
