-- The key that signs view states in Discord custom_ids (HMAC-SHA256). One row, made on first
-- use by the bot; deleting it invalidates every button already posted (they answer "expired").
CREATE TABLE view_key (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    key        BLOB NOT NULL CHECK (length(key) = 32),
    created_at TEXT NOT NULL
);
