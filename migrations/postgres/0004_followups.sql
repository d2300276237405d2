-- Follow-up cadences: one run per ticket. rev increases with every change; each change
-- schedules exactly one reminder job carrying it, so a stale reminder is a no-op.
CREATE TABLE followups (
    ticket_id     BIGINT PRIMARY KEY REFERENCES tickets (id),
    run           TEXT NOT NULL,      -- JSON: domain::cadence::CadenceRun
    rev           BIGINT NOT NULL,
    active        BIGINT NOT NULL,        -- 1 while the cadence runs
    reminded_step BIGINT,                 -- the step last reminded in this rev
    overdue_at    BIGINT,                 -- end of the reminded step's day while it is not done
    started_by    TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX followups_overdue ON followups (overdue_at) WHERE active = 1;
