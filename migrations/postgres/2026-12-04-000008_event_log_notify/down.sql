DROP TRIGGER event_log_notify ON event_log;
DROP FUNCTION tidings_event_logged();
