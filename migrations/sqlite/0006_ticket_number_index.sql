-- /cx claim 4521 looks tickets up by their helpdesk number alone; the unique index leads with
-- the helpdesk, so without this every command claim scanned the table.
CREATE INDEX tickets_external_id ON tickets (external_id);
