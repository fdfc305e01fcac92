-- Indexes shaped for the views' snapshot (see store/scan.rs): each holds exactly the columns
-- the views read, in lead order, so loading is a narrow sequential scan with rows already
-- grouped by lead — no table lookups, no sort.
CREATE INDEX leads_stage_converted ON leads(stage, converted);
DROP INDEX leads_stage;
CREATE INDEX stage_changes_scan ON stage_changes(lead_id, changed_at, changed_offset, from_stage, to_stage);
DROP INDEX stage_changes_lead;
CREATE INDEX appointments_scan ON appointments(lead_id, start_at, start_offset, all_day, title);
DROP INDEX appointments_lead;
