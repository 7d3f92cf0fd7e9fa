DROP TRIGGER timeline_items_report_delete;
DROP TRIGGER timeline_items_report_update;
DROP TRIGGER timeline_items_report_insert;
DROP TABLE report_message_slots;
DROP TABLE report_conversations;
DROP TABLE report_chats;
