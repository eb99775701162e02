-- 001_create_core_tables.sql
-- Core tables: customers, customer_profiles, payment_records (owned by the customers
-- service) and agents (owned by the campaigns service), plus the shared updated_at trigger.
--
-- No BEGIN/COMMIT here: `npm run db:migrate` runs each file in its own transaction and
-- run_all_migrations.sql wraps the whole psql route in one.
--
-- Rollback (run in one transaction; drops data):
--   DROP TABLE IF EXISTS agents, payment_records, customer_profiles, customers CASCADE;
--   DROP FUNCTION IF EXISTS update_updated_at_column();
--   DROP EXTENSION IF EXISTS pg_trgm;   -- only if nothing else uses it
--   DELETE FROM schema_migrations WHERE version = 1;

-- Trigram indexes make "search by company, contact or email" (ILIKE '%term%') an index scan.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Sets updated_at on every UPDATE; attached to every table that has the column.
CREATE FUNCTION update_updated_at_column() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION update_updated_at_column() IS
    'BEFORE UPDATE trigger function: sets updated_at to the transaction time.';

-- ---------------------------------------------------------------------------
-- customers: the company that owes money and how to reach it.
-- ---------------------------------------------------------------------------
CREATE TABLE customers (
    id                       uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    company_name             text        NOT NULL CHECK (length(btrim(company_name)) BETWEEN 1 AND 200),
    contact_name             text        CHECK (length(contact_name) <= 200),
    email                    text        NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(email) <= 254),
    phone                    text        CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    preferred_contact_method text        NOT NULL DEFAULT 'email'
                                         CHECK (preferred_contact_method IN ('email', 'phone', 'sms')),
    address                  jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(address) = 'object'),
    -- Idempotency key of the create request that made this row (a retried create finds it),
    -- and a digest of that request, so reusing the key for a different customer is detected
    -- even after the customer has been edited.
    request_id               uuid        UNIQUE,
    request_fingerprint      text        CHECK (request_fingerprint IS NULL OR request_id IS NOT NULL),
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT customers_phone_required_for_phone_channels
        CHECK (preferred_contact_method = 'email' OR phone IS NOT NULL)
);

COMMENT ON TABLE customers IS 'Companies that owe money, with their contact endpoints. Owner: customers service.';
COMMENT ON COLUMN customers.phone IS 'E.164, e.g. +14155550100.';
COMMENT ON COLUMN customers.address IS 'Postal address: {line1, line2, city, state, postal_code, country}.';

CREATE INDEX idx_customers_created_at ON customers (created_at, id);
CREATE INDEX idx_customers_email_lower ON customers (lower(email));
CREATE INDEX idx_customers_company_trgm ON customers USING gin (company_name gin_trgm_ops);
CREATE INDEX idx_customers_contact_trgm ON customers USING gin (contact_name gin_trgm_ops);
CREATE INDEX idx_customers_email_trgm ON customers USING gin (email gin_trgm_ops);

CREATE TRIGGER trg_customers_updated_at BEFORE UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- ---------------------------------------------------------------------------
-- customer_profiles: behaviour, risk and contact preferences (one per customer).
-- ---------------------------------------------------------------------------
CREATE TABLE customer_profiles (
    id                    uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id           uuid          NOT NULL UNIQUE REFERENCES customers (id) ON DELETE CASCADE,
    risk_level            text          NOT NULL DEFAULT 'low'
                                        CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
    risk_score            integer       NOT NULL DEFAULT 0 CHECK (risk_score BETWEEN 0 AND 100),
    -- The factors behind the last computed score (see customer_risk_factors, migration 005).
    risk_factors          jsonb         NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(risk_factors) = 'object'),
    risk_calculated_at    timestamptz,
    -- Amount-weighted average days late, in days.
    average_payment_delay numeric(8, 2) NOT NULL DEFAULT 0 CHECK (average_payment_delay >= 0),
    -- Share of contact attempts the customer answered or replied to, 0..1; NULL = not known yet.
    response_rate         numeric(5, 4) CHECK (response_rate BETWEEN 0 AND 1),
    do_not_contact        boolean       NOT NULL DEFAULT false,
    do_not_contact_reason text,
    -- IANA time zone of the contact, used for contact windows in local time.
    timezone              text          NOT NULL DEFAULT 'UTC' CHECK (length(timezone) BETWEEN 1 AND 64),
    -- Jurisdiction: ISO 3166-1 alpha-2 country and ISO 3166-2 subdivision suffix (US + MA = US-MA).
    country_code          text          CHECK (country_code ~ '^[A-Z]{2}$'),
    region_code           text          CHECK (region_code ~ '^[A-Z0-9]{1,3}$'),
    notes                 text          CHECK (length(notes) <= 4000),
    created_at            timestamptz   NOT NULL DEFAULT now(),
    updated_at            timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT customer_profiles_region_needs_country CHECK (region_code IS NULL OR country_code IS NOT NULL)
);

