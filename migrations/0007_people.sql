-- People: who each Discord member is in the CRM (linked by a coordinator), and what the CRM's
-- role hierarchy says about teams (a manager sees the users below their role).

-- A user's role and user-level manager (Zoho `role`, `Reporting_To`), from each sync.
ALTER TABLE users ADD COLUMN role_id TEXT;
ALTER TABLE users ADD COLUMN reporting_to_id TEXT;

-- The CRM's roles (Zoho `GET /settings/roles`): a tree through `reporting_to` (the parent role).
CREATE TABLE crm_roles (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    reporting_to TEXT
);

-- One row per Discord member ever linked: the current link. A member who left the guild keeps
-- the row with `left_at` set (hidden from views, back if they return); /unlink deletes it.
CREATE TABLE people (
    discord_id      TEXT PRIMARY KEY,
    crm_user_id     TEXT NOT NULL,
    linked_by       TEXT NOT NULL,
    linked_at       TEXT NOT NULL,
    -- Opted in to the personal morning DM ([digest] personal offers it).
    personal_digest INTEGER NOT NULL DEFAULT 0,
    left_at         TEXT
);
-- A CRM user is one member at a time (mentions and /whoami must be unambiguous).
CREATE UNIQUE INDEX people_crm_user ON people(crm_user_id) WHERE left_at IS NULL;

-- Everything that happened to links, kept forever: who did what to whom, when.
CREATE TABLE people_log (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    discord_id  TEXT NOT NULL,
    crm_user_id TEXT,
    action      TEXT NOT NULL CHECK (action IN ('link', 'unlink', 'left', 'returned', 'digest_on', 'digest_off')),
    by          TEXT NOT NULL
);

-- Personal morning DMs, claimed like the team digest: one per member per day, across restarts.
CREATE TABLE personal_digests (
    date       TEXT NOT NULL,
    discord_id TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'skipped')),
    claimed_by TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    sent_at    TEXT,
    message_id TEXT,
    PRIMARY KEY (date, discord_id)
) WITHOUT ROWID;
