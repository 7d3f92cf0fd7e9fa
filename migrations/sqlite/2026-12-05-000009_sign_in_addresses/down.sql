DROP INDEX login_failures_pair;
CREATE INDEX login_failures_email ON login_failures (email, at);
DROP TABLE sign_in_addresses;
