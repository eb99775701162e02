-- 001_seed_test_data.sql
-- Development and test data for Client Escalation Calls: a small, internally consistent
-- book of B2B receivables and the collection work done on it.
--
--   12 customers (US incl. two in Massachusetts, CA, NY, TX, CO, IL, AZ, FL; GB; DE; AU) with
--      profiles: IANA time zones, jurisdictions, preferred channels, one do-not-contact
--   38 invoices (payment_records) in every status and in USD, GBP, EUR and AUD
--    7 agents (email, phone, sms, research) in every status
--   12 templates (email, SMS, call scripts, a letter; friendly, firm, final, legal; en and de)
--    9 campaigns (draft, active, paused, completed, cancelled) with escalation_steps as the
--      campaigns service stores them, and the invoices each chases (campaign_invoices)
--   19 tasks in every status, 16 contact attempts on every channel
--    4 opt-outs (sms, all, phone; one revoked), 8 compliance rules (Regulation F, Massachusetts,
--      blackout dates, internal email and SMS caps), a few audit events
--    the auto-enrolment policy turned on (7 days; 100 USD/EUR/GBP, 150 AUD; standard-b2b)
--
-- Every date is relative to current_date / now(), so the data is consistent on whatever day
-- it is loaded: a 'pending' invoice is not yet due, an 'overdue' one is past due. At the end
-- each seeded customer's risk score is recomputed with customer_risk_factors().
--
-- Loading it again is a no-op: every row has a fixed UUID and is inserted with
-- ON CONFLICT DO NOTHING; audit events are appended (through log_audit_event, the only way
-- to write audit_logs) only if not already there. system_metrics is not seeded.
--
-- Load it into a migrated database:
--   cd database/seeds
--   psql -h localhost -U postgres -d client_escalation_calls -f 001_seed_test_data.sql
-- or, from the repository root:
--   npm run db:seed
--
-- Fixed id prefixes: customers 10000000-, customer_profiles 11000000-, payment_records
-- 12000000-, agents 20000000-, templates 30000000-, campaigns 40000000-, tasks 50000000-,
-- contact_attempts 60000000-, opt_outs 70000000-, compliance_rules 80000000-
-- (all '<prefix>-0000-4000-8000-0000000000NN').
--
-- No psql meta-commands: the file is also sent as one multi-statement query by node-postgres.

BEGIN;

-- ---------------------------------------------------------------------------
-- customers
-- ---------------------------------------------------------------------------
INSERT INTO customers (id, company_name, contact_name, email, phone, preferred_contact_method, address, created_at, updated_at)
VALUES
    ('10000000-0000-4000-8000-000000000001', 'Acme Logistics Inc.', 'Dana Whitfield',
     'ap@acmelogistics.example', '+16175550142', 'email',
     '{"line1": "200 Seaport Blvd", "city": "Boston", "state": "MA", "postal_code": "02210", "country": "US"}',
     now() - interval '420 days', now() - interval '420 days'),
    ('10000000-0000-4000-8000-000000000002', 'Northwind Traders LLC', 'Marcus Bell',
     'billing@northwindtraders.example', '+15085550117', 'phone',
     '{"line1": "45 Shrewsbury St", "city": "Worcester", "state": "MA", "postal_code": "01604", "country": "US"}',
     now() - interval '380 days', now() - interval '380 days'),
    ('10000000-0000-4000-8000-000000000003', 'Pacific Coast Manufacturing Co.', 'Priya Raman',
     'payables@pacificcoastmfg.example', '+14085550163', 'email',
     '{"line1": "2150 Zanker Rd", "city": "San Jose", "state": "CA", "postal_code": "95131", "country": "US"}',
     now() - interval '365 days', now() - interval '365 days'),
    ('10000000-0000-4000-8000-000000000004', 'Hudson Valley Supplies Corp.', 'Elena Kowalski',
     'accounts@hudsonvalleysupplies.example', '+12125550188', 'sms',
     '{"line1": "350 W 31st St", "city": "New York", "state": "NY", "postal_code": "10001", "country": "US"}',
     now() - interval '300 days', now() - interval '300 days'),
    ('10000000-0000-4000-8000-000000000005', 'Lone Star Fabrication Ltd.', 'Travis McCoy',
     'ap@lonestarfab.example', '+17135550129', 'phone',
     '{"line1": "8100 Hempstead Rd", "city": "Houston", "state": "TX", "postal_code": "77008", "country": "US"}',
     now() - interval '400 days', now() - interval '400 days'),
    ('10000000-0000-4000-8000-000000000006', 'Rocky Mountain Outfitters Inc.', 'Hannah Ortiz',
     'finance@rockymountainoutfitters.example', '+13035550174', 'email',
     '{"line1": "1600 Wynkoop St", "city": "Denver", "state": "CO", "postal_code": "80202", "country": "US"}',
     now() - interval '250 days', now() - interval '250 days'),
    ('10000000-0000-4000-8000-000000000007', 'Great Lakes Components Inc.', 'Robert Nowak',
     'ap@greatlakescomponents.example', '+13125550151', 'phone',
     '{"line1": "233 S Wacker Dr", "city": "Chicago", "state": "IL", "postal_code": "60606", "country": "US"}',
     now() - interval '200 days', now() - interval '200 days'),
    ('10000000-0000-4000-8000-000000000008', 'Thames Digital Ltd', 'Oliver Hartley',
     'accounts@thamesdigital.example', '+442079460321', 'email',
     '{"line1": "30 St Mary Axe", "city": "London", "state": "England", "postal_code": "EC3A 8BF", "country": "GB"}',
     now() - interval '180 days', now() - interval '180 days'),
    ('10000000-0000-4000-8000-000000000009', 'Rheinland Maschinenbau GmbH', 'Katrin Vogel',
     'buchhaltung@rheinland-maschinenbau.example', '+493020455180', 'email',
     '{"line1": "Friedrichstraße 95", "city": "Berlin", "state": "Berlin", "postal_code": "10117", "country": "DE"}',
     now() - interval '240 days', now() - interval '240 days'),
    ('10000000-0000-4000-8000-000000000010', 'Harbour Bridge Consulting Pty Ltd', 'Liam O''Connor',
     'accounts@harbourbridgeconsulting.example', '+61255501234', 'sms',
     '{"line1": "Level 12, 1 Macquarie Pl", "city": "Sydney", "state": "NSW", "postal_code": "2000", "country": "AU"}',
     now() - interval '150 days', now() - interval '150 days'),
    ('10000000-0000-4000-8000-000000000011', 'Sunset Hospitality Group LLC', 'Carla Jimenez',
     'ap@sunsethospitality.example', '+16025550193', 'phone',
     '{"line1": "2 N Central Ave", "city": "Phoenix", "state": "AZ", "postal_code": "85004", "country": "US"}',
     now() - interval '390 days', now() - interval '390 days'),
    ('10000000-0000-4000-8000-000000000012', 'Evergreen Health Partners', 'Samuel Greene',
     'billing@evergreenhealth.example', '+13055550136', 'sms',
     '{"line1": "1450 Brickell Ave", "city": "Miami", "state": "FL", "postal_code": "33131", "country": "US"}',
     now() - interval '210 days', now() - interval '210 days')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- customer_profiles (risk_* are recomputed at the end of this file)
-- ---------------------------------------------------------------------------
INSERT INTO customer_profiles (id, customer_id, response_rate, do_not_contact, do_not_contact_reason,
                               timezone, country_code, region_code, notes, created_at, updated_at)
VALUES
    ('11000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001', 0.8500, false, NULL,
     'America/New_York', 'US', 'MA', 'Reliable payer; AP runs on Thursdays.',
     now() - interval '420 days', now() - interval '420 days'),
    ('11000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000002', 0.2000, false, NULL,
     'America/New_York', 'US', 'MA', 'Promised payment on the phone; partial payment received on INV-2026-0005.',
     now() - interval '380 days', now() - interval '380 days'),
    ('11000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000003', 0.5500, false, NULL,
     'America/Los_Angeles', 'US', 'CA', 'Disputes quantities on INV-2026-0008; campaign paused pending review.',
     now() - interval '365 days', now() - interval '365 days'),
    ('11000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000004', 0.7200, false, NULL,
     'America/New_York', 'US', 'NY', 'Prefers SMS reminders a few days before the due date.',
     now() - interval '300 days', now() - interval '300 days'),
    ('11000000-0000-4000-8000-000000000005', '10000000-0000-4000-8000-000000000005', 0.1000, false, NULL,
     'America/Chicago', 'US', 'TX', 'Two broken payment plans; account referred for research.',
     now() - interval '400 days', now() - interval '400 days'),
    ('11000000-0000-4000-8000-000000000006', '10000000-0000-4000-8000-000000000006', 0.9000, false, NULL,
     'America/Denver', 'US', 'CO', 'Pays through the supplier portal; asked not to be contacted by collections.',
     now() - interval '250 days', now() - interval '250 days'),
    ('11000000-0000-4000-8000-000000000007', '10000000-0000-4000-8000-000000000007', 0.4000, false, NULL,
     'America/Chicago', 'US', 'IL', 'New AP contact since last quarter; phone number being verified.',
     now() - interval '200 days', now() - interval '200 days'),
    ('11000000-0000-4000-8000-000000000008', '10000000-0000-4000-8000-000000000008', 0.6500, false, NULL,
     'Europe/London', 'GB', 'ENG', 'Re-subscribed to email reminders in writing.',
     now() - interval '180 days', now() - interval '180 days'),
    ('11000000-0000-4000-8000-000000000009', '10000000-0000-4000-8000-000000000009', NULL, false, NULL,
     'Europe/Berlin', 'DE', 'BE', 'German-language correspondence.',
     now() - interval '240 days', now() - interval '240 days'),
    ('11000000-0000-4000-8000-000000000010', '10000000-0000-4000-8000-000000000010', 0.8000, false, NULL,
     'Australia/Sydney', 'AU', 'NSW', 'Replied STOP to SMS; use email.',
     now() - interval '150 days', now() - interval '150 days'),
    ('11000000-0000-4000-8000-000000000011', '10000000-0000-4000-8000-000000000011', 0.0500, true,
     'Represented by counsel: all communication goes through the customer''s attorney (12 CFR 1006.6(b)(2)).',
     'America/Phoenix', 'US', 'AZ', 'Referred to legal; no direct contact.',
     now() - interval '390 days', now() - interval '390 days'),
    ('11000000-0000-4000-8000-000000000012', '10000000-0000-4000-8000-000000000012', 0.3000, false, NULL,
     'America/New_York', 'US', 'FL', 'Asked not to be called at work; SMS or email only.',
     now() - interval '210 days', now() - interval '210 days')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- payment_records: offsets are days from current_date (negative = in the past).
