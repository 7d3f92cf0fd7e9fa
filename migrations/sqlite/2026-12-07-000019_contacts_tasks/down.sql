DROP INDEX tasks_assignee;
DROP INDEX customers_contact;
DROP INDEX contacts_email_key;
DROP INDEX contacts_phone_digits;
ALTER TABLE contacts DROP COLUMN email_key;
ALTER TABLE contacts DROP COLUMN phone_digits;
