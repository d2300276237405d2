-- The durable job queue, the idempotency inbox and posted-message bookkeeping.
-- Instants are integer unix milliseconds.
CREATE TABLE jobs (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT   NOT NULL,
    payload      TEXT   NOT NULL,
    run_at       BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    locked_by    TEXT,
    last_error   TEXT,
    dedupe_key   TEXT UNIQUE,
    recurring    BIGINT NOT NULL DEFAULT 0,
    pace_key     TEXT,
    paced_at     BIGINT,
    state        TEXT   NOT NULL DEFAULT 'pending',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state = 'pending';
CREATE UNIQUE INDEX jobs_recurring ON jobs (name, run_at) WHERE recurring = 1;

CREATE TABLE pace_slots (
    pace_key TEXT PRIMARY KEY,
    next_at  BIGINT NOT NULL
);

CREATE TABLE event_inbox (
    event_key   TEXT PRIMARY KEY,
    source      TEXT   NOT NULL,
    received_at BIGINT NOT NULL
);

CREATE TABLE slack_messages (
    msg_key   TEXT PRIMARY KEY,
    channel   TEXT   NOT NULL,
    ts        TEXT   NOT NULL,
    posted_at BIGINT NOT NULL
);
