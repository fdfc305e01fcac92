-- Write-back actions (issue 15): every reassign, note and follow-up task asked of Panopticon,
-- with its outcome, kept forever unless `[actions] keep_days` says otherwise.
--
-- The row is written before the CRM is called, under the action's idempotency key, and
-- resolved after: a double click or a retry finds the row and never writes twice, and a
-- restart mid-call finds it pending and resolves it by reading the CRM back.
CREATE TABLE actions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The idempotency key (16 hex digits) the confirmation or form carried.
    key           TEXT NOT NULL UNIQUE,
    lead_id       TEXT NOT NULL,
    -- The lead's name at the time, as people read it in the audit.
    lead_name     TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('reassign', 'note', 'task')),
    -- Who asked: a Discord user id (NULL from the command line) and their name at the time.
    by_discord    TEXT,
    by_name       TEXT NOT NULL,
    via           TEXT NOT NULL CHECK (via IN ('discord', 'cli')),
    -- The lead's owner when asked (CRM user id and name).
    from_id       TEXT,
    from_name     TEXT,
    -- Reassign: the new owner. Task: the owner the task is for.
    to_id         TEXT,
    to_name       TEXT,
    -- Note: its text. Task: its subject.
    body          TEXT,
    -- Task: its due date (YYYY-MM-DD).
    due           TEXT,
    -- Reassign: the lead's Modified_Time as shown (Zoho text with its offset), sent as
    -- If-Unmodified-Since.
    seen_modified TEXT,
    requested_at  TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'done', 'conflict', 'refused', 'failed', 'denied')),
    -- The record written (the lead for a reassign; the note or task).
    crm_id        TEXT,
    -- The CRM's code and reason when it refused, or what went wrong.
    code          TEXT,
    reason        TEXT,
    resolved_at   TEXT,
    -- Calls made to the CRM for this action (a retry of an uncertain write counts).
    attempts      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX actions_lead ON actions(lead_id, requested_at);
CREATE INDEX actions_by ON actions(by_discord, requested_at);
CREATE INDEX actions_requested ON actions(requested_at);
CREATE INDEX actions_pending ON actions(state) WHERE state = 'pending';
