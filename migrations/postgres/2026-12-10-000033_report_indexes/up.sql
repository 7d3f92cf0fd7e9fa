-- A report reads a range's conversations by start and their closes by close
-- time. These indexes hold every column those reads take (see the SQLite
-- migration of the same name), so a range can be read by an index-only scan
-- instead of one heap fetch per conversation. The times kept for business
-- hours and exports are left out.
DROP INDEX report_conversations_started;
DROP INDEX report_conversations_closed;
CREATE INDEX report_conversations_started ON report_conversations (started_s) INCLUDE (
    integration_id, chat_id, seq, reopen, closed_s, holder_id, holders,
    first_responder_id, first_response_s, resolution_s, messages_in, messages_out
);
CREATE INDEX report_conversations_closed ON report_conversations (closed_s) INCLUDE (integration_id, holder_id);

-- The managers table counts open chats per manager: from the index alone.
CREATE INDEX chats_status_assignee ON chats (status, assignee_id, integration_id);
-- The funnel counts a range's deals per stage, created by when they were
-- created and won or lost by when they closed, and sums their amounts: from
-- the index alone.
DROP INDEX deals_created_at;
CREATE INDEX deals_created_at ON deals (created_at, stage_id, amount);
CREATE INDEX deals_status_closed ON deals (status, closed_at, stage_id, amount);
