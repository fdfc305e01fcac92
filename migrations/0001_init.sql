-- The local copy of the CRM. Times are stored twice: `*_at` is the UTC instant as RFC 3339
-- text (so it sorts and compares), `*_offset` the offset in seconds the CRM sent it with (so
-- "10:00 -05:00" can be shown as the rep typed it). Ids are TEXT: Zoho ids overflow i64 sorting
-- habits and are not numbers anyone computes with.

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT,
    status      TEXT
);

CREATE TABLE leads (
    id              TEXT PRIMARY KEY,
    first_name      TEXT,
    last_name       TEXT,
    full_name       TEXT NOT NULL,
    company         TEXT,
    email           TEXT,
    phone           TEXT,
    lead_source     TEXT,
    stage           TEXT,
    locator_id      TEXT,
    locator_name    TEXT,
    converted       INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    created_offset  INTEGER NOT NULL,
    modified_at     TEXT NOT NULL,
    modified_offset INTEGER NOT NULL,
    -- The Modified_Time at which this lead's stage history was last read from the timeline;
    -- NULL = never read. History is re-read only when Modified_Time moves past it.
    history_synced_modified_at TEXT
);
CREATE INDEX leads_stage ON leads(stage);
CREATE INDEX leads_locator ON leads(locator_id);

CREATE TABLE appointments (
    id            TEXT PRIMARY KEY,       -- "<module>:<zoho id>", e.g. "Events:123", "field:<lead id>"
    -- No foreign key: an appointment may arrive before its lead (say the lead record was
    -- unreadable this run). Deleting a lead deletes its appointments explicitly.
    lead_id       TEXT NOT NULL,
    title         TEXT,
    start_at      TEXT NOT NULL,
    start_offset  INTEGER NOT NULL,
    end_at        TEXT,
    end_offset    INTEGER,
    all_day       INTEGER NOT NULL DEFAULT 0,
    status        TEXT
);
CREATE INDEX appointments_lead ON appointments(lead_id, start_at);
CREATE INDEX appointments_start ON appointments(start_at);

CREATE TABLE stage_changes (
    id          TEXT PRIMARY KEY,         -- timeline entry id, or "observed:<lead>:<modified_at>"
    lead_id     TEXT NOT NULL,
    changed_at  TEXT NOT NULL,
    changed_offset INTEGER NOT NULL,
    from_stage  TEXT,
    to_stage    TEXT,
    changed_by  TEXT,
    -- 'timeline' (read from Zoho's audit trail) or 'observed' (the sync saw the stage differ
    -- from the last run and the timeline had nothing; the time is the lead's Modified_Time).
    source      TEXT NOT NULL CHECK (source IN ('timeline', 'observed'))
);
CREATE INDEX stage_changes_lead ON stage_changes(lead_id, changed_at);

-- Per-endpoint watermarks for incremental sync, in the exact text sent as If-Modified-Since.
CREATE TABLE sync_state (
    endpoint    TEXT PRIMARY KEY,
    watermark   TEXT NOT NULL
);

-- Every run, good or bad. A failed run writes only its own row here.
CREATE TABLE sync_runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at    TEXT NOT NULL,
    finished_at   TEXT NOT NULL,
    mode          TEXT NOT NULL CHECK (mode IN ('full', 'incremental')),
    ok            INTEGER NOT NULL,
    error         TEXT,
    created       INTEGER NOT NULL DEFAULT 0,
    updated       INTEGER NOT NULL DEFAULT 0,
    deleted       INTEGER NOT NULL DEFAULT 0,
    stage_changes INTEGER NOT NULL DEFAULT 0,
    appointments  INTEGER NOT NULL DEFAULT 0,
    api_calls     INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    -- Records the CRM sent that could not be read (bad date, no id…), one line each.
    warnings      TEXT NOT NULL DEFAULT '',
    duration_ms   INTEGER NOT NULL DEFAULT 0
);
