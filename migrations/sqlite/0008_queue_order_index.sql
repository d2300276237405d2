-- Issue 7 (cost of growth). The App Home and /cx queue list the oldest unclaimed tickets in
-- queue order (missed calls first, then priority, then age): tickets_queue is that order, so
-- the list reads its first rows instead of sorting every unclaimed ticket. Its expressions and
-- WHERE must stay exactly those of the query (ClaimStore::unclaimed). It replaces
-- tickets_unclaimed, and tickets_claimed_by only holds claimed tickets now, so neither tempts
-- the planner into reading all unclaimed tickets and sorting them.
DROP INDEX tickets_unclaimed;
DROP INDEX tickets_claimed_by;
CREATE INDEX tickets_claimed_by ON tickets (claimed_by, claimed_at) WHERE claimed_by IS NOT NULL;
CREATE INDEX tickets_queue ON tickets (
    (CASE WHEN kind = 'missed_call' THEN 0 ELSE 1 END),
    (CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END),
    opened_at, id)
WHERE claimed_by IS NULL AND status NOT IN ('solved', 'closed') AND kind <> 'marketing' AND NOT answered;
