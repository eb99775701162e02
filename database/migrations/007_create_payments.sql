-- 007_create_payments.sql
-- The ledger of payments recorded against invoices (payment_records), so a payment is
-- recorded once however often the call is retried (request_id), and every payment of an
-- invoice can be shown. payment_records.amount_paid stays the running total. Owner: customers service.
--
-- Rollback (run in one transaction; drops the payment history):
--   DROP TABLE IF EXISTS payments;
--   DELETE FROM schema_migrations WHERE version = 7;

CREATE TABLE payments (
    id                uuid           PRIMARY KEY DEFAULT gen_random_uuid(),
    payment_record_id uuid           NOT NULL REFERENCES payment_records (id) ON DELETE RESTRICT,
    amount            numeric(19, 4) NOT NULL CHECK (amount > 0),
    currency          char(3)        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- The date the money was received.
    paid_date         date           NOT NULL,
    reference         text           CHECK (length(reference) <= 200),
    -- Idempotency key of the RecordPayment call that made the row.
    request_id        uuid           UNIQUE,
    recorded_at       timestamptz    NOT NULL DEFAULT now()
);

COMMENT ON TABLE payments IS 'Payments recorded against invoices, one row per payment. Owner: customers service.';

CREATE INDEX idx_payments_payment_record ON payments (payment_record_id, recorded_at);

GRANT SELECT, INSERT ON payments TO customers_svc;
