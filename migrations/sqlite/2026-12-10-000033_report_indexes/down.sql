DROP INDEX report_conversations_started;
DROP INDEX report_conversations_closed;
CREATE INDEX report_conversations_started ON report_conversations (started_s);
CREATE INDEX report_conversations_closed ON report_conversations (closed_s);
DROP INDEX chats_status_assignee;
DROP INDEX deals_status_closed;
DROP INDEX deals_created_at;
CREATE INDEX deals_created_at ON deals (created_at);
