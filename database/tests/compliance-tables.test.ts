/**
 * Migration 009: rule versions numbered by the database, the append-only opt-out history (and
 * the mirror of the older opt_outs table), check_opt_out_status over it, and the append-only
 * decision tables.
 */
import { useTestDatabase } from '@cec/testing';
import { asRole, insertFixtures, type Fixtures } from './fixtures';

describe('migration 009: compliance decisions', () => {
  const db = useTestDatabase();
  let f: Fixtures;

  beforeAll(async () => {
    f = await insertFixtures(db, '-009');
  });


  it('numbers rule versions itself and keeps each version readable; code and type never change', async () => {
    const [rule] = await db.query<{ id: string; version: number; channels: string[] }>(
      `INSERT INTO compliance_rules (code, name, rule_type, channel, jurisdiction, parameters, version)
       VALUES ('db_test_cap', 'Cap', 'frequency_cap', 'sms', 'US', '{"max_attempts": 2, "window_days": 7}', 41)
       RETURNING id, version, channels`,
    );
    expect(rule).toMatchObject({ version: 1, channels: ['sms'] });
    await db.query("UPDATE compliance_rules SET parameters = '{\"max_attempts\": 3, \"window_days\": 7}', version = 99 WHERE id = $1", [rule.id]);
    await db.query('UPDATE compliance_rules SET updated_at = now() WHERE id = $1', [rule.id]); // not a change of what it says
    await db.query("UPDATE compliance_rules SET channels = '{sms,email}' WHERE id = $1", [rule.id]);
    const versions = await db.query<{ version: number; max: number; channels: string[] }>(
      "SELECT version, (snapshot -> 'parameters' ->> 'max_attempts')::int AS max, ARRAY(SELECT jsonb_array_elements_text(snapshot -> 'channels')) AS channels FROM compliance_rule_versions WHERE rule_id = $1 ORDER BY version",
      [rule.id],
    );
    expect(versions).toEqual([
      { version: 1, max: 2, channels: ['sms'] },
      { version: 2, max: 3, channels: ['sms'] },
      { version: 3, max: 3, channels: ['email', 'sms'] },
    ]);
    expect(await db.query('SELECT channel FROM compliance_rules WHERE id = $1', [rule.id])).toEqual([{ channel: 'all' }]);
    await expect(db.query("UPDATE compliance_rules SET code = 'other' WHERE id = $1", [rule.id])).rejects.toMatchObject({ code: '23514' });
    await expect(db.query('DELETE FROM compliance_rule_versions WHERE rule_id = $1', [rule.id])).rejects.toMatchObject({ code: '42501' });
  });

  it('mirrors rows written to opt_outs into the history, and check_opt_out_status follows the history', async () => {
    const customer = f.customerId;
    const status = async (channel: string) => (await db.query<{ out: boolean }>('SELECT check_opt_out_status($1, $2) AS out', [customer, channel]))[0].out;
    // insertFixtures wrote one opt_outs row; it is in the history as an opt-out
    expect(await db.query('SELECT kind, channel FROM opt_out_events WHERE opt_out_id = $1', [f.optOutId])).toEqual([
      { kind: 'opt_out', channel: expect.any(String) },
    ]);
    await db.query("UPDATE opt_outs SET revoked_at = now(), revoked_reason = 'asked again' WHERE id = $1", [f.optOutId]);
    expect((await db.query<{ kind: string }>('SELECT kind FROM opt_out_events WHERE opt_out_id = $1 ORDER BY kind DESC', [f.optOutId])).map((r) => r.kind)).toEqual([
      'opt_out',
      'opt_in',
    ]);
    for (const channel of ['email', 'phone', 'sms']) expect(await status(channel)).toBe(false);

    // all channels out (after the sms opt-in above took effect), then email back in: only email is open
    await db.query("INSERT INTO opt_out_events (customer_id, channel, kind, source, effective_at) VALUES ($1, 'all', 'opt_out', 'legal', clock_timestamp())", [customer]);
    await db.query("INSERT INTO opt_out_events (customer_id, channel, kind, source, reason, effective_at) VALUES ($1, 'email', 'opt_in', 'customer_request', 'wants invoices by email', clock_timestamp())", [customer]);
    expect([await status('email'), await status('phone'), await status('sms')]).toEqual([false, true, true]);
    // an opt-in needs a reason; the history never changes
    await expect(db.query("INSERT INTO opt_out_events (customer_id, channel, kind, source, effective_at) VALUES ($1, 'sms', 'opt_in', 'agent', now())", [customer])).rejects.toMatchObject({ code: '23514' });
    await expect(db.query("UPDATE opt_out_events SET channel = 'sms' WHERE customer_id = $1", [customer])).rejects.toMatchObject({ code: '42501' });
    await expect(db.query('DELETE FROM opt_out_events WHERE customer_id = $1', [customer])).rejects.toMatchObject({ code: '42501' });
  });

  it('keeps decisions and attempts append-only, even for the compliance role', async () => {
    const [decision] = await db.query<{ id: string }>(
      "INSERT INTO compliance_decisions (customer_id, channel, proposed_at, result) VALUES ($1, 'email', now(), 'allow') RETURNING id",
      [f.customerId],
    );
    await asRole(db, 'compliance_svc', async (c) => {
      await expect(c.query("UPDATE compliance_decisions SET result = 'deny' WHERE id = $1", [decision.id])).rejects.toMatchObject({ code: '42501' });
      await expect(c.query('DELETE FROM compliance_decisions WHERE id = $1', [decision.id])).rejects.toMatchObject({ code: '42501' });
      await c.query("INSERT INTO contact_reservations (decision_id, customer_id, channel, slot_at, expires_at) VALUES ($1, $2, 'email', now(), now() + interval '1 hour')", [
        decision.id,
        f.customerId,
      ]);
    });
    // a deferral needs its time, and only a deferral has one
    await expect(
      db.query("INSERT INTO compliance_decisions (customer_id, channel, proposed_at, result) VALUES ($1, 'sms', now(), 'defer')", [f.customerId]),
    ).rejects.toMatchObject({ code: '23514' });
  });

  it('(migration 010) lets compliance upgrade the outcome of a recorded attempt, and nothing else of it', async () => {
    const attemptId = '5a1f0c3e-3b7a-4c1e-9d7e-0a0b0c0d0e01';
    await asRole(db, 'compliance_svc', async (c) => {
      await c.query("INSERT INTO compliance_contact_attempts (attempt_id, customer_id, channel, attempted_at, outcome) VALUES ($1, $2, 'email', now(), 'delivered')", [
        attemptId,
        f.customerId,
      ]);
      await c.query("UPDATE compliance_contact_attempts SET outcome = 'replied' WHERE attempt_id = $1", [attemptId]);
      await expect(c.query("UPDATE compliance_contact_attempts SET channel = 'sms' WHERE attempt_id = $1", [attemptId])).rejects.toMatchObject({ code: '42501' });
      await expect(c.query('DELETE FROM compliance_contact_attempts WHERE attempt_id = $1', [attemptId])).rejects.toMatchObject({ code: '42501' });
    });
    // not even the owner changes anything but the outcome
    await expect(db.query('UPDATE compliance_contact_attempts SET attempted_at = now() - interval \'1 day\' WHERE attempt_id = $1', [attemptId])).rejects.toMatchObject({
      code: '42501',
    });
    await expect(db.query('DELETE FROM compliance_contact_attempts WHERE attempt_id = $1', [attemptId])).rejects.toMatchObject({ code: '42501' });
    expect(await db.query('SELECT outcome FROM compliance_contact_attempts WHERE attempt_id = $1', [attemptId])).toEqual([{ outcome: 'replied' }]);
  });
});
