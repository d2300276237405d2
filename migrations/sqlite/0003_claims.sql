-- Ownership: claims with a lease, escalations, the audit trail, and the Slack users cxbot
-- has looked up. claim_seq numbers each claim so a timer set for an earlier claim is a no-op.
ALTER TABLE tickets ADD COLUMN claimed_at INTEGER;
ALTER TABLE tickets ADD COLUMN claim_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN last_activity_at INTEGER;
ALTER TABLE tickets ADD COLUMN lease_asked_at INTEGER;
ALTER TABLE tickets ADD COLUMN escalated_to TEXT;
ALTER TABLE tickets ADD COLUMN escalated_by TEXT;
ALTER TABLE tickets ADD COLUMN escalated_at INTEGER;
CREATE INDEX tickets_claimed_by ON tickets (claimed_by, claimed_at);
CREATE INDEX tickets_unclaimed ON tickets (opened_at) WHERE claimed_by IS NULL;

-- Every claim, release, escalation, assignment and lease expiry: who, when, from where.
CREATE TABLE ticket_audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    action    TEXT NOT NULL,
    actor     TEXT NOT NULL,
    target    TEXT,
    source    TEXT NOT NULL,
    detail    TEXT,
    at        INTEGER NOT NULL
);
CREATE INDEX ticket_audit_ticket ON ticket_audit (ticket_id, at);
CREATE INDEX ticket_audit_at ON ticket_audit (at);

CREATE TABLE slack_users (
    user_id    TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    tz         TEXT,
    fetched_at INTEGER NOT NULL
);
