-- Issue 17: one daily summary per local day (the key makes it once across replicas and
-- restarts).
CREATE TABLE summaries (
    day        TEXT PRIMARY KEY,
    posted_at  INTEGER NOT NULL,
    late       INTEGER NOT NULL
);
