-- Reports read the timeline and deals of a date range.
CREATE INDEX timeline_items_at ON timeline_items (at);
CREATE INDEX deals_created_at ON deals (created_at);
