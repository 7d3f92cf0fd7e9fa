-- A report reads a range's conversations by start and their closes by close
-- time. With the plain indexes each of a month's 100,000 conversations cost a
-- lookup into the table, page by page across the file (most of the
-- overview's time); these hold every column those reads take, so a range is
-- read from the index alone, in order. The times kept for business hours and
-- exports are left out: those reads still look the table up.
DROP INDEX report_conversations_started;
DROP INDEX report_conversations_closed;
CREATE INDEX report_conversations_started ON report_conversations (
    started_s, integration_id, chat_id, seq, reopen, closed_s, holder_id, holders,
    first_responder_id, first_response_s, resolution_s, messages_in, messages_out
);
CREATE INDEX report_conversations_closed ON report_conversations (closed_s, integration_id, holder_id);

-- The managers table counts open chats per manager: from the index alone.
CREATE INDEX chats_status_assignee ON chats (status, assignee_id, integration_id);
-- The funnel counts a range's deals per stage, created by when they were
-- created and won or lost by when they closed, and sums their amounts: from
-- the index alone.
DROP INDEX deals_created_at;
CREATE INDEX deals_created_at ON deals (created_at, stage_id, amount);
CREATE INDEX deals_status_closed ON deals (status, closed_at, stage_id, amount);
