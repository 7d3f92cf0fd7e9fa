DROP INDEX message_reactions_by_customer;
DROP INDEX message_reactions_by_user;
DROP TABLE message_reactions;
ALTER TABLE timeline_items DROP COLUMN reply_to_text;
