-- Contacts are compared by phone digits and by e-mail in any case (duplicates,
-- search): both keys are kept beside the values as given, indexed.
ALTER TABLE contacts ADD COLUMN phone_digits TEXT;
ALTER TABLE contacts ADD COLUMN email_key TEXT;
UPDATE contacts SET phone_digits = NULLIF(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(
    phone, ' ', ''), '-', ''), '+', ''), '(', ''), ')', ''), '.', ''), '/', ''), '')
    WHERE phone IS NOT NULL;
UPDATE contacts SET email_key = LOWER(email) WHERE email IS NOT NULL;
CREATE INDEX contacts_phone_digits ON contacts (phone_digits);
CREATE INDEX contacts_email_key ON contacts (email_key);
CREATE INDEX customers_contact ON customers (contact_id);
CREATE INDEX tasks_assignee ON tasks (assignee_id, done);
