-- 005_create_system_metrics_and_views.sql
-- System metrics, the customer risk score and the six reporting views.
--
-- Rollback (run in one transaction):
--   DROP VIEW IF EXISTS v_campaign_effectiveness, v_overdue_payments, v_customer_communications,
--                       v_agent_performance, v_pending_tasks, v_active_campaigns;
--   DROP FUNCTION IF EXISTS calculate_customer_risk_score(uuid);
--   DROP FUNCTION IF EXISTS customer_risk_factors(uuid, date);
--   DROP FUNCTION IF EXISTS risk_level_for_score(integer);
--   DROP TABLE IF EXISTS system_metrics;
--   DELETE FROM schema_migrations WHERE version = 5;

-- ---------------------------------------------------------------------------
-- system_metrics: time series of system and business metrics. Owner: metrics service.
-- ---------------------------------------------------------------------------
CREATE TABLE system_metrics (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    metric_name text        NOT NULL CHECK (metric_name ~ '^[a-z_][a-z0-9_]{0,127}$'),
    metric_type text        NOT NULL CHECK (metric_type IN ('counter', 'gauge', 'histogram', 'summary')),
    value       numeric     NOT NULL,
    unit        text        CHECK (length(unit) <= 32),
    labels      jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(labels) = 'object'),
    source      text        NOT NULL CHECK (length(btrim(source)) BETWEEN 1 AND 100),
    recorded_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE system_metrics IS 'System and business metrics over time. Owner: metrics service.';

CREATE INDEX idx_system_metrics_name_time ON system_metrics (metric_name, recorded_at DESC);
CREATE INDEX idx_system_metrics_recorded_at ON system_metrics (recorded_at);
CREATE INDEX idx_system_metrics_labels ON system_metrics USING gin (labels);

