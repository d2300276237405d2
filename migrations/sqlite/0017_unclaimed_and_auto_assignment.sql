-- Issue 21, queue features. An unclaimed card is re-announced to the leads once: its due
-- time is set at intake ([unclaimed], per kind) and the team clock's sweep reads the due
-- ones through tickets_unclaimed_due, one indexed range per run, and clears it (told or not).
ALTER TABLE tickets ADD COLUMN unclaimed_due_at INTEGER;
ALTER TABLE tickets ADD COLUMN unclaimed_told_at INTEGER;
-- The claim number an auto-assignment made (the card says "(auto)" while it is current).
ALTER TABLE tickets ADD COLUMN auto_seq INTEGER;
CREATE INDEX tickets_unclaimed_due ON tickets (unclaimed_due_at, id) WHERE unclaimed_due_at IS NOT NULL;

-- Auto-assignment's round robin: who had the last card, shared by every replica and kept
-- across restarts; `turn` counts assignments and guards the update.
CREATE TABLE assignment_turns (
    name      TEXT PRIMARY KEY,
    last_user TEXT,
    turn      INTEGER NOT NULL,
    at        INTEGER NOT NULL
);