--   pending   due in the future, nothing paid
--   overdue   past due, nothing paid
--   partial   part paid (some past due, INV-2026-0013 not yet due)
--   paid      paid in full on paid_date (some on time, some late)
--   cancelled cancelled_at and cancellation_reason set
-- ---------------------------------------------------------------------------
INSERT INTO payment_records (id, customer_id, invoice_number, amount, amount_paid, currency, issued_date, due_date,
                             paid_date, status, description, last_payment_at, cancelled_at, cancellation_reason,
                             created_at, updated_at)
SELECT v.id::uuid, v.customer_id::uuid, v.invoice_number, v.amount, v.amount_paid, v.currency,
       current_date + v.issued_offset, current_date + v.due_offset,
       current_date + v.paid_offset,
       v.status, v.description,
       -- the last payment was received at 10:30 on the paid date (or on the given day for partials)
       CASE WHEN v.last_payment_offset IS NOT NULL
            THEN (current_date + v.last_payment_offset) + time '10:30' END,
       CASE WHEN v.cancelled_offset IS NOT NULL
            THEN (current_date + v.cancelled_offset) + time '15:00' END,
       v.cancellation_reason,
       (current_date + v.issued_offset) + time '09:00',
       COALESCE((current_date + COALESCE(v.last_payment_offset, v.cancelled_offset)) + time '15:00',
                (current_date + v.issued_offset) + time '09:00')
  FROM (VALUES
    -- 01 Acme Logistics (US-MA): pays on time
    ('12000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001', 'INV-2026-0001',
     12500.00, 12500.00, 'USD', -95, -65, -66, 'paid', 'Freight forwarding, Q3 contract', -66, NULL::integer, NULL),
    ('12000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001', 'INV-2026-0002',
     8750.00, 8750.00, 'USD', -60, -30, -28, 'paid', 'Warehousing, monthly', -28, NULL, NULL),
    ('12000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000001', 'INV-2026-0003',
     15200.00, 0, 'USD', -10, 20, NULL, 'pending', 'Freight forwarding, Q4 contract', NULL, NULL, NULL),
    -- 02 Northwind Traders (US-MA): one overdue, one broken payment
    ('12000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000002', 'INV-2026-0004',
     22000.00, 0, 'USD', -100, -70, NULL, 'overdue', 'Wholesale order #NW-5521', NULL, NULL, NULL),
    ('12000000-0000-4000-8000-000000000005', '10000000-0000-4000-8000-000000000002', 'INV-2026-0005',
     9800.00, 4000.00, 'USD', -75, -45, NULL, 'partial', 'Wholesale order #NW-5602', -18, NULL, NULL),
    ('12000000-0000-4000-8000-000000000006', '10000000-0000-4000-8000-000000000002', 'INV-2026-0006',
     6400.00, 6400.00, 'USD', -150, -120, -90, 'paid', 'Wholesale order #NW-5377', -90, NULL, NULL),
    ('12000000-0000-4000-8000-000000000007', '10000000-0000-4000-8000-000000000002', 'INV-2026-0007',
     5000.00, 0, 'USD', -5, 25, NULL, 'pending', 'Wholesale order #NW-5730', NULL, NULL, NULL),
    -- 03 Pacific Coast Manufacturing (US-CA): one disputed overdue invoice
    ('12000000-0000-4000-8000-000000000008', '10000000-0000-4000-8000-000000000003', 'INV-2026-0008',
     18400.00, 0, 'USD', -60, -30, NULL, 'overdue', 'CNC machining, PO 88-1042', NULL, NULL, NULL),
    ('12000000-0000-4000-8000-000000000009', '10000000-0000-4000-8000-000000000003', 'INV-2026-0009',
     11250.00, 11250.00, 'USD', -120, -90, -75, 'paid', 'CNC machining, PO 88-0977', -75, NULL, NULL),
    ('12000000-0000-4000-8000-000000000010', '10000000-0000-4000-8000-000000000003', 'INV-2026-0010',
     7300.00, 7300.00, 'USD', -140, -110, -110, 'paid', 'Tooling, PO 88-0940', -110, NULL, NULL),
    ('12000000-0000-4000-8000-000000000011', '10000000-0000-4000-8000-000000000003', 'INV-2026-0011',
     4200.00, 0, 'USD', -20, 10, NULL, 'cancelled', 'Tooling, PO 88-1060', NULL, -18,
     'Duplicate of INV-2026-0008; credit note CN-2026-0003 issued.'),
    -- 04 Hudson Valley Supplies (US-NY): early payer, one partial not yet due
    ('12000000-0000-4000-8000-000000000012', '10000000-0000-4000-8000-000000000004', 'INV-2026-0012',
     3450.00, 3450.00, 'USD', -40, -10, -12, 'paid', 'Office supplies, September', -12, NULL, NULL),
    ('12000000-0000-4000-8000-000000000013', '10000000-0000-4000-8000-000000000004', 'INV-2026-0013',
     6900.00, 2000.00, 'USD', -15, 15, NULL, 'partial', 'Office furniture, instalment plan', -4, NULL, NULL),
    ('12000000-0000-4000-8000-000000000014', '10000000-0000-4000-8000-000000000004', 'INV-2026-0014',
     2875.50, 2875.50, 'USD', -70, -40, -38, 'paid', 'Office supplies, August', -38, NULL, NULL),
    -- 05 Lone Star Fabrication (US-TX): long overdue, two broken payments
    ('12000000-0000-4000-8000-000000000015', '10000000-0000-4000-8000-000000000005', 'INV-2026-0015',
     45000.00, 0, 'USD', -150, -120, NULL, 'overdue', 'Structural steel, job LS-2210', NULL, NULL, NULL),
    ('12000000-0000-4000-8000-000000000016', '10000000-0000-4000-8000-000000000005', 'INV-2026-0016',
     12000.00, 3000.00, 'USD', -90, -60, NULL, 'partial', 'Structural steel, job LS-2245', -35, NULL, NULL),
    ('12000000-0000-4000-8000-000000000017', '10000000-0000-4000-8000-000000000005', 'INV-2026-0017',
     8500.00, 1500.00, 'USD', -45, -15, NULL, 'partial', 'Welding services, job LS-2260', -6, NULL, NULL),
    ('12000000-0000-4000-8000-000000000018', '10000000-0000-4000-8000-000000000005', 'INV-2026-0018',
     9999.99, 9999.99, 'USD', -200, -170, -110, 'paid', 'Structural steel, job LS-2150', -110, NULL, NULL),
    -- 06 Rocky Mountain Outfitters (US-CO): on time
    ('12000000-0000-4000-8000-000000000019', '10000000-0000-4000-8000-000000000006', 'INV-2026-0019',
     5600.00, 5600.00, 'USD', -50, -20, -22, 'paid', 'Outdoor gear, spring range', -22, NULL, NULL),
    ('12000000-0000-4000-8000-000000000020', '10000000-0000-4000-8000-000000000006', 'INV-2026-0020',
     4100.00, 0, 'USD', -5, 25, NULL, 'pending', 'Outdoor gear, summer range', NULL, NULL, NULL),
    -- 07 Great Lakes Components (US-IL): one overdue
    ('12000000-0000-4000-8000-000000000021', '10000000-0000-4000-8000-000000000007', 'INV-2026-0021',
     14750.00, 0, 'USD', -55, -25, NULL, 'overdue', 'Injection-moulded parts, lot 7781', NULL, NULL, NULL),
    ('12000000-0000-4000-8000-000000000022', '10000000-0000-4000-8000-000000000007', 'INV-2026-0022',
     10000.00, 10000.00, 'USD', -80, -50, -30, 'paid', 'Injection-moulded parts, lot 7702', -30, NULL, NULL),
    ('12000000-0000-4000-8000-000000000023', '10000000-0000-4000-8000-000000000007', 'INV-2026-0023',
     6200.00, 0, 'USD', -3, 27, NULL, 'pending', 'Injection-moulded parts, lot 7840', NULL, NULL, NULL),
    -- 08 Thames Digital (GB): GBP, slightly late
    ('12000000-0000-4000-8000-000000000024', '10000000-0000-4000-8000-000000000008', 'INV-2026-0024',
     7800.00, 7800.00, 'GBP', -70, -40, -40, 'paid', 'Cloud hosting, annual', -40, NULL, NULL),
    ('12000000-0000-4000-8000-000000000025', '10000000-0000-4000-8000-000000000008', 'INV-2026-0025',
     3250.00, 0, 'GBP', -35, -5, NULL, 'overdue', 'Support retainer, October', NULL, NULL, NULL),
    ('12000000-0000-4000-8000-000000000026', '10000000-0000-4000-8000-000000000008', 'INV-2026-0026',
     4500.00, 0, 'GBP', -12, 18, NULL, 'pending', 'Support retainer, November', NULL, NULL, NULL),
    -- 09 Rheinland Maschinenbau (DE): EUR, half paid past due
    ('12000000-0000-4000-8000-000000000027', '10000000-0000-4000-8000-000000000009', 'INV-2026-0027',
     28000.00, 14000.00, 'EUR', -80, -50, NULL, 'partial', 'Spare parts, order RM-4410', -20, NULL, NULL),
    ('12000000-0000-4000-8000-000000000028', '10000000-0000-4000-8000-000000000009', 'INV-2026-0028',
     9500.00, 9500.00, 'EUR', -130, -100, -88, 'paid', 'Spare parts, order RM-4321', -88, NULL, NULL),
    ('12000000-0000-4000-8000-000000000029', '10000000-0000-4000-8000-000000000009', 'INV-2026-0029',
     12000.00, 0, 'EUR', -1, 29, NULL, 'pending', 'Maintenance contract, Q1', NULL, NULL, NULL),
    -- 10 Harbour Bridge Consulting (AU): AUD, on time
    ('12000000-0000-4000-8000-000000000030', '10000000-0000-4000-8000-000000000010', 'INV-2026-0030',
     6600.00, 6600.00, 'AUD', -45, -15, -16, 'paid', 'Advisory services, September', -16, NULL, NULL),
    ('12000000-0000-4000-8000-000000000031', '10000000-0000-4000-8000-000000000010', 'INV-2026-0031',
     2200.00, 0, 'AUD', -30, 0, NULL, 'cancelled', 'Workshop (cancelled by supplier)', NULL, -25,
     'Workshop cancelled by us; no charge.'),
    ('12000000-0000-4000-8000-000000000032', '10000000-0000-4000-8000-000000000010', 'INV-2026-0032',
     8800.00, 0, 'AUD', -10, 20, NULL, 'pending', 'Advisory services, October', NULL, NULL, NULL),
    -- 11 Sunset Hospitality (US-AZ, do not contact): long overdue
    ('12000000-0000-4000-8000-000000000033', '10000000-0000-4000-8000-000000000011', 'INV-2026-0033',
     32000.00, 0, 'USD', -130, -100, NULL, 'overdue', 'Linen and laundry service, Q2', NULL, NULL, NULL),
    ('12000000-0000-4000-8000-000000000034', '10000000-0000-4000-8000-000000000011', 'INV-2026-0034',
     18500.00, 0, 'USD', -100, -70, NULL, 'overdue', 'Linen and laundry service, July', NULL, NULL, NULL),
    ('12000000-0000-4000-8000-000000000035', '10000000-0000-4000-8000-000000000011', 'INV-2026-0035',
     2500.00, 2500.00, 'USD', -180, -150, -100, 'paid', 'Linen replacement', -100, NULL, NULL),
    -- 12 Evergreen Health Partners (US-FL): overdue and a broken payment
    ('12000000-0000-4000-8000-000000000036', '10000000-0000-4000-8000-000000000012', 'INV-2026-0036',
     16000.00, 0, 'USD', -75, -45, NULL, 'overdue', 'Medical supplies, order EH-301', NULL, NULL, NULL),
    ('12000000-0000-4000-8000-000000000037', '10000000-0000-4000-8000-000000000012', 'INV-2026-0037',
     7000.00, 2500.00, 'USD', -60, -30, NULL, 'partial', 'Medical supplies, order EH-317', -10, NULL, NULL),
    ('12000000-0000-4000-8000-000000000038', '10000000-0000-4000-8000-000000000012', 'INV-2026-0038',
     4000.00, 4000.00, 'USD', -110, -80, -55, 'paid', 'Medical supplies, order EH-288', -55, NULL, NULL)
  ) AS v (id, customer_id, invoice_number, amount, amount_paid, currency, issued_offset, due_offset,
          paid_offset, status, description, last_payment_offset, cancelled_offset, cancellation_reason)
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- agents
-- ---------------------------------------------------------------------------
INSERT INTO agents (id, name, type, status, capabilities, config, performance_metrics, max_concurrent_tasks,
                    last_heartbeat_at, created_at, updated_at)
