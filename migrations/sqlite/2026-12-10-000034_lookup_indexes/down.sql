DROP INDEX outbound_queue_item;
DROP INDEX chats_contact;
DROP INDEX customer_identities_customer;
