DROP INDEX deals_created_at;
DROP INDEX timeline_items_at;
