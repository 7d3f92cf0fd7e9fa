DROP INDEX contacts_phone_trigram;
DROP INDEX contacts_company_trigram;
DROP INDEX contacts_email_trigram;
DROP INDEX contacts_username_trigram;
DROP INDEX contacts_name_trigram;