VALUES
    ('20000000-0000-4000-8000-000000000001', 'email-agent-01', 'email', 'active',
     '{send_email,track_opens,html_templates,attachments}',
     '{"smtpHost": "smtp.mail.example", "smtpPort": 587, "fromAddress": "receivables@cec.example", "dailyLimit": 500}',
     '{"tasksCompleted": 5, "tasksFailed": 0, "openRate": 0.8, "averageHandleSeconds": 4.2}',
     50, now() - interval '20 seconds', now() - interval '400 days', now() - interval '20 seconds'),
    ('20000000-0000-4000-8000-000000000002', 'email-agent-02', 'email', 'idle',
     '{send_email,track_opens}',
     '{"smtpHost": "smtp.mail.example", "smtpPort": 587, "fromAddress": "receivables@cec.example", "dailyLimit": 200}',
     '{"tasksCompleted": 2, "tasksFailed": 1, "bounceRate": 0.25, "averageHandleSeconds": 5.1}',
     20, now() - interval '2 minutes', now() - interval '300 days', now() - interval '2 minutes'),
    ('20000000-0000-4000-8000-000000000003', 'phone-agent-01', 'phone', 'busy',
     '{make_call,voicemail,call_recording,payment_arrangement}',
     '{"provider": "voip.example", "callerId": "+16175550100", "recordCalls": true, "maxCallMinutes": 15}',
     '{"tasksCompleted": 2, "tasksFailed": 0, "rightPartyContactRate": 0.5, "averageCallSeconds": 156}',
     1, now() - interval '15 seconds', now() - interval '380 days', now() - interval '15 seconds'),
    ('20000000-0000-4000-8000-000000000004', 'phone-agent-02', 'phone', 'offline',
     '{make_call,voicemail}',
     '{"provider": "voip.example", "callerId": "+16175550101", "recordCalls": true, "maxCallMinutes": 10}',
     '{}',
     1, now() - interval '3 days', now() - interval '90 days', now() - interval '3 days'),
    ('20000000-0000-4000-8000-000000000005', 'sms-agent-01', 'sms', 'active',
     '{send_sms,two_way_sms,stop_keyword}',
     '{"provider": "sms.example", "senderId": "+16175550199", "maxSegments": 3}',
     '{"tasksCompleted": 2, "tasksFailed": 0, "deliveryRate": 1.0, "averageHandleSeconds": 1.3}',
     100, now() - interval '10 seconds', now() - interval '350 days', now() - interval '10 seconds'),
    ('20000000-0000-4000-8000-000000000006', 'research-agent-01', 'research', 'idle',
     '{research,credit_check,skip_trace,company_registry,manual_review}',
     '{"sources": ["credit_bureau", "company_registry", "public_records"], "maxLookupsPerDay": 50}',
     '{"tasksCompleted": 1, "tasksFailed": 0, "averageHandleSeconds": 5400}',
     5, now() - interval '1 minute', now() - interval '200 days', now() - interval '1 minute'),
    ('20000000-0000-4000-8000-000000000007', 'phone-agent-03', 'phone', 'error',
     '{make_call,voicemail}',
     '{"provider": "voip.example", "callerId": "+13125550100", "recordCalls": false, "maxCallMinutes": 10}',
     '{"tasksCompleted": 0, "tasksFailed": 1, "lastError": "SIP 503 Service Unavailable"}',
     1, now() - interval '15 minutes', now() - interval '60 days', now() - interval '15 minutes')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- templates
