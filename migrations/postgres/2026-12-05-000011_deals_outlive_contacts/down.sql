-- Deals of erased contacts have no contact to point at; they cannot stay.
DROP INDEX deals_contact;
DELETE FROM deals WHERE contact_id IS NULL;
ALTER TABLE deals ALTER COLUMN contact_id SET NOT NULL;
