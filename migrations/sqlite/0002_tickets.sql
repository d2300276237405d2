-- Helpdesk intake: the customers cxbot has seen and one row per helpdesk ticket (its card).
-- Instants are integer unix milliseconds; lists and nested details are JSON text.
CREATE TABLE customers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT,
    email        TEXT,             -- lower-cased: the match key
    phone        TEXT,             -- as the helpdesk wrote it, for display
    phone_key    TEXT,             -- digits only: the match key
    order_id     TEXT,
    helpdesk_ids TEXT    NOT NULL DEFAULT '{}', -- JSON: helpdesk -> the customer's id there
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX customers_email ON customers (email);
CREATE INDEX customers_phone ON customers (phone_key);

CREATE TABLE tickets (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    helpdesk            TEXT    NOT NULL,
    external_id         TEXT    NOT NULL,
    kind                TEXT    NOT NULL, -- card kind: missed_call, missed_chat, social, ...
    status              TEXT    NOT NULL,
    priority            TEXT    NOT NULL,
    subject             TEXT,
    url                 TEXT,
    customer_id         INTEGER REFERENCES customers (id),
    customer_name       TEXT,
    customer_email      TEXT,
    customer_phone      TEXT,
    customer_order_id   TEXT,
    department          TEXT,
    group_name          TEXT,
    tags                TEXT    NOT NULL DEFAULT '[]', -- JSON array of strings
    message             TEXT,
    social              TEXT,             -- JSON: platform, kind, brand
    review              TEXT,             -- JSON: store, rating, app_version, beta
    channel             TEXT    NOT NULL, -- the Slack channel the card is in
    claimed_by          TEXT,             -- Slack user id (claims come with the next issue)
    answered            INTEGER NOT NULL DEFAULT 0, -- a blank missed chat the customer followed up
    customer_replied_at INTEGER,
    missed_calls        INTEGER NOT NULL DEFAULT 0, -- calls folded into this card
    opened_at           INTEGER NOT NULL, -- when the helpdesk opened it (card age)
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    UNIQUE (helpdesk, external_id)
);
CREATE INDEX tickets_customer ON tickets (customer_id, opened_at);
