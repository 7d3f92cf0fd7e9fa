-- Full-text search over message texts and contact names: the 'simple' parser
-- (no stemming, lower-cases every script) with accents removed, so "manana"
-- finds "Mañana" and "привет" finds "Привет". The index expressions must match
-- the queries in server/src/store/search.rs exactly.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION tidings_search (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION tidings_search
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;

CREATE INDEX timeline_items_search ON timeline_items
    USING GIN (to_tsvector('tidings_search', coalesce(text, '')))
    WHERE kind = 'message';
CREATE INDEX contacts_search ON contacts
    USING GIN (to_tsvector('tidings_search', name));
