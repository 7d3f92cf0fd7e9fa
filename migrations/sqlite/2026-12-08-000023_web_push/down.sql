DROP TABLE push_queue;
DROP TABLE push_subscriptions;
DROP TABLE push_keys;
