DROP INDEX chats_business;
ALTER TABLE chats DROP COLUMN business_chat_id;
ALTER TABLE chats DROP COLUMN business_connection_id;
DROP TABLE business_connections;
