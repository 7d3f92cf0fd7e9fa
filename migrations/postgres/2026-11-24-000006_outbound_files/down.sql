DROP TABLE pending_receipts;
DROP TABLE media_links;
DROP TABLE outbound_parts;
