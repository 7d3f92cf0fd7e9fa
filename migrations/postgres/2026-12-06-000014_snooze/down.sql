DROP INDEX chat_snoozes_until;
DROP TABLE chat_snoozes;
