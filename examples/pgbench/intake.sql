-- An intake's transaction, as cxbot sends it on PostgreSQL (taken from the server's log
-- with log_statement = 'all', 2026-11-23): BEGIN, the lookup (the inbox key, the customer
-- upsert, the ticket read FOR UPDATE, a new ticket's id), the write (the ticket and its card
-- job in one WITH), COMMIT. Each run is a new ticket of one of 1,000 customers. In cxbot
-- the plan between the two statements is Rust; here the write takes the lookup's answers
-- through pgbench's gset (examples/PERF.md, "PostgreSQL alone").
\set n random(1, 9000000000000000000)
\set now 1795392765839
BEGIN;
WITH i AS (INSERT INTO event_inbox (event_key, source, received_at) VALUES (('hook/generic/' ||
:n::text), 'generic'::text, :now::bigint) ON CONFLICT DO NOTHING RETURNING 1), found AS (SELECT
id FROM (SELECT id FROM customers WHERE email = ('c' || (:n::bigint % 1000)::text || '@example.com')
UNION ALL SELECT id FROM customers WHERE phone_key = NULL::text) AS matching ORDER BY id LIMIT
1), upd AS (UPDATE customers SET name = COALESCE(('Customer ' || (:n::bigint % 1000)::text), name),
email = COALESCE(('c' || (:n::bigint % 1000)::text || '@example.com'), email), phone =
COALESCE(NULL::text, phone), phone_key = COALESCE(NULL::text, phone_key), order_id =
COALESCE(NULL::text, order_id), updated_at = :now::bigint WHERE id IN (SELECT id FROM found) AND
EXISTS (SELECT 1 FROM i) AND (('c' || (:n::bigint % 1000)::text || '@example.com') IS NOT NULL OR
NULL::text IS NOT NULL) RETURNING id), ins AS (INSERT INTO customers (name, email, phone,
phone_key, order_id, created_at, updated_at) SELECT ('Customer ' || (:n::bigint % 1000)::text), ('c' ||
(:n::bigint % 1000)::text || '@example.com'), NULL::text, NULL::text, NULL::text, :now::bigint,
:now::bigint WHERE NOT EXISTS (SELECT 1 FROM found) AND EXISTS (SELECT 1 FROM i) AND (('c' ||
(:n::bigint % 1000)::text || '@example.com') IS NOT NULL OR NULL::text IS NOT NULL) RETURNING id), c AS
(SELECT id, FALSE AS new FROM upd UNION ALL SELECT id, TRUE FROM ins), h AS MATERIALIZED (SELECT
(SELECT COUNT(*) FROM i) AS fresh, (SELECT id FROM c) AS found_customer, COALESCE((SELECT new
FROM c), FALSE) AS new_customer) SELECT h.found_customer AS cust, CASE WHEN t.id IS NULL AND
h.fresh = 1 THEN nextval('tickets_id_seq') END AS tid, t.id AS old FROM h LEFT JOIN LATERAL
(SELECT * FROM tickets WHERE helpdesk = 'generic'::text AND external_id = ('x' || :n::text) AND
h.fresh = 1 FOR UPDATE) AS t ON TRUE
\gset
WITH t AS (INSERT INTO tickets (id, helpdesk, external_id, kind, status, priority, subject, url,
customer_id, customer_name, customer_email, customer_phone, customer_order_id, department,
group_name, tags, message, social, review, channel, claimed_by, answered, customer_replied_at,
missed_calls, opened_at, created_at, updated_at) VALUES (:tid::bigint, 'generic'::text, ('x' ||
:n::text), 'email'::text, 'open'::text, 'medium'::text, ('Load test ticket ' || :n::text || '.
where is my order?'), ('https///desk.example.com/tickets/' || :n::text), :cust::bigint,
('Customer ' || (:n::bigint % 1000)::text), ('c' || (:n::bigint % 1000)::text || '@example.com'), NULL::text,
NULL::text, NULL::text, NULL::text, '[]'::text, 'Hello, I ordered last week and nothing has
arrived yet. Can you check?'::text, NULL::text, NULL::text, '#cx-queue'::text, NULL::text,
false, NULL::bigint, 0, :now::bigint, :now::bigint, :now::bigint) RETURNING *), j AS (INSERT
INTO jobs (name, payload, run_at, dedupe_key, recurring, pace_key, paced_at, coalesce_key,
state, created_at, updated_at) SELECT v.name, v.payload, v.run_at, v.dedupe_key, v.recurring,
v.pace_key, v.paced_at, v.coalesce_key, 'pending', :now::bigint, :now::bigint FROM (VALUES
('sync_card'::text, ('{"ticket_id"/' || :tid::text || '}'), :now::bigint, NULL::text, 0,
'#cx-queue'::text, NULL::bigint, ('sync_card/' || :tid::text))) AS v (name, payload, run_at,
dedupe_key, recurring, pace_key, paced_at, coalesce_key) WHERE EXISTS (SELECT 1 FROM t) AND
(v.coalesce_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs w WHERE w.coalesce_key =
v.coalesce_key AND w.state = 'pending' AND w.locked_until IS NULL AND w.attempts = 0 FOR
UPDATE)) ON CONFLICT DO NOTHING) SELECT COUNT(*) FROM t;
COMMIT;
