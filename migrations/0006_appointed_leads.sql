-- Each appointed lead as a list of quiet leads (stale, at risk, awaiting) reads it: the columns
-- the views show (named as in `leads`) and what the list is chosen by — the latest appointment
-- (timed and all-day apart) and the last stage change. One pass over this narrow table gives the
-- candidates of `report stale` with their rows, instead of grouping every appointment, probing
-- every lead's history and looking each lead up in the wide `leads` table (store/scan.rs,
-- LeadScope::Quiet).
--
-- It is derived data: `appointed_leads_of` computes it from the tables, and the triggers below
-- recompute a lead's row whenever anything it is computed from changes, whoever writes. Tests
-- (store/appointed.rs, and after syncs) check the table against the view.
CREATE VIEW appointed_leads_of AS
SELECT a.lead_id AS id,
       max(a.start_at) AS latest_start,
       max(CASE WHEN a.all_day THEN NULL ELSE a.start_at END) AS latest_timed,
       max(CASE WHEN a.all_day THEN a.start_at END) AS latest_all_day,
       (SELECT max(s.changed_at) FROM stage_changes s WHERE s.lead_id = a.lead_id) AS last_change_at,
       l.id IS NOT NULL AS has_lead,
       l.full_name, l.company, l.stage, l.locator_id, l.locator_name,
       coalesce(l.converted, 0) AS converted,
       l.created_at, l.created_offset, l.history_synced_modified_at
FROM appointments a LEFT JOIN leads l ON l.id = a.lead_id
GROUP BY a.lead_id;

CREATE TABLE appointed_leads (
    id                         TEXT PRIMARY KEY,
    latest_start               TEXT NOT NULL,
    latest_timed               TEXT,
    latest_all_day             TEXT,
    last_change_at             TEXT,
    -- 0 while its appointments wait for a lead record not (yet) stored.
    has_lead                   INTEGER NOT NULL,
    full_name                  TEXT,
    company                    TEXT,
    stage                      TEXT,
    locator_id                 TEXT,
    locator_name               TEXT,
    converted                  INTEGER NOT NULL,
    created_at                 TEXT,
    created_offset             INTEGER,
    history_synced_modified_at TEXT
) WITHOUT ROWID;

INSERT INTO appointed_leads SELECT * FROM appointed_leads_of;

-- The triggers keep each lead's row. The writes a sync makes in bulk (a new lead, appointment or
-- stage change; a lead's fields) adjust the row in one seek; the rarer ones that can lower a
-- latest time (an appointment or change moved or deleted) recompute the lead's row from the view,
-- whose WHERE is pushed into its GROUP BY (a few seeks). A lead with no appointment has no row.
CREATE TRIGGER appointments_appointed_insert AFTER INSERT ON appointments BEGIN
    UPDATE appointed_leads SET
        latest_start = max(latest_start, NEW.start_at),
        latest_timed = CASE WHEN NEW.all_day THEN latest_timed ELSE max(coalesce(latest_timed, ''), NEW.start_at) END,
        latest_all_day = CASE WHEN NEW.all_day THEN max(coalesce(latest_all_day, ''), NEW.start_at) ELSE latest_all_day END
    WHERE id = NEW.lead_id;
    -- The lead's first appointment: its whole row.
    INSERT INTO appointed_leads SELECT * FROM appointed_leads_of
    WHERE id = NEW.lead_id AND NOT EXISTS (SELECT 1 FROM appointed_leads WHERE id = NEW.lead_id);
END;
CREATE TRIGGER appointments_appointed_update AFTER UPDATE OF lead_id, start_at, all_day ON appointments
WHEN OLD.lead_id IS NOT NEW.lead_id OR OLD.start_at IS NOT NEW.start_at OR OLD.all_day IS NOT NEW.all_day BEGIN
    DELETE FROM appointed_leads WHERE id IN (OLD.lead_id, NEW.lead_id);
    INSERT INTO appointed_leads SELECT * FROM appointed_leads_of WHERE id IN (OLD.lead_id, NEW.lead_id);
END;
CREATE TRIGGER appointments_appointed_delete AFTER DELETE ON appointments BEGIN
    DELETE FROM appointed_leads WHERE id = OLD.lead_id;
    INSERT INTO appointed_leads SELECT * FROM appointed_leads_of WHERE id = OLD.lead_id;
END;

CREATE TRIGGER stage_changes_appointed_insert AFTER INSERT ON stage_changes BEGIN
    UPDATE appointed_leads SET last_change_at = max(coalesce(last_change_at, ''), NEW.changed_at)
    WHERE id = NEW.lead_id;
END;
CREATE TRIGGER stage_changes_appointed_update AFTER UPDATE OF lead_id, changed_at ON stage_changes
WHEN OLD.lead_id IS NOT NEW.lead_id OR OLD.changed_at IS NOT NEW.changed_at BEGIN
    UPDATE appointed_leads
    SET last_change_at = (SELECT max(s.changed_at) FROM stage_changes s WHERE s.lead_id = appointed_leads.id)
    WHERE id IN (OLD.lead_id, NEW.lead_id);
END;
CREATE TRIGGER stage_changes_appointed_delete AFTER DELETE ON stage_changes BEGIN
    UPDATE appointed_leads SET last_change_at = (SELECT max(changed_at) FROM stage_changes WHERE lead_id = OLD.lead_id)
    WHERE id = OLD.lead_id;
END;

-- A lead's own fields: copied onto its row, if it has one (ids never change; if one did, the old
-- id's row would be recomputed as lead-less and the new one's filled).
CREATE TRIGGER leads_appointed_insert AFTER INSERT ON leads BEGIN
    UPDATE appointed_leads SET has_lead = 1, full_name = NEW.full_name, company = NEW.company, stage = NEW.stage,
        locator_id = NEW.locator_id, locator_name = NEW.locator_name, converted = NEW.converted,
        created_at = NEW.created_at, created_offset = NEW.created_offset,
        history_synced_modified_at = NEW.history_synced_modified_at
    WHERE id = NEW.id;
END;
CREATE TRIGGER leads_appointed_update
    AFTER UPDATE OF id, full_name, company, stage, locator_id, locator_name, converted, created_at, created_offset,
                    history_synced_modified_at ON leads BEGIN
    UPDATE appointed_leads SET has_lead = 0, full_name = NULL, company = NULL, stage = NULL, locator_id = NULL,
        locator_name = NULL, converted = 0, created_at = NULL, created_offset = NULL, history_synced_modified_at = NULL
    WHERE id = OLD.id AND OLD.id IS NOT NEW.id;
    UPDATE appointed_leads SET has_lead = 1, full_name = NEW.full_name, company = NEW.company, stage = NEW.stage,
        locator_id = NEW.locator_id, locator_name = NEW.locator_name, converted = NEW.converted,
        created_at = NEW.created_at, created_offset = NEW.created_offset,
        history_synced_modified_at = NEW.history_synced_modified_at
    WHERE id = NEW.id;
END;
CREATE TRIGGER leads_appointed_delete AFTER DELETE ON leads BEGIN
    UPDATE appointed_leads SET has_lead = 0, full_name = NULL, company = NULL, stage = NULL, locator_id = NULL,
        locator_name = NULL, converted = 0, created_at = NULL, created_offset = NULL, history_synced_modified_at = NULL
    WHERE id = OLD.id;
END;
