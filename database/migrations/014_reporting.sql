-- 014_reporting.sql
-- What the metrics service's ReportService reads: money per currency (never summed across
-- currencies), receivables at a date, aging buckets, the dashboard's DSO, CEI and at-risk rate,
-- contact outcomes by channel and recovery per campaign step. Every figure is defined in words
-- in services/metrics/README.md ("Reports"), next to the SQL below. Owner: metrics service
-- (read only: it owns none of the tables read here).
--
-- Definitions used throughout:
--   * Dates are UTC calendar dates, as every due date is (libs/validation todayUtc). A period
--     [p_from, p_to) is whole days: p_from is its first day, p_to the day after its last.
--   * A cancelled invoice is void from the start: it is in no figure of any date or period
--     (not even those before it was cancelled), and neither are payments recorded on it. A
--     cancellation is a credit note, so it never shows up as money collected.
--   * A payment is received on its paid_date (payments, migration 007). Money an invoice's
--     amount_paid shows beyond its ledger rows (rows written before 007, or by hand) is one
--     payment received on the invoice's paid_date, else the UTC date of its last_payment_at,
--     else of its updated_at (v_report_invoice_payments).
--   * The receivables at the close of day D are, per invoice issued on or before D: its
--     amount minus the payments received on or before D, when more than zero. Its days past
--     due at the close of D are D - due_date (0 on the due date itself, negative before).
--   * Aging buckets by days past due: current (0 or less: not yet past due), 1-30, 31-60,
--     61-90, over 90 (91 and more).
--
-- Grants: metrics_svc gets EXECUTE on the report_* functions and SELECT on v_campaign_recovery,
-- nothing else. The functions are SECURITY DEFINER (owned by the migration role, search_path
-- pinned) because they read tables metrics_svc has no grant on; they only read.
--
-- Rollback (run in one transaction):
--   DROP FUNCTION IF EXISTS report_step_recovery(timestamptz, timestamptz, integer),
--                           report_contact_outcomes(timestamptz, timestamptz),
--                           report_receivables_summary(date, date),
--                           report_overdue_aging(date),
--                           report_receivables_at(date),
--                           report_aging_bucket(integer);
--   DROP VIEW IF EXISTS v_campaign_recovery, v_report_invoice_payments;
--   DELETE FROM schema_migrations WHERE version = 14;

-- ---------------------------------------------------------------------------
-- v_report_invoice_payments: every payment received on an invoice, with its date.
-- Internal (no service role reads it directly).
-- ---------------------------------------------------------------------------
CREATE VIEW v_report_invoice_payments AS
SELECT p.payment_record_id, p.amount, p.paid_date
  FROM payments p
UNION ALL
-- What amount_paid shows beyond the ledger: one payment on the invoice's paid date (or the
-- day of its last payment, or of its last change).
SELECT pr.id,
       pr.amount_paid - COALESCE(l.total, 0),
       COALESCE(pr.paid_date, (pr.last_payment_at AT TIME ZONE 'UTC')::date, (pr.updated_at AT TIME ZONE 'UTC')::date)
  FROM payment_records pr
  LEFT JOIN (SELECT payment_record_id, sum(amount) AS total FROM payments GROUP BY payment_record_id) l
         ON l.payment_record_id = pr.id
 WHERE pr.amount_paid > COALESCE(l.total, 0);

COMMENT ON VIEW v_report_invoice_payments IS
    'Payments received per invoice and date: the payments ledger, plus amount_paid not in the ledger as one payment. Read by the report_* functions.';

