-- Lookups that read a whole table without these, each time:
-- a chat's recipient, found from its customer, for every reply, greeting
-- and auto-reply the outbound worker sends (it read every identity of that
-- messenger, one per customer);
CREATE INDEX customer_identities_customer ON customer_identities (customer_id, channel);
-- a contact's chats (the contact book's pages, a contact's card, merging
-- and erasing contacts);
CREATE INDEX chats_contact ON chats (contact_id);
-- a failed message put back in the queue ("retry").
CREATE INDEX outbound_queue_item ON outbound_queue (item_id);