-- ---------------------------------------------------------------------------
INSERT INTO templates (id, name, channel, tone, language, version, subject, body, variables, is_active, created_at, updated_at)
VALUES
    ('30000000-0000-4000-8000-000000000001', 'friendly_reminder_email', 'email', 'friendly', 'en', 1,
     'Friendly reminder: invoice {{invoice_number}} was due on {{due_date}}',
     'Hi {{contact_name}},

This is a friendly reminder that invoice {{invoice_number}} for {{amount_due}} was due on {{due_date}}. If you have already sent the payment, thank you, and please disregard this message.

You can pay online at {{payment_link}}. If anything on the invoice looks wrong, just reply to this email and we will sort it out.

Kind regards,
{{sender_company}} Accounts Receivable

{{opt_out_instructions}}',
     '{invoice_number,due_date,contact_name,amount_due,payment_link,sender_company,opt_out_instructions}', true,
     now() - interval '400 days', now() - interval '400 days'),
    ('30000000-0000-4000-8000-000000000002', 'firm_reminder_email', 'email', 'firm', 'en', 1,
     'Second notice: invoice {{invoice_number}} is {{days_overdue}} days overdue',
     'Dear {{contact_name}},

Our records show that invoice {{invoice_number}} for {{amount_due}} is now {{days_overdue}} days past due, and we have not received a reply to our earlier reminder.

Please arrange payment within 7 days at {{payment_link}}, or contact us to agree a payment plan for {{company_name}}.

Regards,
{{sender_company}} Accounts Receivable

{{opt_out_instructions}}',
     '{invoice_number,days_overdue,contact_name,amount_due,payment_link,company_name,sender_company,opt_out_instructions}', true,
     now() - interval '400 days', now() - interval '400 days'),
    ('30000000-0000-4000-8000-000000000003', 'final_notice_email', 'email', 'final', 'en', 1,
     'Final notice: {{company_name}} account is past due',
     'Dear {{contact_name}},

Despite several reminders, {{amount_due}} remains unpaid on invoice {{invoice_number}}, now {{days_overdue}} days overdue.

Unless payment is received or a payment plan is agreed within 10 days of this notice, the account will be referred for further review, which may include suspension of credit terms.

Pay at {{payment_link}} or reply to this email.

{{sender_company}} Accounts Receivable

{{opt_out_instructions}}',
     '{company_name,contact_name,amount_due,invoice_number,days_overdue,payment_link,sender_company,opt_out_instructions}', true,
     now() - interval '400 days', now() - interval '400 days'),
    ('30000000-0000-4000-8000-000000000004', 'payment_reminder_sms', 'sms', 'friendly', 'en', 1, NULL,
     '{{sender_company}}: Hi {{contact_name}}, invoice {{invoice_number}} ({{amount_due}}) was due {{due_date}}. Pay at {{payment_link}}. Reply STOP to opt out.',
     '{sender_company,contact_name,invoice_number,amount_due,due_date,payment_link}', true,
     now() - interval '400 days', now() - interval '400 days'),
    ('30000000-0000-4000-8000-000000000005', 'firm_reminder_sms', 'sms', 'firm', 'en', 1, NULL,
     '{{sender_company}}: invoice {{invoice_number}} is {{days_overdue}} days overdue ({{amount_due}}). Please pay today at {{payment_link}} or reply to this message. Reply STOP to opt out.',
     '{sender_company,invoice_number,days_overdue,amount_due,payment_link}', true,
     now() - interval '400 days', now() - interval '400 days'),
    ('30000000-0000-4000-8000-000000000006', 'friendly_call_script', 'phone', 'friendly', 'en', 1, NULL,
     'Hello, may I speak with {{contact_name}}? This is [your name] calling from {{sender_company}} about the account of {{company_name}}. This call may be recorded.
We are following up on invoice {{invoice_number}} for {{amount_due}}, due on {{due_date}}. Could you confirm when payment is scheduled?
If paid: thank the customer and note the payment reference.
If not paid: offer payment at {{payment_link}} and note the promised date.
If the contact is not available: leave no details about the debt; ask for a good time to call back.',
     '{contact_name,sender_company,company_name,invoice_number,amount_due,due_date,payment_link}', true,
     now() - interval '400 days', now() - interval '400 days'),
    ('30000000-0000-4000-8000-000000000007', 'firm_call_script', 'phone', 'firm', 'en', 1, NULL,
     'Hello, may I speak with {{contact_name}}? This is [your name] from {{sender_company}}. This call may be recorded.
Invoice {{invoice_number}} for {{amount_due}} is now {{days_overdue}} days overdue and we have not received payment or a reply.
Ask for payment in full today, or agree a payment plan with dates and amounts.
Record the outcome: promise_to_pay, payment_plan, dispute, refused or callback.',
     '{contact_name,sender_company,invoice_number,amount_due,days_overdue}', true,
     now() - interval '400 days', now() - interval '400 days'),
    ('30000000-0000-4000-8000-000000000008', 'final_call_script', 'phone', 'final', 'en', 1, NULL,
     'Hello, may I speak with {{contact_name}}? This is [your name] from {{sender_company}}. This call may be recorded.
This is our final call about {{amount_due}} outstanding on invoice {{invoice_number}}, {{days_overdue}} days overdue.
Unless payment or a payment plan is agreed within 10 days, the account will be referred for review and credit terms may be suspended.
Confirm the contact''s email address for the written final notice.',
     '{contact_name,sender_company,amount_due,invoice_number,days_overdue}', true,
     now() - interval '400 days', now() - interval '400 days'),
    ('30000000-0000-4000-8000-000000000009', 'legal_referral_email', 'email', 'legal', 'en', 1,
     'Notice of referral: invoice {{invoice_number}}',
     'Dear {{contact_name}},

The balance of {{amount_due}} on invoice {{invoice_number}} remains unpaid. The account of {{company_name}} has been referred to our legal department. Please direct any further correspondence about this account to our legal department by replying to this email.

{{sender_company}}

{{opt_out_instructions}}',
     '{invoice_number,contact_name,amount_due,company_name,sender_company,opt_out_instructions}', false,
     now() - interval '400 days', now() - interval '100 days'),
    ('30000000-0000-4000-8000-000000000010', 'friendly_reminder_email', 'email', 'friendly', 'de', 1,
     'Zahlungserinnerung: Rechnung {{invoice_number}} war am {{due_date}} fällig',
     'Guten Tag {{contact_name}},

wir möchten Sie freundlich daran erinnern, dass die Rechnung {{invoice_number}} über {{amount_due}} am {{due_date}} fällig war. Sollten Sie die Zahlung bereits veranlasst haben, betrachten Sie diese Nachricht bitte als gegenstandslos.

Sie können online unter {{payment_link}} bezahlen.

Mit freundlichen Grüßen
{{sender_company}} Debitorenbuchhaltung

{{opt_out_instructions}}',
     '{invoice_number,due_date,contact_name,amount_due,payment_link,sender_company,opt_out_instructions}', true,
     now() - interval '300 days', now() - interval '300 days'),
    ('30000000-0000-4000-8000-000000000011', 'pre_due_reminder_email', 'email', 'friendly', 'en', 1,
     'Coming up: invoice {{invoice_number}} is due on {{due_date}}',
     'Hi {{contact_name}},

A quick note that invoice {{invoice_number}} for {{amount_due}} is due on {{due_date}}. If the payment is already on its way, thank you.

You can pay online at {{payment_link}}, quoting {{payment_reference}}. If anything on the invoice looks wrong, just reply to this email and we will sort it out before the due date.

Kind regards,
{{sender_company}} Accounts Receivable

{{opt_out_instructions}}',
     '{invoice_number,due_date,contact_name,amount_due,payment_link,payment_reference,sender_company,opt_out_instructions}', true,
     now() - interval '90 days', now() - interval '90 days'),
    ('30000000-0000-4000-8000-000000000012', 'final_notice_letter', 'letter', 'final', 'en', 1,
     'Final notice: invoice {{invoice_number}}, {{days_overdue}} days overdue',
     '{{company_name}}
For the attention of {{contact_name}}

Dear {{contact_name}},

Despite our earlier reminders, {{amount_due}} remains unpaid on invoice {{invoice_number}}, which was due on {{due_date}} and is now {{days_overdue}} days overdue.

Unless payment is received or a payment plan is agreed within 14 days of the date of this letter, the account will be referred for further review, which may include suspension of credit terms.

Please pay at {{payment_link}}, quoting {{payment_reference}}, or contact us to agree a payment plan.

{{opt_out_instructions}}

Yours sincerely,
{{sender_company}} Accounts Receivable',
     '{invoice_number,days_overdue,company_name,contact_name,amount_due,due_date,payment_link,payment_reference,opt_out_instructions,sender_company}', true,
     now() - interval '90 days', now() - interval '90 days')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- campaigns: three schedules (standard five-step US, three-step gentle, three-step email only),
