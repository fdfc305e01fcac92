-- The sales side of the CRM (issue 16): deals and their stage history, calls / tasks /
-- meetings, accounts and contacts, and what each deal stage means. Same conventions as
-- 0001: ids are TEXT, instants are UTC RFC 3339 text plus the offset the CRM sent them with,
-- dates are YYYY-MM-DD. Money is whole cents (INTEGER), rounded once when read from the CRM.

CREATE TABLE deals (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    stage           TEXT NOT NULL,
    pipeline        TEXT,
    amount_cents    INTEGER,
    probability     INTEGER CHECK (probability BETWEEN 0 AND 100),
    expected_cents  INTEGER,
    closing_date    TEXT,
    account_id      TEXT,
    account_name    TEXT,
    contact_id      TEXT,
    contact_name    TEXT,
    lead_source     TEXT,
    owner_id        TEXT,
    owner_name      TEXT,
    kind            TEXT,
    created_at      TEXT NOT NULL,
    created_offset  INTEGER NOT NULL,
    modified_at     TEXT NOT NULL,
    modified_offset INTEGER NOT NULL,
    -- The Modified_Time at which this deal's stage history was last read; NULL = never.
    history_synced_modified_at TEXT
);
CREATE INDEX deals_owner ON deals(owner_id);
CREATE INDEX deals_closing ON deals(closing_date);

-- A deal's Stage_History, one row per stage it entered. Deleted with its deal.
CREATE TABLE deal_stages (
    id            TEXT PRIMARY KEY,
    deal_id       TEXT NOT NULL,
    stage         TEXT NOT NULL,
    at            TEXT NOT NULL,
    at_offset     INTEGER NOT NULL,
    amount_cents  INTEGER,
    probability   INTEGER,
    closing_date  TEXT,
    by_name       TEXT
);
CREATE INDEX deal_stages_deal ON deal_stages(deal_id, at);

-- Deals whose stage history a run wanted and could not read: owed to the next run.
CREATE TABLE deal_history_due (
    deal_id TEXT PRIMARY KEY
);

CREATE TABLE activities (
    id               TEXT PRIMARY KEY,   -- "Calls:<id>", "Tasks:<id>", "Events:<id>"
    kind             TEXT NOT NULL CHECK (kind IN ('call', 'task', 'meeting')),
    subject          TEXT NOT NULL,
    owner_id         TEXT,
    owner_name       TEXT,
    what_module      TEXT,
    what_id          TEXT,
    what_name        TEXT,
    who_id           TEXT,
    who_name         TEXT,
    at               TEXT,
    at_offset        INTEGER,
    due              TEXT,
    status           TEXT,
    completed_at     TEXT,
    completed_offset INTEGER,
    call_type        TEXT,
    duration_secs    INTEGER,
    created_at       TEXT NOT NULL,
    created_offset   INTEGER NOT NULL,
    modified_at      TEXT NOT NULL,
    modified_offset  INTEGER NOT NULL
);
CREATE INDEX activities_owner ON activities(owner_id, kind);
CREATE INDEX activities_what ON activities(what_module, what_id);

CREATE TABLE accounts (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    owner_id        TEXT,
    owner_name      TEXT,
    industry        TEXT,
    modified_at     TEXT NOT NULL,
    modified_offset INTEGER NOT NULL
);

CREATE TABLE contacts (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    email           TEXT,
    account_id      TEXT,
    account_name    TEXT,
    owner_id        TEXT,
    owner_name      TEXT,
    modified_at     TEXT NOT NULL,
    modified_offset INTEGER NOT NULL
);

-- The stage → probability / deal category mapping, replaced whole when read. pipeline '' is
-- the org-wide mapping (the Stage field's picklist).
CREATE TABLE deal_stage_meta (
    pipeline          TEXT NOT NULL DEFAULT '',
    stage             TEXT NOT NULL,
    sequence          INTEGER NOT NULL,
    probability       INTEGER,
    category          TEXT NOT NULL CHECK (category IN ('open', 'won', 'lost')),
    forecast_category TEXT,
    PRIMARY KEY (pipeline, stage)
);
