DROP INDEX contacts_search;
DROP INDEX timeline_items_search;
DROP TEXT SEARCH CONFIGURATION tidings_search;
