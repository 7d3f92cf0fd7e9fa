-- A deep-link payload that arrived before the chat it belongs to: Viber sends
-- `context` with conversation_started, the chat starts with the first message.
CREATE TABLE pending_referrals (
    customer_id BIGINT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    integration_id BIGINT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    referral TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    PRIMARY KEY (customer_id, integration_id)
);