COMMENT ON TABLE customer_profiles IS 'Behavioural analysis, risk and contact preferences. Owner: customers service.';

CREATE INDEX idx_customer_profiles_risk ON customer_profiles (risk_level, risk_score DESC);
CREATE INDEX idx_customer_profiles_do_not_contact ON customer_profiles (customer_id) WHERE do_not_contact;

CREATE TRIGGER trg_customer_profiles_updated_at BEFORE UPDATE ON customer_profiles
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- ---------------------------------------------------------------------------
-- payment_records: invoices and what has been paid on them.
-- ---------------------------------------------------------------------------
CREATE TABLE payment_records (
    id                  uuid           PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id         uuid           NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    invoice_number      text           NOT NULL UNIQUE CHECK (length(btrim(invoice_number)) BETWEEN 1 AND 64),
    amount              numeric(19, 4) NOT NULL CHECK (amount > 0),
    amount_paid         numeric(19, 4) NOT NULL DEFAULT 0 CHECK (amount_paid >= 0),
    currency            char(3)        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    issued_date         date           NOT NULL DEFAULT current_date,
    due_date            date           NOT NULL,
    paid_date           date,
    status              text           NOT NULL DEFAULT 'pending'
                                       CHECK (status IN ('pending', 'overdue', 'paid', 'partial', 'cancelled')),
    description         text           CHECK (length(description) <= 1000),
    last_payment_at     timestamptz,
    cancelled_at        timestamptz,
    cancellation_reason text,
    request_id          uuid           UNIQUE,
    created_at          timestamptz    NOT NULL DEFAULT now(),
    updated_at          timestamptz    NOT NULL DEFAULT now(),
    CONSTRAINT payment_records_paid_not_above_amount CHECK (amount_paid <= amount),
    CONSTRAINT payment_records_due_after_issue CHECK (due_date >= issued_date),
    CONSTRAINT payment_records_paid_has_paid_date CHECK ((status = 'paid') = (paid_date IS NOT NULL)),
    CONSTRAINT payment_records_paid_in_full CHECK (status <> 'paid' OR amount_paid = amount),
    CONSTRAINT payment_records_partial_is_partial CHECK (status <> 'partial' OR (amount_paid > 0 AND amount_paid < amount)),
    CONSTRAINT payment_records_unpaid_has_nothing_paid CHECK (status NOT IN ('pending', 'overdue') OR amount_paid = 0),
    CONSTRAINT payment_records_cancelled_has_time CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);

COMMENT ON TABLE payment_records IS 'Invoices: amount, what was paid, due and paid dates. Owner: customers service.';
COMMENT ON COLUMN payment_records.amount IS 'Exact decimal in the invoice currency (ISO 4217), never a float.';
COMMENT ON COLUMN payment_records.status IS
    'pending (not paid, not past due), overdue (past due, nothing paid), partial (part paid), paid, cancelled.';

CREATE INDEX idx_payment_records_customer ON payment_records (customer_id, due_date);
CREATE INDEX idx_payment_records_status_due ON payment_records (status, due_date);
-- The overdue sweep reads only pending invoices past due.
CREATE INDEX idx_payment_records_pending_due ON payment_records (due_date) WHERE status = 'pending';
-- The overdue list, oldest first (v_overdue_payments ORDER BY due_date, id LIMIT n).
CREATE INDEX idx_payment_records_open_due ON payment_records (due_date, id)
    WHERE status IN ('pending', 'overdue', 'partial');
-- Outstanding balances per customer (escalation engine, risk score).
CREATE INDEX idx_payment_records_open ON payment_records (customer_id, due_date)
    WHERE status IN ('pending', 'overdue', 'partial');

CREATE TRIGGER trg_payment_records_updated_at BEFORE UPDATE ON payment_records
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- ---------------------------------------------------------------------------
-- agents: automated or human workers that claim and perform tasks.
-- ---------------------------------------------------------------------------
CREATE TABLE agents (
    id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name                 text        NOT NULL UNIQUE CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    type                 text        NOT NULL CHECK (type IN ('email', 'phone', 'sms', 'research')),
    status               text        NOT NULL DEFAULT 'offline'
                                     CHECK (status IN ('idle', 'active', 'busy', 'error', 'offline')),
    capabilities         text[]      NOT NULL DEFAULT '{}',
    config               jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(config) = 'object'),
    performance_metrics  jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(performance_metrics) = 'object'),
    max_concurrent_tasks integer     NOT NULL DEFAULT 1 CHECK (max_concurrent_tasks BETWEEN 1 AND 1000),
    last_heartbeat_at    timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE agents IS 'Email, phone, SMS and research workers. Owner: campaigns service.';

CREATE INDEX idx_agents_type_status ON agents (type, status);
CREATE INDEX idx_agents_capabilities ON agents USING gin (capabilities);

CREATE TRIGGER trg_agents_updated_at BEFORE UPDATE ON agents
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
