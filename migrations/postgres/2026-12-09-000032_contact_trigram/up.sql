-- Contact search (GET /api/v1/contacts?q=) matches a part of the name,
-- username, e-mail or company, or of the phone's digits, anywhere in the text
-- (LIKE '%…%' on the expressions below, server/src/store/crm/contact_book.rs).
-- Trigram indexes let PostgreSQL answer that without reading every contact.
-- Without GIN's pending list (fastupdate): contacts are written one at a time,
-- and until a vacuum a list of recent entries, read by every search, made
-- the planner prefer reading the whole table again.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX contacts_name_trigram ON contacts USING GIN (lower(name) gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX contacts_username_trigram ON contacts USING GIN (lower(username) gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX contacts_email_trigram ON contacts USING GIN (email_key gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX contacts_company_trigram ON contacts USING GIN (lower(company) gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX contacts_phone_trigram ON contacts USING GIN (phone_digits gin_trgm_ops) WITH (fastupdate = off);
