-- Issue 17: leads' directives, each member's acknowledgement (once), and the reminder DMs
-- (at most one a day per directive and person).
CREATE TABLE directives (
    id          BIGSERIAL PRIMARY KEY,
    author      TEXT NOT NULL,
    text        TEXT NOT NULL,
    audience    TEXT NOT NULL,   -- team (cx-only, acknowledged) or all (broader channel)
    until_at    BIGINT,
    ended_at    BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE TABLE directive_acks (
    directive_id BIGINT NOT NULL,
    user_id      TEXT NOT NULL,
    at           BIGINT NOT NULL,
    PRIMARY KEY (directive_id, user_id)
);
CREATE TABLE directive_reminders (
    directive_id BIGINT NOT NULL,
    user_id      TEXT NOT NULL,
    day          TEXT NOT NULL,
    PRIMARY KEY (directive_id, user_id, day)
);
