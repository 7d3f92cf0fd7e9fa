-- PostgreSQL only: SQLite has one process, woken directly after each commit.
SELECT 1;
