-- Counting leads per stage reads only this index (it covers `converted`), not the table.
CREATE INDEX leads_stage_converted ON leads(stage, converted);
DROP INDEX leads_stage;
