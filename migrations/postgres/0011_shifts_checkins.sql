-- Issue 16: who is on shift (/cx on, /cx off), the log of shift changes, and the daily
-- check-in prompts (one row per person, local day and prompt; missed ones are listed to the
-- leads once).
CREATE TABLE shifts (
    user_id     TEXT PRIMARY KEY,
    on_since    BIGINT,           -- NULL: off (said /cx off)
    off_at      BIGINT,
    nudged_for  BIGINT,           -- the on_since a "still on?" DM was sent for
    updated_at  BIGINT NOT NULL
);
CREATE TABLE shift_log (
    user_id  TEXT NOT NULL,
    action   TEXT NOT NULL,   -- on, off, late (window start in at)
    at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX shift_log_once ON shift_log (user_id, action, at);
CREATE TABLE checkins (
    user_id     TEXT NOT NULL,
    day         TEXT NOT NULL,  -- the person's local date
    name        TEXT NOT NULL,  -- the prompt ("morning")
    prompted_at BIGINT NOT NULL,
    closes_at   BIGINT NOT NULL,
    checked_at  BIGINT,
    missed_at   BIGINT,
    PRIMARY KEY (user_id, day, name)
);
CREATE INDEX checkins_open ON checkins (closes_at) WHERE checked_at IS NULL AND missed_at IS NULL;