-- ---------------------------------------------------------------------------
-- Customer risk score (0-100) and the factors behind it. See database/README.md.
--
--   delay          0-35  amount-weighted average days late over invoices that are paid
--                        or past due (paid: paid_date - due_date; unpaid: as_of - due_date),
--                        35 * min(days, 90) / 90
--   exposure       0-25  overdue balance / total invoiced (non-cancelled), 25 * ratio
--   overdue age    0-15  age of the oldest overdue balance, 15 * min(days, 120) / 120
--   broken         0-15  partially paid invoices now past due, 5 points each, at most 15
--   responsiveness 0-10  10 * (1 - response_rate); unknown response rate counts as 0.5
--
-- Level: 0-24 low, 25-49 medium, 50-74 high, 75-100 critical.
-- Amounts in different currencies are summed at face value (a customer is normally
-- invoiced in one currency); only the ratio of amounts matters.
-- ---------------------------------------------------------------------------
CREATE FUNCTION risk_level_for_score(p_score integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE WHEN p_score >= 75 THEN 'critical'
                WHEN p_score >= 50 THEN 'high'
                WHEN p_score >= 25 THEN 'medium'
                ELSE 'low' END;
$$;

CREATE FUNCTION customer_risk_factors(p_customer_id uuid, p_as_of date DEFAULT current_date)
RETURNS TABLE (
    weighted_days_late    numeric,
    delay_points          numeric,
    total_invoiced        numeric,
    overdue_balance       numeric,
    overdue_ratio         numeric,
    exposure_points       numeric,
    oldest_days_overdue   integer,
    age_points            numeric,
    broken_payments       integer,
    broken_points         numeric,
    response_rate         numeric,
    responsiveness_points numeric,
    score                 integer,
    risk_level            text
)
LANGUAGE sql STABLE AS $$
    WITH invoices AS (
        SELECT pr.amount,
               pr.amount - pr.amount_paid AS balance,
               pr.status,
               pr.due_date < p_as_of AND pr.status IN ('pending', 'overdue', 'partial') AS is_overdue,
               CASE WHEN pr.status = 'paid' THEN greatest(pr.paid_date - pr.due_date, 0)
                    WHEN pr.due_date < p_as_of THEN p_as_of - pr.due_date
               END AS days_late
          FROM payment_records pr
         WHERE pr.customer_id = p_customer_id AND pr.status <> 'cancelled'
    ), totals AS (
        SELECT COALESCE(sum(i.amount * i.days_late) / NULLIF(sum(i.amount) FILTER (WHERE i.days_late IS NOT NULL), 0), 0)
                   AS weighted_days_late,
               COALESCE(sum(i.amount), 0)                                    AS total_invoiced,
               COALESCE(sum(i.balance) FILTER (WHERE i.is_overdue), 0)       AS overdue_balance,
               COALESCE(max(i.days_late) FILTER (WHERE i.is_overdue), 0)     AS oldest_days_overdue,
               count(*) FILTER (WHERE i.is_overdue AND i.status = 'partial') AS broken_payments
          FROM invoices i
    ), profile AS (
        SELECT (SELECT cp.response_rate FROM customer_profiles cp WHERE cp.customer_id = p_customer_id) AS response_rate
    ), points AS (
        SELECT t.*, p.response_rate,
               round(35 * least(t.weighted_days_late, 90) / 90, 2)                             AS delay_points,
               COALESCE(round(t.overdue_balance / NULLIF(t.total_invoiced, 0), 4), 0)          AS overdue_ratio,
               round(25 * COALESCE(t.overdue_balance / NULLIF(t.total_invoiced, 0), 0), 2)     AS exposure_points,
               round(15 * least(t.oldest_days_overdue, 120)::numeric / 120, 2)                  AS age_points,
               least(t.broken_payments * 5, 15)::numeric                                        AS broken_points,
               round(10 * (1 - COALESCE(p.response_rate, 0.5)), 2)                              AS responsiveness_points
          FROM totals t CROSS JOIN profile p
    )
    SELECT round(p.weighted_days_late, 2), p.delay_points,
           p.total_invoiced, p.overdue_balance, p.overdue_ratio, p.exposure_points,
           p.oldest_days_overdue::integer, p.age_points,
           p.broken_payments::integer, p.broken_points,
           p.response_rate, p.responsiveness_points,
           s.score, risk_level_for_score(s.score)
      FROM points p
     CROSS JOIN LATERAL (
           SELECT least(100, greatest(0, round(p.delay_points + p.exposure_points + p.age_points
                                               + p.broken_points + p.responsiveness_points)))::integer AS score
     ) s;
$$;

COMMENT ON FUNCTION customer_risk_factors(uuid, date) IS
    'The inputs and points behind a customer''s risk score, as of a date (default today).';

-- calculate_customer_risk_score(customer_id) -> 0..100 (see customer_risk_factors for the formula).
CREATE FUNCTION calculate_customer_risk_score(p_customer_id uuid) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_score integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM customers WHERE id = p_customer_id) THEN
        RAISE EXCEPTION 'customer % does not exist', p_customer_id USING ERRCODE = 'no_data_found';
    END IF;
    SELECT f.score INTO v_score FROM customer_risk_factors(p_customer_id) f;
    RETURN v_score;
END;
$$;

COMMENT ON FUNCTION calculate_customer_risk_score(uuid) IS
    'Risk score 0-100 from payment behaviour and responsiveness; risk_level_for_score() gives its level.';

-- ---------------------------------------------------------------------------
-- Reporting views
-- ---------------------------------------------------------------------------

-- Active and paused campaigns with customer details.
CREATE VIEW v_active_campaigns AS
SELECT c.id                                 AS campaign_id,
       c.name                               AS campaign_name,
       c.status,
       c.current_step,
       jsonb_array_length(c.escalation_steps) AS total_steps,
       c.next_step_at,
       c.started_at,
       c.customer_id,
       cu.company_name,
       cu.contact_name,
       cu.email,
       cp.risk_level,
       cp.risk_score,
       c.created_at,
       c.updated_at
  FROM campaigns c
  JOIN customers cu ON cu.id = c.customer_id
  LEFT JOIN customer_profiles cp ON cp.customer_id = c.customer_id
 WHERE c.status IN ('active', 'paused');

