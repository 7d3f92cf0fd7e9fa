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
