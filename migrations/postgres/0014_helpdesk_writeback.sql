-- Issue 18: two-way helpdesks.
-- A ticket recorded quietly: an event about an old ticket cxbot had never seen (a status
-- change), kept so later events find it, with no card until the customer writes.
ALTER TABLE tickets ADD COLUMN quiet BOOLEAN NOT NULL DEFAULT FALSE;
-- The Slack profile's email (users.info with users:read.email): how a person is matched to
-- their helpdesk agent when the playbook does not name the agent.
ALTER TABLE slack_users ADD COLUMN email TEXT;
-- Slack user <-> helpdesk agent, per helpdesk: from the playbook or found by email.
CREATE TABLE helpdesk_agents (
    user_id    TEXT NOT NULL,
    helpdesk   TEXT NOT NULL,
    agent_id   TEXT NOT NULL,
    email      TEXT,
    source     TEXT NOT NULL,   -- playbook | email
    matched_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, helpdesk)
);
CREATE INDEX helpdesk_agents_by_agent ON helpdesk_agents (helpdesk, agent_id);
-- What cxbot just wrote to a helpdesk, so the webhook the helpdesk sends back for it (the
-- echo) is recognised and changes nothing visible. Each is consumed once or expires.
CREATE TABLE helpdesk_echoes (
    id          BIGSERIAL PRIMARY KEY,
    helpdesk    TEXT NOT NULL,
    external_id TEXT NOT NULL,
    field       TEXT NOT NULL,  -- status | assignee
    value       TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX helpdesk_echoes_by_ticket ON helpdesk_echoes (helpdesk, external_id, field);
-- A helpdesk's requester as its API described them (Zendesk's event mode names only the
-- requester's id): fetched once per requester, then read from here.
CREATE TABLE helpdesk_requesters (
    helpdesk     TEXT NOT NULL,
    requester_id TEXT NOT NULL,
    name         TEXT,
    email        TEXT,
    phone        TEXT,
    fetched_at   BIGINT NOT NULL,
    PRIMARY KEY (helpdesk, requester_id)
);
-- The queue leaves quietly recorded tickets out (db::claims::needs_action).
DROP INDEX tickets_queue;
CREATE INDEX tickets_queue ON tickets (
    (CASE WHEN kind = 'missed_call' THEN 0 ELSE 1 END),
    (CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END),
    opened_at, id)
WHERE claimed_by IS NULL AND status NOT IN ('solved', 'closed') AND kind <> 'marketing' AND NOT answered AND NOT quiet;