-- Pending and assigned tasks with full context.
CREATE VIEW v_pending_tasks AS
SELECT t.id                 AS task_id,
       t.type,
       t.priority,
       t.status,
       t.scheduled_for,
       t.scheduled_for <= now() AS is_due,
       t.attempts,
       t.max_attempts,
       t.lease_expires_at,
       t.context,
       t.step_index,
       t.customer_id,
       cu.company_name,
       cu.contact_name,
       cp.timezone,
       cp.risk_level,
       t.campaign_id,
       c.name               AS campaign_name,
       t.agent_id,
       a.name               AS agent_name,
       t.created_at
  FROM tasks t
  JOIN customers cu ON cu.id = t.customer_id
  LEFT JOIN customer_profiles cp ON cp.customer_id = t.customer_id
  LEFT JOIN campaigns c ON c.id = t.campaign_id
  LEFT JOIN agents a ON a.id = t.agent_id
 WHERE t.status IN ('pending', 'assigned');

-- Agent performance: task outcomes and contact results per agent.
CREATE VIEW v_agent_performance AS
WITH task_stats AS (
    SELECT t.agent_id,
           count(*)                                               AS total_tasks,
           count(*) FILTER (WHERE t.status = 'completed')         AS completed_tasks,
           count(*) FILTER (WHERE t.status = 'failed')            AS failed_tasks,
           count(*) FILTER (WHERE t.status IN ('assigned', 'in_progress')) AS active_tasks,
           avg(extract(epoch FROM t.completed_at - t.started_at))
               FILTER (WHERE t.status = 'completed' AND t.started_at IS NOT NULL) AS avg_task_seconds,
           max(t.updated_at)                                      AS last_task_at
      FROM tasks t
     WHERE t.agent_id IS NOT NULL
     GROUP BY t.agent_id
), contact_stats AS (
    SELECT ca.agent_id,
           count(*)                                                                    AS contact_attempts,
           count(*) FILTER (WHERE ca.status IN ('delivered', 'opened', 'answered', 'replied')) AS successful_contacts,
           count(*) FILTER (WHERE ca.status IN ('answered', 'replied'))                AS responses,
           avg(ca.duration) FILTER (WHERE ca.channel = 'phone' AND ca.duration IS NOT NULL) AS avg_call_seconds,
           max(ca.attempted_at)                                                        AS last_contact_at
      FROM contact_attempts ca
     WHERE ca.agent_id IS NOT NULL
     GROUP BY ca.agent_id
)
SELECT a.id                                 AS agent_id,
       a.name                               AS agent_name,
       a.type                               AS agent_type,
       a.status                             AS agent_status,
       COALESCE(ts.total_tasks, 0)          AS total_tasks,
       COALESCE(ts.completed_tasks, 0)      AS completed_tasks,
       COALESCE(ts.failed_tasks, 0)         AS failed_tasks,
       COALESCE(ts.active_tasks, 0)         AS active_tasks,
       round(ts.completed_tasks::numeric / NULLIF(ts.completed_tasks + ts.failed_tasks, 0), 4) AS success_rate,
       round(ts.avg_task_seconds::numeric, 1) AS avg_task_seconds,
       COALESCE(cs.contact_attempts, 0)     AS contact_attempts,
       COALESCE(cs.successful_contacts, 0)  AS successful_contacts,
       COALESCE(cs.responses, 0)            AS responses,
       round(cs.responses::numeric / NULLIF(cs.contact_attempts, 0), 4) AS response_rate,
       round(cs.avg_call_seconds, 1)        AS avg_call_seconds,
       greatest(ts.last_task_at, cs.last_contact_at) AS last_activity_at
  FROM agents a
  LEFT JOIN task_stats ts ON ts.agent_id = a.id
  LEFT JOIN contact_stats cs ON cs.agent_id = a.id;

-- Complete communication history across all channels.
CREATE VIEW v_customer_communications AS
SELECT ca.id            AS contact_attempt_id,
       ca.customer_id,
       cu.company_name,
       cu.contact_name,
       ca.channel,
       ca.status,
       ca.attempted_at,
       ca.duration,
       ca.outcome,
       ca.metadata,
       ca.template_id,
       tp.name          AS template_name,
       ca.agent_id,
       a.name           AS agent_name,
       ca.campaign_id,
       c.name           AS campaign_name,
       ca.task_id
  FROM contact_attempts ca
  JOIN customers cu ON cu.id = ca.customer_id
  LEFT JOIN templates tp ON tp.id = ca.template_id
  LEFT JOIN agents a ON a.id = ca.agent_id
  LEFT JOIN campaigns c ON c.id = ca.campaign_id;

