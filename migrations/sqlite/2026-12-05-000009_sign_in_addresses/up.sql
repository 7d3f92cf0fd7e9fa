-- Where each account signed in successfully lately: an address that guesses
-- other accounts is throttled, but never for an account it has signed in to.
CREATE TABLE sign_in_addresses (
    email TEXT NOT NULL,
    address TEXT NOT NULL,
    last_success_at TIMESTAMP NOT NULL,
    PRIMARY KEY (email, address)
);
-- Failures are now counted per (account, address).
DROP INDEX login_failures_email;
CREATE INDEX login_failures_pair ON login_failures (email, address, at);
