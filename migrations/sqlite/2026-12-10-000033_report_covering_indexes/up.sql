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
