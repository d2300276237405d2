-- Issue 17: leads' directives, each member's acknowledgement (once), and the reminder DMs
-- (at most one a day per directive and person).
CREATE TABLE directives (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    author      TEXT NOT NULL,
    text        TEXT NOT NULL,
    audience    TEXT NOT NULL,   -- team (cx-only, acknowledged) or all (broader channel)
    until_at    INTEGER,
    ended_at    INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE TABLE directive_acks (
    directive_id INTEGER NOT NULL,
    user_id      TEXT NOT NULL,
    at           INTEGER NOT NULL,
    PRIMARY KEY (directive_id, user_id)
);
CREATE TABLE directive_reminders (
    directive_id INTEGER NOT NULL,
    user_id      TEXT NOT NULL,
    day          TEXT NOT NULL,
    PRIMARY KEY (directive_id, user_id, day)
);
