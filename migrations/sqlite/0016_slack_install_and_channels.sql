-- Issue 21, Slack conventions.
-- Posting is stopped: Slack said the app was uninstalled (app_uninstalled) or its bot token
-- revoked (tokens_revoked). One row at most; while it exists every job that would call
-- Slack is parked with the reason. `cxbot jobs retry` deletes it (posting resumes).
CREATE TABLE slack_stop (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    event TEXT NOT NULL,   -- app_uninstalled | tokens_revoked
    at    INTEGER NOT NULL
);
-- A playbook's #name and the channel id it was resolved to (conversations.list), once:
-- a renamed channel keeps receiving cxbot's posts, and every replica shares the answer.
CREATE TABLE slack_channel_ids (
    name        TEXT PRIMARY KEY,   -- without the #
    channel_id  TEXT NOT NULL,
    resolved_at INTEGER NOT NULL
);
-- A reaction names its message by channel and ts: the card it was added to.
CREATE INDEX slack_messages_by_ts ON slack_messages (ts, channel);
