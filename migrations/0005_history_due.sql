-- The leads whose stage history a sync still owes: appointed, open and lagging (history unknown
-- or older than the lead's Modified_Time) but not read by the run that left them (a refused
-- timeline, say). Each run rewrites it in its transaction, so a run's candidates are this set
-- plus what it changed — no scan of every lead.
CREATE TABLE history_due (
    lead_id TEXT PRIMARY KEY
) WITHOUT ROWID;

-- What "open" and "appointed" meant when history_due was written ([rules] closed stages,
-- converted handling, [appointments] source). A different value means the set is stale: the
-- next run finds its candidates the slow way once, from every lead. One row.
CREATE TABLE history_due_rules (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL
);
