-- The accountability loop: transition alerts announced once, interventions (nudge, answers,
-- snooze, escalation) kept forever, snoozes, threshold states and subscriptions.

-- One pass of the alerts: claimed before posting, marked after (like the digest's days), so a
-- crash between posting and marking is found in the channel by the pass's id, not posted twice.
CREATE TABLE alert_passes (
    id         INTEGER PRIMARY KEY,
    -- The moment the pass assessed the leads at.
    as_of      TEXT NOT NULL,
    -- baseline: the first pass ever records what is already late without announcing it (the
    -- digest covers those); folded: the items went out in the morning digest instead.
    state      TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'baseline', 'folded', 'skipped')),
    claimed_by TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    sent_at    TEXT,
    message_id TEXT
);

-- Every (lead, appointment, tier) ever announced, with the pass that took it: the primary key
-- is what makes a transition announced exactly once, across restarts, re-syncs and instances.
-- `appointment` is the reference appointment's UTC text for at_risk and stale, and the entry
-- into the green stage for stuck_green (so a new appointment or a new green spell is news).
CREATE TABLE alerts (
    lead_id     TEXT NOT NULL,
    appointment TEXT NOT NULL,
    tier        TEXT NOT NULL CHECK (tier IN ('at_risk', 'stale', 'stuck_green')),
    pass_id     INTEGER NOT NULL REFERENCES alert_passes(id),
    owner_id    TEXT,
    PRIMARY KEY (lead_id, appointment, tier)
) WITHOUT ROWID;
CREATE INDEX alerts_pass ON alerts(pass_id);

-- Everything anyone did about a lead, kept forever: the KPIs (time to intervention, locator
-- response time) are computed from it.
CREATE TABLE interventions (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    lead_id     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN
                    ('nudge', 'followed_up', 'snooze', 'need_help', 'escalation', 'unsnooze', 'acknowledge')),
    -- Who: a Discord user id, or NULL for Panopticon itself (an escalation).
    by_discord  TEXT,
    -- Their name at the time, as people read it.
    by_name     TEXT NOT NULL,
    -- The lead's owner (CRM user id) and locator name at the time.
    owner_id    TEXT,
    locator     TEXT,
    -- The lead's reference appointment at the time (UTC text), if any.
    appointment TEXT,
    note        TEXT,
    -- An answer names the nudge it answers.
    answers     INTEGER REFERENCES interventions(id),
    -- A snooze's expiry (UTC text); NULL with kind 'snooze' means until the next appointment.
    until       TEXT
);
CREATE INDEX interventions_lead ON interventions(lead_id, at);
CREATE INDEX interventions_at ON interventions(at);
-- A lead is escalated once per appointment.
CREATE UNIQUE INDEX interventions_one_escalation ON interventions(lead_id, appointment)
    WHERE kind = 'escalation';

-- The current snooze of a lead (the history is in interventions). It ends at `until`, or when
-- the lead's stage or latest appointment is no longer the one it was snoozed on.
CREATE TABLE snoozes (
    lead_id         TEXT PRIMARY KEY,
    until           TEXT,
    reason          TEXT NOT NULL,
    by_name         TEXT NOT NULL,
    at              TEXT NOT NULL,
    stage           TEXT,
    appointment     TEXT,
    intervention_id INTEGER NOT NULL REFERENCES interventions(id)
) WITHOUT ROWID;

-- Each threshold alert's last state (a rule's key, per locator for per-locator rules): posted
-- once when crossed, once when recovered.
CREATE TABLE threshold_states (
    key     TEXT PRIMARY KEY,
    crossed INTEGER NOT NULL,
    value   REAL NOT NULL,
    since   TEXT NOT NULL,
    pass_id INTEGER
) WITHOUT ROWID;

-- What each person chose to receive, and when (a cron schedule in the business time zone; NULL
-- for "with each alerts pass").
-- AUTOINCREMENT: an id is never reused, so a new subscription never inherits a deleted one's sends.
CREATE TABLE subscriptions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    discord_id TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('team_digest', 'my_alerts', 'weekly_locators')),
    schedule   TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (discord_id, kind)
);

-- Each scheduled send, claimed before sending: exactly once per subscription and slot.
CREATE TABLE subscription_sends (
    subscription_id INTEGER NOT NULL,
    slot            TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'skipped')),
    claimed_by      TEXT NOT NULL,
    claimed_at      TEXT NOT NULL,
    sent_at         TEXT,
    message_id      TEXT,
    PRIMARY KEY (subscription_id, slot)
) WITHOUT ROWID;