-- Overdue payments with customer risk information: every unpaid balance past its due date.
CREATE VIEW v_overdue_payments AS
SELECT pr.id                          AS payment_record_id,
       pr.invoice_number,
       pr.customer_id,
       cu.company_name,
       cu.contact_name,
       cu.email,
       pr.amount,
       pr.amount_paid,
       pr.amount - pr.amount_paid     AS balance,
       pr.currency,
       pr.issued_date,
       pr.due_date,
       (current_date - pr.due_date)   AS days_overdue,
       pr.status,
       cp.risk_level,
       cp.risk_score,
       COALESCE(cp.do_not_contact, false) AS do_not_contact,
       cp.timezone
  FROM payment_records pr
  JOIN customers cu ON cu.id = pr.customer_id
  LEFT JOIN customer_profiles cp ON cp.customer_id = pr.customer_id
 WHERE pr.status IN ('pending', 'overdue', 'partial')
   AND pr.due_date < current_date;

-- Campaign performance and effectiveness.
CREATE VIEW v_campaign_effectiveness AS
WITH task_stats AS (
    SELECT t.campaign_id,
           count(*)                                       AS total_tasks,
           count(*) FILTER (WHERE t.status = 'completed') AS completed_tasks,
           count(*) FILTER (WHERE t.status = 'failed')    AS failed_tasks
      FROM tasks t
     WHERE t.campaign_id IS NOT NULL
     GROUP BY t.campaign_id
), contact_stats AS (
    SELECT ca.campaign_id,
           count(*)                                                                    AS contact_attempts,
           count(*) FILTER (WHERE ca.status IN ('delivered', 'opened', 'answered', 'replied')) AS successful_contacts,
           count(*) FILTER (WHERE ca.status IN ('answered', 'replied'))                AS responses
      FROM contact_attempts ca
     WHERE ca.campaign_id IS NOT NULL
     GROUP BY ca.campaign_id
), money AS (
    SELECT c.id AS campaign_id,
           COALESCE(sum(pr.amount - pr.amount_paid) FILTER (WHERE pr.status IN ('pending', 'overdue', 'partial')), 0)
               AS outstanding_balance,
           count(*) FILTER (WHERE pr.status = 'paid' AND pr.paid_date >= c.started_at::date) AS invoices_paid_since_start,
           COALESCE(sum(pr.amount) FILTER (WHERE pr.status = 'paid' AND pr.paid_date >= c.started_at::date), 0)
               AS amount_paid_since_start
      FROM campaigns c
      LEFT JOIN payment_records pr ON pr.customer_id = c.customer_id
     GROUP BY c.id
)
SELECT c.id                                  AS campaign_id,
       c.name                                AS campaign_name,
       c.status,
       c.customer_id,
       cu.company_name,
       c.current_step,
       jsonb_array_length(c.escalation_steps) AS total_steps,
       c.started_at,
       c.completed_at,
       COALESCE(ts.total_tasks, 0)           AS total_tasks,
       COALESCE(ts.completed_tasks, 0)       AS completed_tasks,
       COALESCE(ts.failed_tasks, 0)          AS failed_tasks,
       COALESCE(cs.contact_attempts, 0)      AS contact_attempts,
       COALESCE(cs.successful_contacts, 0)   AS successful_contacts,
       COALESCE(cs.responses, 0)             AS responses,
       round(cs.responses::numeric / NULLIF(cs.contact_attempts, 0), 4) AS response_rate,
       m.outstanding_balance,
       m.invoices_paid_since_start,
       m.amount_paid_since_start
  FROM campaigns c
  JOIN customers cu ON cu.id = c.customer_id
  LEFT JOIN task_stats ts ON ts.campaign_id = c.id
  LEFT JOIN contact_stats cs ON cs.campaign_id = c.id
  JOIN money m ON m.campaign_id = c.id;
