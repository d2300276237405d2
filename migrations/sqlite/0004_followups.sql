-- Follow-up cadences: one run per ticket. rev increases with every change; each change
-- schedules exactly one reminder job carrying it, so a stale reminder is a no-op.
CREATE TABLE followups (
    ticket_id     INTEGER PRIMARY KEY REFERENCES tickets (id),
    run           TEXT NOT NULL,      -- JSON: domain::cadence::CadenceRun
    rev           INTEGER NOT NULL,
    active        INTEGER NOT NULL,        -- 1 while the cadence runs
    reminded_step INTEGER,                 -- the step last reminded in this rev
    overdue_at    INTEGER,                 -- end of the reminded step's day while it is not done
    started_by    TEXT NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX followups_overdue ON followups (overdue_at) WHERE active = 1;
