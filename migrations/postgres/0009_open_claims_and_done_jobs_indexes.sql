-- Issue 7 (review of the in-place SQLite reads). claimed_by stays set on a solved ticket, so
-- an index of every claimed ticket made ClaimStore::claims_of (each App Home render, each
-- /cx mine) walk an agent's whole claim history to find the open ones. tickets_open_claims
-- holds only open claims; its WHERE must stay that of the query. jobs_done serves the
-- hourly prune of done jobs, which scanned the whole jobs table.
DROP INDEX tickets_claimed_by;
CREATE INDEX tickets_open_claims ON tickets (claimed_by, claimed_at, id)
WHERE claimed_by IS NOT NULL AND status NOT IN ('solved', 'closed');
CREATE INDEX jobs_done ON jobs (updated_at) WHERE state = 'done';
