-- Issue 16: each ticket's SLA clock (domain::sla::SlaState). No policy: no clock. The sweep
-- reads due warnings and breaches through tickets_sla_next, one indexed range per run.
ALTER TABLE tickets ADD COLUMN sla_policy TEXT;
ALTER TABLE tickets ADD COLUMN sla_kind TEXT;
ALTER TABLE tickets ADD COLUMN sla_budget_ms BIGINT;
ALTER TABLE tickets ADD COLUMN sla_used_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN sla_since BIGINT;
ALTER TABLE tickets ADD COLUMN sla_due_at BIGINT;
ALTER TABLE tickets ADD COLUMN sla_warn_at BIGINT;
ALTER TABLE tickets ADD COLUMN sla_next_at BIGINT;
ALTER TABLE tickets ADD COLUMN sla_warned_at BIGINT;
ALTER TABLE tickets ADD COLUMN sla_breached_at BIGINT;
ALTER TABLE tickets ADD COLUMN sla_met_at BIGINT;
CREATE INDEX tickets_sla_next ON tickets (sla_next_at, id) WHERE sla_next_at IS NOT NULL;
