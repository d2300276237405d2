-- An intake's transaction, as cxbot sends it on PostgreSQL (taken from the server's log with
-- log_statement = 'all', 2026-12-06, after the SLA clock, the unclaimed re-announcement and
-- phone keys): BEGIN; the lookup (the inbox key, the customer upsert, the ticket read FOR
-- UPDATE, a new ticket's id); the customer's other tickets (at most 50, newest first: a blank
-- chat already answered, a repeat missed call); the write (the ticket with its SLA clock, its
-- card job and the customer-contacted job, in one WITH); COMMIT. Each run is a new ticket of
-- one of 1,000 customers, as the load tool's intake. In cxbot the plan between the statements
-- is Rust; here the write takes the lookup's answers through pgbench's \gset (the SLA
-- instants are the ones cxbot computed for a ticket at :now, as offsets; a ':' before a letter
-- inside a quoted value is written chr(58), which pgbench would take for a variable). See
-- examples/PERF.md, "PostgreSQL alone".
\set n random(1, 9000000000000000000)
\set now 1796570565722
BEGIN;
WITH i AS (INSERT INTO event_inbox (event_key, source, received_at) VALUES
(('hook' || chr(58) || 'generic' || chr(58) || 'generic' || chr(58) || :n::text), 'generic'::text, :now::bigint) ON CONFLICT DO NOTHING
RETURNING 1), found AS (SELECT id FROM (SELECT id FROM customers WHERE email = ('c' ||
(:n::bigint % 1000)::text || '@example.com') UNION ALL SELECT id FROM customers WHERE phone_key
= NULL::text) AS matching ORDER BY id LIMIT 1), upd AS (UPDATE customers SET name =
COALESCE(('Customer ' || (:n::bigint % 1000)::text), name), email = COALESCE(('c' || (:n::bigint
% 1000)::text || '@example.com'), email), phone = COALESCE(NULL::text, phone), phone_key =
COALESCE(NULL::text, phone_key), order_id = COALESCE(NULL::text, order_id), updated_at =
:now::bigint WHERE id IN (SELECT id FROM found) AND EXISTS (SELECT 1 FROM i) AND (('c' ||
(:n::bigint % 1000)::text || '@example.com') IS NOT NULL OR NULL::text IS NOT NULL) RETURNING
id), ins AS (INSERT INTO customers (name, email, phone, phone_key, order_id, created_at,
updated_at) SELECT ('Customer ' || (:n::bigint % 1000)::text), ('c' || (:n::bigint % 1000)::text
|| '@example.com'), NULL::text, NULL::text, NULL::text, :now::bigint, :now::bigint WHERE NOT
EXISTS (SELECT 1 FROM found) AND EXISTS (SELECT 1 FROM i) AND (('c' || (:n::bigint % 1000)::text
|| '@example.com') IS NOT NULL OR NULL::text IS NOT NULL) RETURNING id), c AS (SELECT id, FALSE
AS new FROM upd UNION ALL SELECT id, TRUE FROM ins), h AS MATERIALIZED (SELECT (SELECT COUNT(*)
FROM i) AS fresh, (SELECT id FROM c) AS found_customer, COALESCE((SELECT new FROM c), FALSE) AS
new_customer) SELECT id, helpdesk, external_id, kind, status, priority, subject, url,
customer_id, customer_name, customer_email, customer_phone, customer_order_id, department,
group_name, tags, message, social, review, channel, claimed_by, answered, customer_replied_at,
missed_calls, opened_at, created_at, updated_at, claimed_at, claim_seq, last_activity_at,
lease_asked_at, escalated_to, escalated_by, escalated_at, called_back_by, called_back_at,
sla_policy, sla_kind, sla_budget_ms, sla_used_ms, sla_since, sla_due_at, sla_warn_at,
sla_next_at, sla_warned_at, sla_breached_at, sla_met_at, quiet, unclaimed_due_at,
unclaimed_told_at, auto_seq, h.fresh, h.found_customer, h.new_customer, CASE WHEN t.id IS NULL
AND h.fresh = 1 THEN nextval('tickets_id_seq') END AS next_id FROM h LEFT JOIN LATERAL (SELECT *
FROM tickets WHERE helpdesk = 'generic'::text AND external_id = ('x' || :n::text) AND h.fresh =
1 FOR UPDATE) AS t ON TRUE
\gset l_
SELECT id, helpdesk, external_id, kind, status, priority, subject, url, customer_id,
customer_name, customer_email, customer_phone, customer_order_id, department, group_name, tags,
message, social, review, channel, claimed_by, answered, customer_replied_at, missed_calls,
opened_at, created_at, updated_at, claimed_at, claim_seq, last_activity_at, lease_asked_at,
escalated_to, escalated_by, escalated_at, called_back_by, called_back_at, sla_policy, sla_kind,
sla_budget_ms, sla_used_ms, sla_since, sla_due_at, sla_warn_at, sla_next_at, sla_warned_at,
sla_breached_at, sla_met_at, quiet, unclaimed_due_at, unclaimed_told_at, auto_seq FROM tickets
WHERE customer_id = :l_found_customer::bigint AND id <> 0 ORDER BY opened_at DESC, id DESC LIMIT
50;
WITH t AS (INSERT INTO tickets (id, helpdesk, external_id, kind, status, priority, subject, url,
customer_id, customer_name, customer_email, customer_phone, customer_order_id, department,
group_name, tags, message, social, review, channel, claimed_by, answered, customer_replied_at,
missed_calls, opened_at, created_at, updated_at, sla_policy, sla_kind, sla_budget_ms,
sla_used_ms, sla_since, sla_due_at, sla_warn_at, sla_next_at, sla_warned_at, sla_breached_at,
sla_met_at, quiet, unclaimed_due_at) VALUES (:l_next_id::bigint, 'generic'::text, ('x' ||
:n::text), 'email'::text, 'open'::text, 'medium'::text, ('Load test ticket ' || :n::text || ':
where is my order?'), ('https://desk.example.com/tickets/' || :n::text),
:l_found_customer::bigint, ('Customer ' || (:n::bigint % 1000)::text), ('c' || (:n::bigint %
1000)::text || '@example.com'), NULL::text, NULL::text, NULL::text, NULL::text, '[]'::text,
'Hello, I ordered last week and nothing has arrived yet. Can you check?'::text, NULL::text,
NULL::text, '#cx-queue'::text, NULL::text, false, NULL::bigint, 0, :now::bigint, :now::bigint,
:now::bigint, 'medium'::text, 'first'::text, 86400000::bigint, 0::bigint, :now::bigint,
(:now::bigint + 275835000), (:now::bigint + 200235000), (:now::bigint + 200235000),
NULL::bigint, NULL::bigint, NULL::bigint, false, (:now::bigint + 88635000)) RETURNING *), j AS
(INSERT INTO jobs (name, payload, run_at, dedupe_key, recurring, pace_key, paced_at,
coalesce_key, state, created_at, updated_at) SELECT v.name, v.payload, v.run_at, v.dedupe_key,
v.recurring, v.pace_key, v.paced_at, v.coalesce_key, 'pending', :now::bigint, :now::bigint FROM
(VALUES ('sync_card'::text, ('{"ticket_id":' || :l_next_id::text || ',"channel":"#cx-queue"}'),
:now::bigint, NULL::text, 0, '#cx-queue'::text, NULL::bigint, ('sync_card:' ||
:l_next_id::text)), ('customer_contacted'::text, ('{"email":"c' || (:n::bigint % 1000)::text ||
'@example.com","phone_key"' || chr(58) || 'null,"contact":"restart","why":"new email from c' || (:n::bigint %
1000)::text || '@example.com"}'), :now::bigint, NULL::text, 0, NULL::text, NULL::bigint,
NULL::text)) AS v (name, payload, run_at, dedupe_key, recurring, pace_key, paced_at,
coalesce_key) WHERE EXISTS (SELECT 1 FROM t) AND (v.coalesce_key IS NULL OR NOT EXISTS (SELECT 1
FROM jobs w WHERE w.coalesce_key = v.coalesce_key AND w.state = 'pending' AND w.locked_until IS
NULL AND w.attempts = 0 FOR UPDATE)) ON CONFLICT DO NOTHING) SELECT COUNT(*) FROM t;
COMMIT;
