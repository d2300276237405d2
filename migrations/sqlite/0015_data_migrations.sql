-- Issue 21: data migrations, changes to stored rows that SQL alone cannot make (phone
-- numbers re-keyed to E.164 with libphonenumber's metadata). cxbot runs them at start-up
-- after these SQL migrations; each records its name here in the transaction that makes
-- the change, so it runs once, even when several replicas start together.
CREATE TABLE data_migrations (
    name       TEXT PRIMARY KEY,
    applied_at INTEGER NOT NULL
);
