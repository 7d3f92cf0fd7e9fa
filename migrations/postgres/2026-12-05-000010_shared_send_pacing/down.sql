DROP INDEX outbound_queue_bot_due;
DROP TABLE recent_sends;
