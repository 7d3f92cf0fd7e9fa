DROP INDEX report_conversations_started;
DROP INDEX report_conversations_closed;
CREATE INDEX report_conversations_started ON report_conversations (started_s);
CREATE INDEX report_conversations_closed ON report_conversations (closed_s);
