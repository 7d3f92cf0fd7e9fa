-- Canned replies: team ones (everyone sees them) and personal ones (only
-- their owner does). A shortcut is unique among the team's and among each
-- owner's personal ones; the partial indexes say so to the database, so two
-- managers saving the same shortcut at once cannot both succeed.
CREATE TABLE canned_replies (
    id BIGSERIAL PRIMARY KEY,
    scope TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    shortcut TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX canned_replies_team_shortcut ON canned_replies (shortcut)
    WHERE scope = 'team';
CREATE UNIQUE INDEX canned_replies_personal_shortcut ON canned_replies (owner_id, shortcut)
    WHERE scope = 'personal';
