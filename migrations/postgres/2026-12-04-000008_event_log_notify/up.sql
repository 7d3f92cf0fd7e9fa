-- Wake every node's live dispatcher when events are logged: the database sends
-- the notification at commit (one per transaction, identical ones merged), so
-- logging an event no longer costs the server a round trip of its own.
CREATE FUNCTION tidings_event_logged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tidings_events', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER event_log_notify AFTER INSERT ON event_log
    FOR EACH STATEMENT EXECUTE FUNCTION tidings_event_logged();
