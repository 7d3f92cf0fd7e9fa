DROP INDEX canned_replies_personal_shortcut;
DROP INDEX canned_replies_team_shortcut;
DROP TABLE canned_replies;