-- ---------------------------------------------------------------------------
-- Aging bucket of a number of days past due.
-- ---------------------------------------------------------------------------
CREATE FUNCTION report_aging_bucket(p_days_past_due integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE WHEN p_days_past_due <= 0  THEN 'current'
                WHEN p_days_past_due <= 30 THEN '1_30'
                WHEN p_days_past_due <= 60 THEN '31_60'
                WHEN p_days_past_due <= 90 THEN '61_90'
                ELSE 'over_90' END;
$$;

COMMENT ON FUNCTION report_aging_bucket(integer) IS
    'current (<= 0 days past due), 1_30, 31_60, 61_90, over_90 (91 and more).';

-- ---------------------------------------------------------------------------
-- report_receivables_at(D): every invoice with money owed at the close of day D.
-- ---------------------------------------------------------------------------
CREATE FUNCTION report_receivables_at(p_as_of date)
RETURNS TABLE (
    payment_record_id uuid,
    invoice_number    text,
    customer_id       uuid,
    currency          text,
    amount            numeric,
    received          numeric,
    balance           numeric,
    due_date          date,
    days_past_due     integer,
    aging_bucket      text
)
LANGUAGE sql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT i.id, i.invoice_number, i.customer_id, i.currency::text, i.amount, i.received,
           i.amount - i.received, i.due_date, p_as_of - i.due_date,
           public.report_aging_bucket(p_as_of - i.due_date)
      FROM (SELECT pr.id, pr.invoice_number, pr.customer_id, pr.currency, pr.amount, pr.due_date,
                   COALESCE(rc.total, 0) AS received
              FROM public.payment_records pr
              LEFT JOIN (SELECT ip.payment_record_id, sum(ip.amount) AS total
                           FROM public.v_report_invoice_payments ip
                          WHERE ip.paid_date <= p_as_of
                          GROUP BY ip.payment_record_id) rc ON rc.payment_record_id = pr.id
             WHERE pr.status <> 'cancelled' AND pr.issued_date <= p_as_of) i
     WHERE i.amount - i.received > 0;
$$;

COMMENT ON FUNCTION report_receivables_at(date) IS
    'Invoices (not cancelled) issued on or before D with amount - payments received on or before D > 0, their days past due (D - due_date) and aging bucket.';

-- ---------------------------------------------------------------------------
-- report_overdue_aging(D): receivables at the close of D per currency and aging bucket; every
-- bucket of every currency that has receivables, empty ones with 0.
-- ---------------------------------------------------------------------------
CREATE FUNCTION report_overdue_aging(p_as_of date)
RETURNS TABLE (currency text, aging_bucket text, invoices bigint, balance numeric)
LANGUAGE sql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    WITH r AS (SELECT * FROM public.report_receivables_at(p_as_of)),
         buckets (aging_bucket, position) AS (
             VALUES ('current', 0), ('1_30', 1), ('31_60', 2), ('61_90', 3), ('over_90', 4))
    SELECT c.currency, b.aging_bucket, count(r.payment_record_id), COALESCE(sum(r.balance), 0)
      FROM (SELECT DISTINCT r.currency FROM r) c
     CROSS JOIN buckets b
      LEFT JOIN r ON r.currency = c.currency AND r.aging_bucket = b.aging_bucket
     GROUP BY c.currency, b.aging_bucket, b.position
     ORDER BY c.currency, b.position;
$$;

COMMENT ON FUNCTION report_overdue_aging(date) IS
    'Receivables at the close of D per currency and aging bucket (count of invoices, balance); empty buckets as 0.';

-- ---------------------------------------------------------------------------
-- report_receivables_summary(p_from, p_to): the dashboard's money per currency for the period
-- [p_from, p_to) (whole UTC days).
--   beginning  receivables at the close of p_from - 1
--   ending     receivables at the close of p_to - 1 (the period's last day); split into
--              current (not past due), overdue (1+ days past due) and over 90 days past due
--   sales      amounts of the invoices issued in the period (credit sales)
--   collected  beginning + sales - ending
--   DSO        standard method: ending / sales * days in the period (1 decimal); NULL without sales
--   CEI        (beginning + sales - ending) / (beginning + sales - ending current) * 100 (2 decimals)
--   at risk    over 90 / ending * 100 (2 decimals)
-- ---------------------------------------------------------------------------
CREATE FUNCTION report_receivables_summary(p_from date, p_to date)
RETURNS TABLE (
    currency              text,
    days_in_period        integer,
    beginning_receivables numeric,
    credit_sales          numeric,
    ending_receivables    numeric,
    ending_current        numeric,
    ending_overdue        numeric,
    ending_over_90        numeric,
    collected             numeric,
    dso_days              numeric,
    cei_percent           numeric,
    at_risk_percent       numeric
)
LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF p_to <= p_from THEN
        RAISE EXCEPTION 'report_receivables_summary: the period must end after it starts, got [%, %)', p_from, p_to
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    WITH beginning AS (
        SELECT b.currency, sum(b.balance) AS total
          FROM public.report_receivables_at(p_from - 1) b GROUP BY b.currency
    ), ending AS (
        SELECT e.currency,
               sum(e.balance)                                        AS total,
               COALESCE(sum(e.balance) FILTER (WHERE e.aging_bucket = 'current'), 0)  AS current_part,
               COALESCE(sum(e.balance) FILTER (WHERE e.aging_bucket <> 'current'), 0) AS overdue_part,
               COALESCE(sum(e.balance) FILTER (WHERE e.aging_bucket = 'over_90'), 0)  AS over_90_part
          FROM public.report_receivables_at(p_to - 1) e GROUP BY e.currency
    ), sales AS (
        SELECT pr.currency::text AS currency, sum(pr.amount) AS total
          FROM public.payment_records pr
         WHERE pr.status <> 'cancelled' AND pr.issued_date >= p_from AND pr.issued_date < p_to
         GROUP BY pr.currency
    ), figures AS (
        SELECT c.currency,
               COALESCE(b.total, 0)        AS beg,
               COALESCE(s.total, 0)        AS sal,
               COALESCE(e.total, 0)        AS en,
               COALESCE(e.current_part, 0) AS en_current,
               COALESCE(e.overdue_part, 0) AS en_overdue,
               COALESCE(e.over_90_part, 0) AS en_over_90
          FROM (SELECT beginning.currency FROM beginning UNION SELECT ending.currency FROM ending
                UNION SELECT sales.currency FROM sales) c
          LEFT JOIN beginning b ON b.currency = c.currency
          LEFT JOIN ending e ON e.currency = c.currency
          LEFT JOIN sales s ON s.currency = c.currency
    )
    SELECT f.currency,
           p_to - p_from,
           f.beg, f.sal, f.en, f.en_current, f.en_overdue, f.en_over_90,
           f.beg + f.sal - f.en,
           round(f.en / NULLIF(f.sal, 0) * (p_to - p_from), 1),
           round((f.beg + f.sal - f.en) / NULLIF(f.beg + f.sal - f.en_current, 0) * 100, 2),
           round(f.en_over_90 / NULLIF(f.en, 0) * 100, 2)
      FROM figures f
     ORDER BY f.currency;
END;
$$;

COMMENT ON FUNCTION report_receivables_summary(date, date) IS
    'Per currency for [p_from, p_to): beginning and ending receivables, credit sales, collected, standard DSO, CEI, at-risk rate.';

-- ---------------------------------------------------------------------------
-- report_contact_outcomes(p_from, p_to): contact attempts made in [p_from, p_to) per channel
-- and status. reached = delivered, opened, answered or replied; responded = answered or
-- replied (as v_agent_performance counts them).
-- ---------------------------------------------------------------------------
CREATE FUNCTION report_contact_outcomes(p_from timestamptz, p_to timestamptz)
RETURNS TABLE (
    channel   text,
    attempts  bigint,
    sent      bigint,
    delivered bigint,
    opened    bigint,
    answered  bigint,
    replied   bigint,
    bounced   bigint,
    failed    bigint,
    reached   bigint,
    responded bigint
)
LANGUAGE sql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT ca.channel,
           count(*),
           count(*) FILTER (WHERE ca.status = 'sent'),
           count(*) FILTER (WHERE ca.status = 'delivered'),
           count(*) FILTER (WHERE ca.status = 'opened'),
           count(*) FILTER (WHERE ca.status = 'answered'),
           count(*) FILTER (WHERE ca.status = 'replied'),
           count(*) FILTER (WHERE ca.status = 'bounced'),
           count(*) FILTER (WHERE ca.status = 'failed'),
           count(*) FILTER (WHERE ca.status IN ('delivered', 'opened', 'answered', 'replied')),
           count(*) FILTER (WHERE ca.status IN ('answered', 'replied'))
      FROM public.contact_attempts ca
     WHERE ca.attempted_at >= p_from AND ca.attempted_at < p_to
     GROUP BY ca.channel
     ORDER BY ca.channel;
$$;

COMMENT ON FUNCTION report_contact_outcomes(timestamptz, timestamptz) IS
    'Contact attempts made in [p_from, p_to) per channel: count per status, reached, responded.';

-- ---------------------------------------------------------------------------
-- report_step_recovery(p_from, p_to, N): per campaign step number (step_index + 1), the steps
-- that made a contact task (outcome task_created or fell_back) in [p_from, p_to), and the
-- payments credited to them per currency. A payment on an invoice a campaign chases
-- (campaign_invoices) is credited to the latest such step of any campaign chasing that invoice
-- taken on or before the payment's date (UTC day of the step), when it was received within N
-- days: step day <= paid_date < step day + N. Each payment is credited to one step at most.
-- One row per step number and currency; a step number with nothing credited has one row with
-- currency NULL.
-- ---------------------------------------------------------------------------
CREATE FUNCTION report_step_recovery(p_from timestamptz, p_to timestamptz, p_window_days integer)
RETURNS TABLE (step_number integer, steps_taken bigint, currency text, payments bigint, recovered numeric)
LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF p_to <= p_from THEN
        RAISE EXCEPTION 'report_step_recovery: the period must end after it starts, got [%, %)', p_from, p_to
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_window_days < 1 OR p_window_days > 366 THEN
        RAISE EXCEPTION 'report_step_recovery: the window must be 1-366 days, got %', p_window_days
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    WITH steps AS (
        SELECT r.id, r.campaign_id, r.step_index, r.created_at,
               (r.created_at AT TIME ZONE 'UTC')::date AS step_day
          FROM public.campaign_step_runs r
         WHERE r.outcome IN ('task_created', 'fell_back')
    ), taken AS (
        SELECT s.step_index, count(*) AS n
          FROM steps s
         WHERE s.created_at >= p_from AND s.created_at < p_to
         GROUP BY s.step_index
    ), paid AS (
        SELECT ip.payment_record_id, ip.amount, ip.paid_date, pr.currency::text AS currency
          FROM public.v_report_invoice_payments ip
          JOIN public.payment_records pr ON pr.id = ip.payment_record_id AND pr.status <> 'cancelled'
         WHERE ip.paid_date >= (p_from AT TIME ZONE 'UTC')::date
           AND ip.paid_date < (p_to AT TIME ZONE 'UTC')::date + p_window_days
    ), credited AS (
        SELECT s.step_index, p.currency, p.amount
          FROM paid p
         CROSS JOIN LATERAL (
               SELECT s.id, s.step_index, s.created_at, s.step_day
                 FROM steps s
                 JOIN public.campaign_invoices ci ON ci.campaign_id = s.campaign_id AND ci.invoice_id = p.payment_record_id
                WHERE s.step_day <= p.paid_date
                ORDER BY s.created_at DESC, s.id DESC
                LIMIT 1) s
         WHERE p.paid_date < s.step_day + p_window_days
           AND s.created_at >= p_from AND s.created_at < p_to
    ), sums AS (
        SELECT c.step_index, c.currency, count(*) AS n, sum(c.amount) AS total
          FROM credited c GROUP BY c.step_index, c.currency
    )
    SELECT t.step_index + 1, t.n, su.currency, COALESCE(su.n, 0), COALESCE(su.total, 0)
      FROM taken t
      LEFT JOIN sums su ON su.step_index = t.step_index
     ORDER BY t.step_index, su.currency;
END;
$$;

COMMENT ON FUNCTION report_step_recovery(timestamptz, timestamptz, integer) IS
    'Per step number: contact steps taken in [p_from, p_to) and, per currency, the payments received within N days credited to them (latest step first, each payment once).';

-- ---------------------------------------------------------------------------
-- v_campaign_recovery: the money of each campaign per currency, over the invoices it chases
-- (campaign_invoices, cancelled ones left out). outstanding = what is owed on them now;
-- recovered_since_start = payments received on them on or after the campaign's start day (UTC).
-- (v_campaign_effectiveness's money columns add up every invoice of the customer in every
-- currency; the reports use this view instead.)
-- ---------------------------------------------------------------------------
CREATE VIEW v_campaign_recovery AS
SELECT ci.campaign_id,
       pr.currency::text                                                  AS currency,
       count(*)                                                           AS invoices,
       sum(pr.amount)                                                     AS invoiced,
       sum(pr.amount - pr.amount_paid)                                    AS outstanding,
       COALESCE(sum(rec.total), 0)                                        AS recovered_since_start
  FROM campaign_invoices ci
  JOIN campaigns c ON c.id = ci.campaign_id
  JOIN payment_records pr ON pr.id = ci.invoice_id AND pr.status <> 'cancelled'
  LEFT JOIN LATERAL (
        SELECT sum(ip.amount) AS total
          FROM v_report_invoice_payments ip
         WHERE ip.payment_record_id = pr.id
           AND c.started_at IS NOT NULL
           AND ip.paid_date >= (c.started_at AT TIME ZONE 'UTC')::date
  ) rec ON true
 GROUP BY ci.campaign_id, pr.currency;

COMMENT ON VIEW v_campaign_recovery IS
    'Per campaign and currency: invoices chased (not cancelled), invoiced, outstanding now, recovered since the campaign started.';

-- ---------------------------------------------------------------------------
-- grants
-- ---------------------------------------------------------------------------
REVOKE EXECUTE ON FUNCTION report_aging_bucket(integer), report_receivables_at(date), report_overdue_aging(date),
                           report_receivables_summary(date, date), report_contact_outcomes(timestamptz, timestamptz),
                           report_step_recovery(timestamptz, timestamptz, integer)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_aging_bucket(integer), report_receivables_at(date), report_overdue_aging(date),
                          report_receivables_summary(date, date), report_contact_outcomes(timestamptz, timestamptz),
                          report_step_recovery(timestamptz, timestamptz, integer)
    TO metrics_svc;
GRANT SELECT ON v_campaign_recovery TO metrics_svc;
