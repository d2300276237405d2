-- A missed call's callback: who called back and when (the notes are in ticket_audit), so
-- the team never calls the same person back twice.
ALTER TABLE tickets ADD COLUMN called_back_by TEXT;
ALTER TABLE tickets ADD COLUMN called_back_at INTEGER;
