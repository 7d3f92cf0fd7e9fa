DROP INDEX notifications_unread;
DROP INDEX notifications_user;
DROP TABLE notifications;
DROP TABLE comment_mentions;
