-- Issue 7 (performance).
-- A job with a coalesce key is not inserted while an equal one waits unleased: a card
-- re-render or an App Home refresh already queued will show the latest state anyway.
ALTER TABLE jobs ADD COLUMN coalesce_key TEXT;
CREATE INDEX jobs_coalesce ON jobs (coalesce_key) WHERE state = 'pending' AND locked_until IS NULL;
-- When a channel last had a paced call sent: the worker's last check before it calls Slack,
-- so two paced calls never leave less than the pace interval apart, however late a slot ran.
ALTER TABLE pace_slots ADD COLUMN last_sent_at INTEGER;
