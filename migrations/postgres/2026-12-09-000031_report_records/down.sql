DROP TRIGGER timeline_items_report ON timeline_items;
DROP FUNCTION tidings_report_chat_stale();
DROP TABLE report_message_slots;
DROP TABLE report_conversations;
DROP TABLE report_chats;
