-- A claim's two statements, as cxbot sends them on PostgreSQL (taken from the server's log
-- with log_statement = 'all', 2026-12-06): the ticket read, then the guarded change (the
-- UPDATE, its audit row and five jobs in one WITH). Two differences: the read is by the
-- ticket's id where cxbot reads by its number (`external_id = $1 AND ($2 IS NULL OR helpdesk
-- = $2)`, another one-row index lookup), and, so that every run writes, the guard is
-- `claim_seq >= 0` instead of "this claim number, nobody holds it"; the claimer is one of 100
-- users. A ':' before a letter or digit inside a quoted value is written chr(58): pgbench
-- would take it for a variable. Run against a database holding as many tickets as -D tickets=N says
-- (examples/PERF.md, "PostgreSQL alone").
\set id random(1, :tickets)
\set u random(0, 99)
\set now 1796570588550
SELECT id, helpdesk, external_id, kind, status, priority, subject, url, customer_id,
customer_name, customer_email, customer_phone, customer_order_id, department, group_name, tags,
message, social, review, channel, claimed_by, answered, customer_replied_at, missed_calls,
opened_at, created_at, updated_at, claimed_at, claim_seq, last_activity_at, lease_asked_at,
escalated_to, escalated_by, escalated_at, called_back_by, called_back_at, sla_policy, sla_kind,
sla_budget_ms, sla_used_ms, sla_since, sla_due_at, sla_warn_at, sla_next_at, sla_warned_at,
sla_breached_at, sla_met_at, quiet, unclaimed_due_at, unclaimed_told_at, auto_seq FROM tickets
WHERE id = :id::bigint;
WITH t AS (UPDATE tickets SET claimed_by = 'U' || :u::text, claimed_at = :now::bigint,
last_activity_at = :now::bigint, lease_asked_at = NULL, quiet = FALSE, claim_seq = claim_seq +
1, updated_at = :now::bigint WHERE id = :id::bigint AND claim_seq >= 0 AND status NOT IN
('solved', 'closed') RETURNING *), a AS (INSERT INTO ticket_audit (ticket_id, action, actor,
target, source, detail, at) SELECT t.id, 'claim', 'U' || :u::text, NULL, 'command', NULL,
:now::bigint FROM t), j AS (INSERT INTO jobs (name, payload, run_at, dedupe_key, recurring,
pace_key, paced_at, coalesce_key, state, created_at, updated_at) SELECT v.name, v.payload,
v.run_at, v.dedupe_key, v.recurring, v.pace_key, v.paced_at, v.coalesce_key, 'pending',
:now::bigint, :now::bigint FROM (VALUES ('sync_card', '{"ticket_id":' || :id::text ||
',"channel":"#cx-queue"}', :now::bigint, NULL::text, 0, '#cx-queue', NULL::bigint, 'sync_card:'
|| :id::text), ('send_notice', '{"to":{"to":"thread","channel":"#cx-queue","ticket_id":' ||
:id::text || '},"notice":{"notice":"card_lines","lines":[{"line":"claimed","by":"U' || :u::text
|| '","via":"command"}]}}', :now::bigint, NULL, 0, '#cx-queue', NULL, NULL), ('publish_home',
'{"user":"U' || :u::text || '"}', :now::bigint + 3000, NULL, 0, NULL, NULL, 'publish_home' || chr(58) || 'U' ||
:u::text), ('check_claim_lease', '{"ticket_id":' || :id::text || ',"claim_seq"' || chr(58) || '1}', :now::bigint
+ 7200000, 'lease:' || :id::text || ':' || random(), 0, NULL, NULL, NULL), ('fetch_slack_user',
'{"user":"U' || :u::text || '"}', :now::bigint, 'users.info' || chr(58) || 'U' || :u::text, 0, NULL, NULL,
NULL)) AS v (name, payload, run_at, dedupe_key, recurring, pace_key, paced_at, coalesce_key)
WHERE EXISTS (SELECT 1 FROM t) AND (v.coalesce_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs w
WHERE w.coalesce_key = v.coalesce_key AND w.state = 'pending' AND w.locked_until IS NULL AND
w.attempts = 0 FOR UPDATE)) ON CONFLICT DO NOTHING) SELECT COUNT(*) FROM t;
