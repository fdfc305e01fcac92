-- One row per digest day (local date in the business zone). A row is claimed before the digest
-- is sent and marked sent after, so two instances never both send, and a crash between the two
-- is visible (a claim that never became 'sent').
CREATE TABLE digests (
    date        TEXT PRIMARY KEY,
    state       TEXT NOT NULL CHECK (state IN ('claimed', 'sent')),
    claimed_by  TEXT NOT NULL,
    claimed_at  TEXT NOT NULL,
    sent_at     TEXT,
    message_id  TEXT,
    -- What it said, for tomorrow's ▲/▼ and "new since yesterday".
    stale       INTEGER,
    at_risk     INTEGER,
    today       INTEGER,
    stuck       INTEGER,
    stale_ids   TEXT NOT NULL DEFAULT '',
    at_risk_ids TEXT NOT NULL DEFAULT ''
);
