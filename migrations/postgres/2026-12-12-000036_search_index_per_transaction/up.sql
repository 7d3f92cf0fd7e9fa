-- SQLite only (its full-text indexes are written once per transaction from
-- now on). PostgreSQL's search indexes are expression indexes over the rows
-- themselves, kept by the database: nothing to change.
SELECT 1;