-- stored as the campaigns service stores what CreateCampaign checked (store/campaign-rows.ts):
--   * a contact step names the template version it resolved to: template (the name),
--     template_id and template_version, the active version in the campaign's language, else
--     in English (Rheinland's German friendly reminder; its other steps have no German text);
--     research contacts nobody: channel, template, template_id and template_version are null;
--   * delay_from 'due_date' counts from anchor_due_date, 'previous_step' from the step before;
--   * conditions hold only what is set; min_amount_overdue is {currency: decimal string} in
--     the currency of the campaign's invoices; no step has a fallback;
--   * created_by names the actor as the service does (type:id); outcome says how a finished
--     campaign ended (a cancel's is 'cancelled: <reason>').
-- Each campaign chases the invoices listed once in seed_campaign_invoices (a temporary table,
-- dropped at COMMIT): they give anchor_due_date (the earliest due date, as the service
-- computes it), the currency of the amount conditions, and the campaign_invoices links below.
-- ---------------------------------------------------------------------------
CREATE TEMPORARY TABLE seed_campaign_invoices ON COMMIT DROP AS
SELECT v.campaign_id::uuid AS campaign_id, p.id AS invoice_id, p.due_date, p.currency
  FROM (VALUES
    ('40000000-0000-4000-8000-000000000001', 'INV-2026-0004'),  -- Northwind, active
    ('40000000-0000-4000-8000-000000000001', 'INV-2026-0005'),
    ('40000000-0000-4000-8000-000000000002', 'INV-2026-0015'),  -- Lone Star, active
    ('40000000-0000-4000-8000-000000000002', 'INV-2026-0016'),
    ('40000000-0000-4000-8000-000000000002', 'INV-2026-0017'),
    ('40000000-0000-4000-8000-000000000003', 'INV-2026-0008'),  -- Pacific Coast, paused
    ('40000000-0000-4000-8000-000000000004', 'INV-2026-0036'),  -- Evergreen, active
    ('40000000-0000-4000-8000-000000000004', 'INV-2026-0037'),
    ('40000000-0000-4000-8000-000000000005', 'INV-2026-0021'),  -- Great Lakes, draft: its overdue invoice
    ('40000000-0000-4000-8000-000000000006', 'INV-2026-0002'),  -- Acme, completed (paid since)
    ('40000000-0000-4000-8000-000000000007', 'INV-2026-0033'),  -- Sunset, cancelled
    ('40000000-0000-4000-8000-000000000007', 'INV-2026-0034'),
    ('40000000-0000-4000-8000-000000000008', 'INV-2026-0027'),  -- Rheinland, active
    ('40000000-0000-4000-8000-000000000009', 'INV-2026-0025')   -- Thames Digital, draft: its overdue invoice
  ) AS v (campaign_id, invoice_number)
  JOIN payment_records p ON p.invoice_number = v.invoice_number;

INSERT INTO campaigns (id, customer_id, name, description, status, escalation_steps, current_step, next_step_at,
                       results, outcome, anchor_due_date, started_at, completed_at, created_by, created_at, updated_at)
WITH steps (schedule, position, name, task_type, channel, template, delay_days, delay_from, priority,
            min_amount_overdue, min_days_overdue, risk_levels) AS (VALUES
    ('standard', 1, 'Friendly reminder', 'send_email', 'email', 'friendly_reminder_email', 1, 'due_date', 'low',
     NULL, 1, NULL::text[]),
    ('standard', 2, 'SMS reminder', 'send_sms', 'sms', 'payment_reminder_sms', 7, 'due_date', 'medium',
     '100.00', 7, NULL),
    ('standard', 3, 'Courtesy call', 'make_call', 'phone', 'friendly_call_script', 5, 'previous_step', 'medium',
     '500.00', 14, NULL),
    ('standard', 4, 'Final notice', 'send_email', 'email', 'final_notice_email', 7, 'previous_step', 'high',
     NULL, 21, '{medium,high,critical}'),
    ('standard', 5, 'Account research', 'research', NULL, NULL, 7, 'previous_step', 'urgent',
     '5000.00', 30, '{high,critical}'),
    ('gentle', 1, 'Friendly reminder', 'send_email', 'email', 'friendly_reminder_email', 1, 'due_date', 'low',
     NULL, 1, NULL),
    ('gentle', 2, 'SMS reminder', 'send_sms', 'sms', 'payment_reminder_sms', 7, 'previous_step', 'medium',
     '100.00', NULL, NULL),
    ('gentle', 3, 'Courtesy call', 'make_call', 'phone', 'friendly_call_script', 7, 'previous_step', 'medium',
     '1000.00', 14, NULL),
    ('email_only', 1, 'Friendly reminder', 'send_email', 'email', 'friendly_reminder_email', 3, 'due_date', 'low',
     NULL, 3, NULL),
    ('email_only', 2, 'Second notice', 'send_email', 'email', 'firm_reminder_email', 14, 'previous_step', 'medium',
     '250.00', 14, NULL),
    ('email_only', 3, 'Final notice', 'send_email', 'email', 'final_notice_email', 14, 'previous_step', 'high',
     NULL, 30, '{medium,high,critical}')
)
SELECT v.id::uuid, v.customer_id::uuid, v.name, v.description, v.status,
       (SELECT jsonb_agg(jsonb_build_object(
                   'name', s.name, 'task_type', s.task_type, 'channel', s.channel,
                   'template', t.name, 'template_id', t.id, 'template_version', t.version,
                   'delay_days', s.delay_days, 'delay_from', s.delay_from, 'priority', s.priority,
                   'conditions', jsonb_strip_nulls(jsonb_build_object(
                       'min_amount_overdue', (SELECT jsonb_object_agg(l.currency, s.min_amount_overdue)
                                                FROM (SELECT DISTINCT currency FROM seed_campaign_invoices
                                                       WHERE campaign_id = v.id::uuid) l
                                               WHERE s.min_amount_overdue IS NOT NULL),
                       'min_days_overdue', s.min_days_overdue,
                       'risk_levels', s.risk_levels)))
                 ORDER BY s.position)
          FROM steps s
          LEFT JOIN LATERAL (SELECT tt.id, tt.name, tt.version FROM templates tt
                              WHERE tt.name = s.template AND tt.is_active AND tt.language IN (v.language, 'en')
                              ORDER BY tt.language = v.language DESC, tt.version DESC LIMIT 1) t ON true
         WHERE s.schedule = v.schedule),
       v.current_step, v.next_step_at, v.results::jsonb, v.outcome,
       (SELECT min(l.due_date) FROM seed_campaign_invoices l WHERE l.campaign_id = v.id::uuid),
       v.started_at, v.completed_at, v.created_by,
       v.created_at, COALESCE(v.completed_at, v.updated_at)
  FROM (VALUES
    ('40000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000002',
     'Northwind Traders - overdue wholesale orders', 'INV-2026-0004 and INV-2026-0005.', 'active', 'standard', 'en', 3,
     now() + interval '1 day',
     '{"invoice_numbers": ["INV-2026-0004", "INV-2026-0005"], "promise_to_pay": {"amount": "22000.00", "currency": "USD"}}',
     NULL, now() - interval '40 days', NULL::timestamptz, 'user:ops@cec.example',
     now() - interval '41 days', now() - interval '20 days'),
    ('40000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000005',
     'Lone Star Fabrication - structural steel', 'INV-2026-0015, INV-2026-0016 and INV-2026-0017.', 'active', 'standard', 'en', 5,
     NULL,
     '{"invoice_numbers": ["INV-2026-0015", "INV-2026-0016", "INV-2026-0017"], "escalated_to": "research"}',
     NULL, now() - interval '118 days', NULL, 'user:ops@cec.example',
     now() - interval '119 days', now() - interval '1 hour'),
    ('40000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000003',
     'Pacific Coast Manufacturing - PO 88-1042', 'Paused: the customer disputes quantities on INV-2026-0008.', 'paused', 'gentle', 'en', 1,
     NULL,
     '{"invoice_numbers": ["INV-2026-0008"], "paused_reason": "dispute"}',
     NULL, now() - interval '28 days', NULL, 'user:ops@cec.example',
     now() - interval '29 days', now() - interval '24 days'),
    ('40000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000012',
     'Evergreen Health Partners - medical supplies', 'INV-2026-0036 and INV-2026-0037.', 'active', 'standard', 'en', 2,
     now() + interval '3 days',
     '{"invoice_numbers": ["INV-2026-0036", "INV-2026-0037"]}',
     NULL, now() - interval '42 days', NULL, 'user:ops@cec.example',
     now() - interval '43 days', now() - interval '5 minutes'),
    ('40000000-0000-4000-8000-000000000005', '10000000-0000-4000-8000-000000000007',
     'Great Lakes Components - lot 7781', 'Draft: waiting for the verified AP phone number.', 'draft', 'standard', 'en', 0,
     NULL,
     '{}',
     NULL, NULL, NULL, 'user:ops@cec.example',
     now() - interval '3 days', now() - interval '3 days'),
    ('40000000-0000-4000-8000-000000000006', '10000000-0000-4000-8000-000000000001',
     'Acme Logistics - warehousing', 'Completed: INV-2026-0002 paid in full.', 'completed', 'gentle', 'en', 1,
     NULL,
     '{"invoice_numbers": ["INV-2026-0002"], "outcome": "paid_in_full", "amount_recovered": "8750.00", "currency": "USD"}',
     'paid in full', now() - interval '30 days', now() - interval '28 days', 'system:escalation-engine',
     now() - interval '31 days', now() - interval '28 days'),
    ('40000000-0000-4000-8000-000000000007', '10000000-0000-4000-8000-000000000011',
     'Sunset Hospitality - linen service', 'Cancelled: customer represented by counsel; referred to legal.', 'cancelled', 'standard', 'en', 2,
     NULL,
     '{"invoice_numbers": ["INV-2026-0033", "INV-2026-0034"], "cancelled_reason": "represented_by_counsel"}',
     'cancelled: customer represented by counsel; referred to legal', now() - interval '99 days', NULL, 'user:ops@cec.example',
     now() - interval '100 days', now() - interval '85 days'),
    ('40000000-0000-4000-8000-000000000008', '10000000-0000-4000-8000-000000000009',
     'Rheinland Maschinenbau - order RM-4410', 'Email only, German templates. INV-2026-0027.', 'active', 'email_only', 'de', 2,
     now() + interval '7 days',
     '{"invoice_numbers": ["INV-2026-0027"]}',
     NULL, now() - interval '47 days', NULL, 'user:ops@cec.example',
     now() - interval '48 days', now() - interval '2 hours'),
    ('40000000-0000-4000-8000-000000000009', '10000000-0000-4000-8000-000000000008',
     'Thames Digital - support retainer', 'Draft: start if INV-2026-0025 is still unpaid after 14 days.', 'draft', 'email_only', 'en', 0,
     NULL,
     '{}',
     NULL, NULL, NULL, 'user:ops@cec.example',
     now() - interval '1 day', now() - interval '1 day')
  ) AS v (id, customer_id, name, description, status, schedule, language, current_step, next_step_at, results,
          outcome, started_at, completed_at, created_by, created_at, updated_at)
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- campaign_invoices: the invoices each campaign chases (after campaigns: the trigger copies
-- each link's customer and running flag, active or paused, from its campaign). At most one
-- running campaign per invoice, as the service holds it: starting another campaign for
-- Northwind's INV-2026-0004 is refused; the drafts' invoices are free, so they can start.
-- ---------------------------------------------------------------------------
INSERT INTO campaign_invoices (campaign_id, invoice_id)
SELECT campaign_id, invoice_id FROM seed_campaign_invoices ORDER BY campaign_id, invoice_id
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- tasks: each task's times are minutes from a base time. The base is a wall-clock time on a
-- day relative to today in the CUSTOMER's time zone (base_day, base_time), so every seeded
-- contact happened inside the customer's local 08:00-21:00 window; base_day NULL means now().
-- ---------------------------------------------------------------------------
INSERT INTO tasks (id, campaign_id, customer_id, agent_id, step_index, type, priority, status, context, result,
                   scheduled_for, attempts, max_attempts, lease_expires_at, last_error, assigned_at, started_at,
                   completed_at, created_at, updated_at)
SELECT v.id::uuid, v.campaign_id::uuid, v.customer_id::uuid, v.agent_id::uuid, v.step_index, v.type, v.priority,
       v.status, v.context::jsonb, v.result::jsonb,
       b.base + make_interval(mins => v.scheduled_min),
       v.attempts, v.max_attempts,
       b.base + make_interval(mins => v.lease_min),
       v.last_error,
       b.base + make_interval(mins => v.assigned_min),
       b.base + make_interval(mins => v.started_min),
       b.base + make_interval(mins => v.completed_min),
       least(b.base + make_interval(mins => v.created_min), now()),
       least(b.base + make_interval(mins => COALESCE(v.completed_min, v.started_min, v.assigned_min, v.created_min)), now())
  FROM (VALUES
    -- CP01 Northwind (US-MA): steps 0-2 done
    ('50000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000002',
     '20000000-0000-4000-8000-000000000001', 0, 'send_email', 'low', 'completed',
     '{"template": "friendly_reminder_email", "invoice_numbers": ["INV-2026-0004", "INV-2026-0005"], "amount_due": "31800.00", "currency": "USD"}',
     '{"contact_status": "opened", "message_id": "<nw-0001@cec.example>"}',
     -38, time '10:00', -2, 1, 3, NULL::integer, NULL, -1, -1, 0, -2),
    ('50000000-0000-4000-8000-000000000002', '40000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000002',
     '20000000-0000-4000-8000-000000000005', 1, 'send_sms', 'medium', 'completed',
     '{"template": "payment_reminder_sms", "invoice_numbers": ["INV-2026-0004", "INV-2026-0005"], "amount_due": "31800.00", "currency": "USD"}',
     '{"contact_status": "delivered", "segments": 1}',
     -32, time '11:15', -2, 1, 3, NULL, NULL, -1, -1, 0, -2),
    ('50000000-0000-4000-8000-000000000003', '40000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000002',
     '20000000-0000-4000-8000-000000000003', 2, 'make_call', 'medium', 'completed',
     '{"template": "friendly_call_script", "invoice_numbers": ["INV-2026-0004", "INV-2026-0005"], "amount_due": "27800.00", "currency": "USD"}',
     '{"contact_status": "answered", "outcome": "promise_to_pay", "promised_amount": "22000.00", "currency": "USD"}',
     -20, time '14:30', -10, 1, 3, NULL, NULL, -7, -6, 0, -10),
    -- CP02 Lone Star (US-TX): every step taken, research in progress
    ('50000000-0000-4000-8000-000000000004', '40000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000005',
     '20000000-0000-4000-8000-000000000002', 0, 'send_email', 'low', 'failed',
     '{"template": "friendly_reminder_email", "invoice_numbers": ["INV-2026-0015"], "amount_due": "45000.00", "currency": "USD"}',
     '{"contact_status": "bounced"}',
     -112, time '09:30', -30, 3, 3, NULL, '550 5.1.1 mailbox unavailable: ap@lonestarfab.example', -1, -1, 0, -8640),
    ('50000000-0000-4000-8000-000000000005', '40000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000005',
     '20000000-0000-4000-8000-000000000005', 1, 'send_sms', 'medium', 'completed',
     '{"template": "payment_reminder_sms", "invoice_numbers": ["INV-2026-0015"], "amount_due": "45000.00", "currency": "USD"}',
     '{"contact_status": "delivered", "segments": 1}',
     -105, time '10:45', -2, 1, 3, NULL, NULL, -1, -1, 0, -2),
    ('50000000-0000-4000-8000-000000000006', '40000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000005',
     '20000000-0000-4000-8000-000000000003', 2, 'make_call', 'medium', 'completed',
     '{"template": "friendly_call_script", "invoice_numbers": ["INV-2026-0015"], "amount_due": "45000.00", "currency": "USD"}',
     '{"contact_status": "failed", "outcome": "no_answer"}',
     -95, time '15:20', -10, 1, 3, NULL, NULL, -2, -1, 0, -10),
    ('50000000-0000-4000-8000-000000000007', '40000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000005',
     '20000000-0000-4000-8000-000000000001', 3, 'send_email', 'high', 'completed',
     '{"template": "final_notice_email", "invoice_numbers": ["INV-2026-0015", "INV-2026-0016", "INV-2026-0017"], "amount_due": "61000.00", "currency": "USD"}',
     '{"contact_status": "opened", "message_id": "<ls-0004@cec.example>"}',
     -30, time '09:10', -2, 1, 3, NULL, NULL, -1, -1, 0, -2),
    ('50000000-0000-4000-8000-000000000008', '40000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000005',
     '20000000-0000-4000-8000-000000000006', 4, 'research', 'urgent', 'in_progress',
     '{"invoice_numbers": ["INV-2026-0015", "INV-2026-0016", "INV-2026-0017"], "amount_due": "61000.00", "currency": "USD", "checks": ["credit_report", "company_registry", "alternate_contacts"]}',
     NULL,
     NULL, NULL, -120, 1, 3, 20, NULL, -60, -55, NULL, -120),
    -- CP03 Pacific Coast (US-CA, paused): reminder answered with a dispute; manual review queued
    ('50000000-0000-4000-8000-000000000009', '40000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000003',
     '20000000-0000-4000-8000-000000000001', 0, 'send_email', 'low', 'completed',
     '{"template": "friendly_reminder_email", "invoice_numbers": ["INV-2026-0008"], "amount_due": "18400.00", "currency": "USD"}',
     '{"contact_status": "replied", "outcome": "dispute"}',
     -25, time '08:45', -2, 1, 3, NULL, NULL, -1, -1, 0, -2),
    ('50000000-0000-4000-8000-000000000010', '40000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000003',
     NULL, NULL, 'manual_review', 'high', 'pending',
     '{"reason": "dispute", "invoice_numbers": ["INV-2026-0008"], "note": "Customer says 40 of 400 parts were rejected at inspection."}',
     NULL,
     -24, time '11:00', 0, 0, 1, NULL, NULL, NULL, NULL, NULL, 0),
    -- CP04 Evergreen (US-FL): reminder delivered, SMS claimed by an agent right now
    ('50000000-0000-4000-8000-000000000011', '40000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000012',
     '20000000-0000-4000-8000-000000000002', 0, 'send_email', 'low', 'completed',
     '{"template": "friendly_reminder_email", "invoice_numbers": ["INV-2026-0036"], "amount_due": "16000.00", "currency": "USD"}',
     '{"contact_status": "delivered"}',
     -40, time '10:00', -2, 1, 3, NULL, NULL, -1, -1, 0, -2),
    ('50000000-0000-4000-8000-000000000012', '40000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000012',
     '20000000-0000-4000-8000-000000000005', 1, 'send_sms', 'medium', 'assigned',
     '{"template": "payment_reminder_sms", "invoice_numbers": ["INV-2026-0036", "INV-2026-0037"], "amount_due": "20500.00", "currency": "USD"}',
     NULL,
     NULL, NULL, -10, 1, 3, 5, NULL, -5, NULL, NULL, -10),
    -- CP06 Acme (US-MA, completed): one reminder, then paid
    ('50000000-0000-4000-8000-000000000013', '40000000-0000-4000-8000-000000000006', '10000000-0000-4000-8000-000000000001',
     '20000000-0000-4000-8000-000000000001', 0, 'send_email', 'low', 'completed',
     '{"template": "friendly_reminder_email", "invoice_numbers": ["INV-2026-0002"], "amount_due": "8750.00", "currency": "USD"}',
     '{"contact_status": "opened"}',
     -29, time '09:00', -2, 1, 3, NULL, NULL, -1, -1, 0, -2),
    -- CP07 Sunset (US-AZ, cancelled): reminder sent before the do-not-contact; SMS step cancelled
    ('50000000-0000-4000-8000-000000000014', '40000000-0000-4000-8000-000000000007', '10000000-0000-4000-8000-000000000011',
     '20000000-0000-4000-8000-000000000002', 0, 'send_email', 'low', 'completed',
     '{"template": "friendly_reminder_email", "invoice_numbers": ["INV-2026-0033"], "amount_due": "32000.00", "currency": "USD"}',
     '{"contact_status": "delivered"}',
     -98, time '10:30', -2, 1, 3, NULL, NULL, -1, -1, 0, -2),
    ('50000000-0000-4000-8000-000000000015', '40000000-0000-4000-8000-000000000007', '10000000-0000-4000-8000-000000000011',
     NULL, 1, 'send_sms', 'medium', 'cancelled',
     '{"template": "payment_reminder_sms", "invoice_numbers": ["INV-2026-0033"], "amount_due": "32000.00", "currency": "USD"}',
     '{"cancelled_reason": "do_not_contact", "decided_by": "compliance"}',
     -91, time '10:00', 0, 0, 3, NULL, NULL, NULL, NULL, NULL, -1),
    -- CP08 Rheinland (DE): German reminder opened; second notice deferred to 09:00 Berlin time tomorrow
    ('50000000-0000-4000-8000-000000000016', '40000000-0000-4000-8000-000000000008', '10000000-0000-4000-8000-000000000009',
     '20000000-0000-4000-8000-000000000001', 0, 'send_email', 'low', 'completed',
     '{"template": "friendly_reminder_email", "language": "de", "invoice_numbers": ["INV-2026-0027"], "amount_due": "14000.00", "currency": "EUR"}',
     '{"contact_status": "opened"}',
     -45, time '09:00', -2, 1, 3, NULL, NULL, -1, -1, 0, -2),
    ('50000000-0000-4000-8000-000000000017', '40000000-0000-4000-8000-000000000008', '10000000-0000-4000-8000-000000000009',
     NULL, 1, 'send_email', 'medium', 'pending',
     '{"template": "firm_reminder_email", "language": "de", "invoice_numbers": ["INV-2026-0027"], "amount_due": "14000.00", "currency": "EUR", "deferred_reason": "contact_window"}',
     NULL,
     1, time '09:00', 0, 0, 3, NULL, NULL, NULL, NULL, NULL, -1500),
    -- ad-hoc work without a campaign (Great Lakes, US-IL)
    ('50000000-0000-4000-8000-000000000018', NULL, '10000000-0000-4000-8000-000000000007',
     '20000000-0000-4000-8000-000000000006', NULL, 'research', 'medium', 'completed',
     '{"reason": "verify new AP contact", "checks": ["company_registry", "alternate_contacts"]}',
     '{"findings": "AP contact changed to Robert Nowak; phone +13125550151 listed on the company website."}',
     -4, time '13:00', -60, 1, 3, NULL, NULL, -59, -50, 40, -60),
    ('50000000-0000-4000-8000-000000000019', NULL, '10000000-0000-4000-8000-000000000007',
     '20000000-0000-4000-8000-000000000007', NULL, 'make_call', 'medium', 'failed',
     '{"template": "friendly_call_script", "reason": "confirm AP contact before campaign", "invoice_numbers": ["INV-2026-0021"]}',
     '{"contact_status": "failed", "outcome": "carrier_error"}',
     -2, time '11:00', -20, 3, 3, NULL, 'carrier error: SIP 503 Service Unavailable', -2, -1, 0, -20)
  ) AS v (id, campaign_id, customer_id, agent_id, step_index, type, priority, status, context, result,
          base_day, base_time, scheduled_min, attempts, max_attempts, lease_min, last_error, assigned_min, started_min,
          completed_min, created_min)
  JOIN customer_profiles cp ON cp.customer_id = v.customer_id::uuid
 CROSS JOIN LATERAL (
       SELECT CASE WHEN v.base_day IS NULL THEN now()
                   ELSE (((now() AT TIME ZONE cp.timezone)::date + v.base_day) + v.base_time) AT TIME ZONE cp.timezone
              END AS base
 ) AS b
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- contact_attempts: attempted at a local wall-clock time (attempted_time) on a day relative to
-- today in the customer's time zone (attempted_day), like the tasks they belong to.
-- ---------------------------------------------------------------------------
INSERT INTO contact_attempts (id, customer_id, task_id, campaign_id, agent_id, template_id, channel, status,
                              attempted_at, duration, outcome, metadata, created_at, updated_at)
SELECT v.id::uuid, v.customer_id::uuid, v.task_id::uuid, v.campaign_id::uuid, v.agent_id::uuid, v.template_id::uuid,
       v.channel, v.status, b.at, v.duration, v.outcome, v.metadata::jsonb, b.at, b.at
  FROM (VALUES
    ('60000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000002', '50000000-0000-4000-8000-000000000001',
     '40000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001',
     'email', 'opened', -38, time '10:00', NULL::integer, NULL,
     '{"to": "billing@northwindtraders.example", "message_id": "<nw-0001@cec.example>", "opened_count": 2}'),
    ('60000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000002', '50000000-0000-4000-8000-000000000002',
     '40000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000005', '30000000-0000-4000-8000-000000000004',
     'sms', 'delivered', -32, time '11:15', NULL, NULL,
     '{"to": "+15085550117", "segments": 1, "provider_message_id": "SM5f1c0e"}'),
    ('60000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000002', '50000000-0000-4000-8000-000000000003',
     '40000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000003', '30000000-0000-4000-8000-000000000006',
     'phone', 'answered', -20, time '14:24', 312, 'promise_to_pay',
     '{"to": "+15085550117", "recording": true, "promised_amount": "22000.00", "currency": "USD"}'),
    ('60000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000005', '50000000-0000-4000-8000-000000000004',
     '40000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000001',
     'email', 'bounced', -112, time '09:30', NULL, 'hard_bounce',
     '{"to": "ap@lonestarfab.example", "smtp_code": 550, "smtp_message": "5.1.1 mailbox unavailable"}'),
    ('60000000-0000-4000-8000-000000000005', '10000000-0000-4000-8000-000000000005', '50000000-0000-4000-8000-000000000005',
     '40000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000005', '30000000-0000-4000-8000-000000000004',
     'sms', 'delivered', -105, time '10:45', NULL, NULL,
     '{"to": "+17135550129", "segments": 1, "provider_message_id": "SM77a0b2"}'),
    ('60000000-0000-4000-8000-000000000006', '10000000-0000-4000-8000-000000000005', '50000000-0000-4000-8000-000000000006',
     '40000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000003', '30000000-0000-4000-8000-000000000006',
     'phone', 'failed', -95, time '15:19', 0, 'no_answer',
     '{"to": "+17135550129", "rings": 8}'),
    ('60000000-0000-4000-8000-000000000007', '10000000-0000-4000-8000-000000000005', '50000000-0000-4000-8000-000000000007',
     '40000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000003',
     'email', 'opened', -30, time '09:10', NULL, NULL,
     '{"to": "travis.mccoy@lonestarfab.example", "message_id": "<ls-0004@cec.example>", "opened_count": 1}'),
    ('60000000-0000-4000-8000-000000000008', '10000000-0000-4000-8000-000000000003', '50000000-0000-4000-8000-000000000009',
     '40000000-0000-4000-8000-000000000003', '20000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001',
     'email', 'replied', -25, time '08:45', NULL, 'dispute',
     '{"to": "payables@pacificcoastmfg.example", "reply_excerpt": "40 of the 400 parts failed inspection; we will pay for 360."}'),
    ('60000000-0000-4000-8000-000000000009', '10000000-0000-4000-8000-000000000012', '50000000-0000-4000-8000-000000000011',
     '40000000-0000-4000-8000-000000000004', '20000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000001',
     'email', 'delivered', -40, time '10:00', NULL, NULL,
     '{"to": "billing@evergreenhealth.example"}'),
    ('60000000-0000-4000-8000-000000000010', '10000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000013',
     '40000000-0000-4000-8000-000000000006', '20000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001',
     'email', 'opened', -29, time '09:00', NULL, NULL,
     '{"to": "ap@acmelogistics.example", "opened_count": 1}'),
    ('60000000-0000-4000-8000-000000000011', '10000000-0000-4000-8000-000000000011', '50000000-0000-4000-8000-000000000014',
     '40000000-0000-4000-8000-000000000007', '20000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000001',
     'email', 'delivered', -98, time '10:30', NULL, NULL,
     '{"to": "ap@sunsethospitality.example"}'),
    ('60000000-0000-4000-8000-000000000012', '10000000-0000-4000-8000-000000000009', '50000000-0000-4000-8000-000000000016',
     '40000000-0000-4000-8000-000000000008', '20000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000010',
     'email', 'opened', -45, time '09:00', NULL, NULL,
     '{"to": "buchhaltung@rheinland-maschinenbau.example", "language": "de", "opened_count": 3}'),
    ('60000000-0000-4000-8000-000000000013', '10000000-0000-4000-8000-000000000007', '50000000-0000-4000-8000-000000000019',
     NULL, '20000000-0000-4000-8000-000000000007', '30000000-0000-4000-8000-000000000006',
     'phone', 'failed', -2, time '10:59', NULL, 'carrier_error',
     '{"to": "+13125550151", "sip_code": 503}'),
    ('60000000-0000-4000-8000-000000000014', '10000000-0000-4000-8000-000000000004', NULL,
     NULL, '20000000-0000-4000-8000-000000000005', '30000000-0000-4000-8000-000000000004',
     'sms', 'sent', -3, time '12:00', NULL, 'courtesy_reminder',
     '{"to": "+12125550188", "segments": 1, "invoice_numbers": ["INV-2026-0013"]}'),
    ('60000000-0000-4000-8000-000000000015', '10000000-0000-4000-8000-000000000008', NULL,
     NULL, '20000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000001',
     'email', 'replied', -4, time '10:20', NULL, 'payment_scheduled',
     '{"to": "accounts@thamesdigital.example", "invoice_numbers": ["INV-2026-0025"], "reply_excerpt": "Payment run on Friday."}'),
    ('60000000-0000-4000-8000-000000000016', '10000000-0000-4000-8000-000000000010', NULL,
     NULL, '20000000-0000-4000-8000-000000000005', '30000000-0000-4000-8000-000000000004',
     'sms', 'replied', -61, time '09:30', NULL, 'stop_requested',
     '{"to": "+61255501234", "reply": "STOP"}')
  ) AS v (id, customer_id, task_id, campaign_id, agent_id, template_id, channel, status, attempted_day, attempted_time,
          duration, outcome, metadata)
  JOIN customer_profiles cp ON cp.customer_id = v.customer_id::uuid
 CROSS JOIN LATERAL (
       SELECT (((now() AT TIME ZONE cp.timezone)::date + v.attempted_day) + v.attempted_time) AT TIME ZONE cp.timezone AS at
 ) AS b
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- opt_outs
-- ---------------------------------------------------------------------------
INSERT INTO opt_outs (id, customer_id, channel, source, reason, opted_out_at, expires_at, revoked_at, revoked_reason,
                      created_at, updated_at)
VALUES
    -- Harbour Bridge replied STOP to an SMS (contact attempt 16)
    ('70000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000010', 'sms', 'reply_stop',
     'Replied STOP to a payment reminder SMS.',
     (((now() AT TIME ZONE 'Australia/Sydney')::date - 61) + time '09:37') AT TIME ZONE 'Australia/Sydney', NULL, NULL, NULL,
     (((now() AT TIME ZONE 'Australia/Sydney')::date - 61) + time '09:37') AT TIME ZONE 'Australia/Sydney',
     (((now() AT TIME ZONE 'Australia/Sydney')::date - 61) + time '09:37') AT TIME ZONE 'Australia/Sydney'),
    -- Rocky Mountain Outfitters: no collection contact on any channel
    ('70000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000006', 'all', 'customer_request',
     'Pays through the supplier portal; asked in writing not to receive collection contacts.',
     now() - interval '120 days', NULL, NULL, NULL,
     now() - interval '120 days', now() - interval '120 days'),
    -- Thames Digital unsubscribed from email, then opted back in
    ('70000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000008', 'email', 'unsubscribe_link',
     'Clicked unsubscribe in a reminder email.', now() - interval '90 days', NULL,
     now() - interval '50 days', 'Customer asked in writing to receive invoice reminders by email again.',
     now() - interval '90 days', now() - interval '50 days'),
    -- Evergreen Health Partners: no calls at work
    ('70000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000012', 'phone', 'agent',
     'Asked not to be called at work; SMS or email only.', now() - interval '35 days', NULL, NULL, NULL,
     now() - interval '35 days', now() - interval '35 days')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- compliance_rules (see migration 004 for the parameters of each rule_type)
-- ---------------------------------------------------------------------------
-- The Regulation F and Massachusetts rows are the rules of the compliance service's presets
-- us-regulation-f and us-massachusetts (same codes), so installing a preset on the demo data
-- finds them installed. channels (migration 009) is given where a rule has several; elsewhere
-- it follows channel.
INSERT INTO compliance_rules (id, code, name, description, rule_type, channel, channels, jurisdiction, parameters, citation,
                              is_active, effective_from, effective_to, preset)
VALUES
    ('80000000-0000-4000-8000-000000000001', 'reg_f_contact_hours', 'Calls and texts between 08:00 and 21:00 local time',
     'No telephone calls or text messages before 8 a.m. or after 9 p.m. at the consumer''s location (an inconvenient time).',
     'contact_window', 'all', ARRAY['phone', 'sms'], 'US', '{"start": "08:00", "end": "21:00"}',
     '12 CFR 1006.6(b)(1)(i)', true, NULL, NULL, 'us-regulation-f'),
    ('80000000-0000-4000-8000-000000000002', 'us_reg_f_contact_window', 'Contact hours on every channel (house rule)',
     'No communication on any channel, email included, before 08:00 or after 21:00 in the consumer''s local time.',
     'contact_window', 'all', NULL, 'US', '{"start": "08:00", "end": "21:00"}',
     '12 CFR 1006.6(b)(1)(i)', true, DATE '2021-11-30', NULL, NULL),
    ('80000000-0000-4000-8000-000000000003', 'reg_f_call_frequency', 'At most 7 calls in 7 days',
     'More than seven telephone calls within seven consecutive days is presumed harassment: the eighth is refused.',
     'frequency_cap', 'phone', NULL, 'US', '{"max_attempts": 7, "window_days": 7}',
     '12 CFR 1006.14(b)(2)(i)(A)', true, NULL, NULL, 'us-regulation-f'),
    ('80000000-0000-4000-8000-000000000004', 'reg_f_conversation_cooldown', 'No call within 7 days after a phone conversation',
     'No telephone call within seven days after engaging in a telephone conversation with the consumer.',
     'conversation_cooldown', 'phone', NULL, 'US', '{"days": 7, "after_outcomes": ["answered"]}',
     '12 CFR 1006.14(b)(2)(i)(B)', true, NULL, NULL, 'us-regulation-f'),
    ('80000000-0000-4000-8000-000000000005', 'ma_call_frequency', 'At most 2 calls in 7 days (Massachusetts)',
     'No more than two telephone communications initiated with the debtor in each seven-day period.',
     'frequency_cap', 'phone', NULL, 'US-MA', '{"max_attempts": 2, "window_days": 7}',
     '940 CMR 7.04(1)(f)', true, NULL, NULL, 'us-massachusetts'),
    ('80000000-0000-4000-8000-000000000006', 'holiday_blackout', 'Holiday blackout',
     'No collection contact on Christmas Day, Boxing Day and New Year''s Day (customer''s local date).',
     'blackout_dates', 'all', NULL, '*',
     jsonb_build_object('dates', jsonb_build_array(
         to_char(current_date, 'YYYY') || '-01-01',
         to_char(current_date, 'YYYY') || '-12-25',
         to_char(current_date, 'YYYY') || '-12-26',
         to_char(current_date + interval '1 year', 'YYYY') || '-01-01')),
     NULL, true, NULL, NULL, NULL),
    ('80000000-0000-4000-8000-000000000007', 'email_frequency_cap', 'Email: 3 in 7 days',
     'Internal policy: at most three collection emails per customer in any seven days.',
     'frequency_cap', 'email', NULL, '*', '{"max_attempts": 3, "window_days": 7}',
     NULL, true, NULL, NULL, NULL),
    ('80000000-0000-4000-8000-000000000008', 'sms_frequency_cap', 'SMS: 2 in 7 days',
     'Internal policy: at most two collection text messages per customer in any seven days.',
     'frequency_cap', 'sms', NULL, '*', '{"max_attempts": 2, "window_days": 7}',
     NULL, true, NULL, NULL, NULL)
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- enrolment_policy (migration 011's one row, off by default): on for the demo data, so the
-- escalation engine enrols customers with invoices at least 7 days overdue and at least 100 USD,
-- EUR or GBP, or 150 AUD, overdue (any amount in another currency) into a standard-b2b campaign;
-- invoices that already had a campaign are left alone (every seeded invoice past due had one, so
-- the engine enrols the invoices that go overdue from now on). Updated only when it differs, so loading
-- the file again changes nothing (updated_at is the trigger's).
-- ---------------------------------------------------------------------------
UPDATE enrolment_policy
   SET enabled               = true,
       min_overdue_amounts   = '{"AUD": "150.00", "EUR": "100.00", "GBP": "100.00", "USD": "100.00"}'::jsonb,
       min_days_overdue      = 7,
       preset                = 'standard-b2b',
       excluded_customer_ids = '{}',
       updated_by            = 'system:seed'
 WHERE id
   AND (enabled, min_overdue_amounts, min_days_overdue, preset, excluded_customer_ids, updated_by)
       IS DISTINCT FROM
       (true, '{"AUD": "150.00", "EUR": "100.00", "GBP": "100.00", "USD": "100.00"}'::jsonb, 7, 'standard-b2b', '{}'::uuid[], 'system:seed');

-- ---------------------------------------------------------------------------
-- audit trail: appended only through log_audit_event, once per (entity, action)
-- ---------------------------------------------------------------------------
SELECT log_audit_event(e.entity_type, e.entity_id::uuid, e.action, e.actor_type, e.actor_id,
                       e.details::jsonb || '{"source": "seed 001_seed_test_data"}'::jsonb)
  FROM (VALUES
    (1, 'customer_profile', '11000000-0000-4000-8000-000000000011', 'do_not_contact_set', 'user', 'compliance.officer@cec.example',
     '{"before": {"do_not_contact": false}, "after": {"do_not_contact": true}, "reason": "represented_by_counsel"}'),
    (2, 'campaign', '40000000-0000-4000-8000-000000000007', 'status_changed', 'service', 'campaigns',
     '{"before": {"status": "active"}, "after": {"status": "cancelled"}, "reason": "do_not_contact"}'),
    (3, 'task', '50000000-0000-4000-8000-000000000015', 'compliance_decision', 'service', 'compliance',
     '{"decision": "DENY", "channel": "sms", "rules": ["do_not_contact"]}'),
    (4, 'task', '50000000-0000-4000-8000-000000000003', 'compliance_decision', 'service', 'compliance',
     '{"decision": "ALLOW", "channel": "phone", "rules": ["us_reg_f_call_window", "us_reg_f_call_frequency", "us_reg_f_call_cooldown", "us_ma_call_frequency"]}'),
    (5, 'opt_out', '70000000-0000-4000-8000-000000000001', 'created', 'service', 'compliance',
     '{"after": {"channel": "sms", "source": "reply_stop"}}'),
    (6, 'opt_out', '70000000-0000-4000-8000-000000000003', 'revoked', 'user', 'ops@cec.example',
     '{"before": {"revoked_at": null}, "after": {"revoked": true}, "reason": "customer opted back in"}'),
    (7, 'campaign', '40000000-0000-4000-8000-000000000003', 'status_changed', 'user', 'ops@cec.example',
     '{"before": {"status": "active"}, "after": {"status": "paused"}, "reason": "dispute"}'),
    (8, 'payment_record', '12000000-0000-4000-8000-000000000002', 'payment_recorded', 'service', 'customers',
     '{"before": {"status": "overdue", "amount_paid": "0.00"}, "after": {"status": "paid", "amount_paid": "8750.00"}}'),
    (9, 'campaign', '40000000-0000-4000-8000-000000000006', 'completed', 'service', 'campaigns',
     '{"before": {"status": "active"}, "after": {"status": "completed"}, "reason": "paid_in_full"}'),
    (10, 'task', '50000000-0000-4000-8000-000000000017', 'compliance_decision', 'service', 'compliance',
     '{"decision": "DEFER", "channel": "email", "rules": ["contact_window"], "timezone": "Europe/Berlin"}')
  ) AS e (ord, entity_type, entity_id, action, actor_type, actor_id, details)
 WHERE NOT EXISTS (SELECT 1 FROM audit_logs a
                    WHERE a.entity_id = e.entity_id::uuid AND a.action = e.action)
 ORDER BY e.ord;

-- ---------------------------------------------------------------------------
-- risk: recompute every seeded profile from the real scoring function (only when it changed,
-- so loading the file again on the same day changes nothing)
-- ---------------------------------------------------------------------------
UPDATE customer_profiles p
   SET risk_score            = f.score,
       risk_level            = f.risk_level,
       average_payment_delay = f.weighted_days_late,
       risk_factors          = to_jsonb(f),
       risk_calculated_at    = now()
  FROM customer_profiles p2
 CROSS JOIN LATERAL customer_risk_factors(p2.customer_id) f
 WHERE p2.id = p.id
   AND p.customer_id IN ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000002',
                         '10000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000004',
                         '10000000-0000-4000-8000-000000000005', '10000000-0000-4000-8000-000000000006',
                         '10000000-0000-4000-8000-000000000007', '10000000-0000-4000-8000-000000000008',
                         '10000000-0000-4000-8000-000000000009', '10000000-0000-4000-8000-000000000010',
                         '10000000-0000-4000-8000-000000000011', '10000000-0000-4000-8000-000000000012')
   AND (p.risk_calculated_at IS NULL
        OR p.risk_score IS DISTINCT FROM f.score
        OR p.risk_level IS DISTINCT FROM f.risk_level
        OR p.risk_factors IS DISTINCT FROM to_jsonb(f));

COMMIT;
