/**
 * Migration 010: campaign_invoices, the invoices each campaign chases. Each link takes its
 * customer and running flag from its campaign (triggers), and the partial unique index
 * campaign_invoices_one_running_campaign holds at most one running (active or paused) campaign
 * per customer and invoice, whoever writes and however many at once.
 */
import { Client } from 'pg';
import { useTestDatabase } from '@cec/testing';
import { asRole, insertFixtures, type Fixtures } from './fixtures';

describe('migration 010: campaign_invoices', () => {
  const db = useTestDatabase();
  let f: Fixtures;
  let serial = 0;

  beforeAll(async () => {
    f = await insertFixtures(db, '-010ci');
  });

  /** A new invoice of the fixture customer. */
  async function newInvoice(): Promise<string> {
    serial += 1;
    const [row] = await db.query<{ id: string }>(
      `INSERT INTO payment_records (customer_id, invoice_number, amount, currency, issued_date, due_date)
       VALUES ($1, $2, 100, 'USD', current_date - 30, current_date - 5) RETURNING id`,
      [f.customerId, `INV-CI-${serial}`],
    );
    return row.id;
  }

  async function newCampaign(status: string, invoiceIds: string[] = []): Promise<string> {
    const [row] = await db.query<{ id: string }>(
      `INSERT INTO campaigns (customer_id, name, status, started_at, completed_at)
       VALUES ($1, 'Campaign', $2, CASE WHEN $2 <> 'draft' THEN now() END, CASE WHEN $2 = 'completed' THEN now() END) RETURNING id`,
      [f.customerId, status],
    );
    for (const invoiceId of invoiceIds) await db.query('INSERT INTO campaign_invoices (campaign_id, invoice_id) VALUES ($1, $2)', [row.id, invoiceId]);
    return row.id;
  }

  const links = (campaignId: string) =>
    db.query<{ invoice_id: string; customer_id: string; running: boolean }>(
      'SELECT invoice_id, customer_id, running FROM campaign_invoices WHERE campaign_id = $1 ORDER BY invoice_id',
      [campaignId],
    );

  it('takes each link\'s customer and running flag from its campaign, whatever was written', async () => {
    const invoice = await newInvoice();
    const draft = await newCampaign('draft');
    await db.query('INSERT INTO campaign_invoices (campaign_id, invoice_id, customer_id, running) VALUES ($1, $2, $3, true)', [draft, invoice, f.customerId]);
    expect(await links(draft)).toEqual([{ invoice_id: invoice, customer_id: f.customerId, running: false }]);
    // running is never written by hand
    await db.query('UPDATE campaign_invoices SET running = true WHERE campaign_id = $1', [draft]);
    expect((await links(draft))[0].running).toBe(false);
  });

  it('follows the campaign\'s status: active and paused run, the rest do not', async () => {
    const invoice = await newInvoice();
    const other = await newInvoice();
    const campaign = await newCampaign('draft', [invoice, other]);
    const running = async () => (await links(campaign)).map((l) => l.running);
    expect(await running()).toEqual([false, false]);
    await db.query("UPDATE campaigns SET status = 'active', started_at = now() WHERE id = $1", [campaign]);
    expect(await running()).toEqual([true, true]);
    await db.query("UPDATE campaigns SET status = 'paused' WHERE id = $1", [campaign]);
    expect(await running()).toEqual([true, true]);
    await db.query("UPDATE campaigns SET status = 'cancelled' WHERE id = $1", [campaign]);
    expect(await running()).toEqual([false, false]);
  });

  it('refuses a second running campaign for an invoice, by insert or by status change; drafts and ended ones do not count', async () => {
    const invoice = await newInvoice();
    await newCampaign('draft', [invoice]);
    await newCampaign('draft', [invoice]);
    await newCampaign('cancelled', [invoice]);
    await newCampaign('completed', [invoice]);
    const first = await newCampaign('active', [invoice]);
    const viaInsert = newCampaign('paused', [invoice]);
    await expect(viaInsert).rejects.toMatchObject({ code: '23505', constraint: 'campaign_invoices_one_running_campaign' });
    const draft = await newCampaign('draft', [invoice]);
    await expect(db.query("UPDATE campaigns SET status = 'active', started_at = now() WHERE id = $1", [draft])).rejects.toMatchObject({
      code: '23505',
      constraint: 'campaign_invoices_one_running_campaign',
    });
    expect(await db.query('SELECT status FROM campaigns WHERE id = $1', [draft])).toEqual([{ status: 'draft' }]);
    // once the first ends, another may run
    await db.query("UPDATE campaigns SET status = 'completed', completed_at = now() WHERE id = $1", [first]);
    await db.query("UPDATE campaigns SET status = 'active', started_at = now() WHERE id = $1", [draft]);
    expect(await db.query('SELECT campaign_id FROM campaign_invoices WHERE invoice_id = $1 AND running', [invoice])).toEqual([{ campaign_id: draft }]);
  });

  it('lets exactly one of two concurrent starts win: the second waits for the first to commit, then fails', async () => {
    const invoice = await newInvoice();
    const a = await newCampaign('draft', [invoice]);
    const b = await newCampaign('draft', [invoice]);
    const one = new Client({ connectionString: db.urlAs('campaigns_svc') });
    const two = new Client({ connectionString: db.urlAs('campaigns_svc') });
    await Promise.all([one.connect(), two.connect()]);
    try {
      await one.query('BEGIN');
      await one.query("UPDATE campaigns SET status = 'active', started_at = now() WHERE id = $1", [a]);
      await two.query('BEGIN');
      let settled = false;
      const second = two.query("UPDATE campaigns SET status = 'active', started_at = now() WHERE id = $1", [b]).finally(() => {
        settled = true;
      });
      second.catch(() => undefined);
      // the second waits on the first's index entry (a lock wait shows in pg_stat_activity)
      for (let i = 0; i < 200; i += 1) {
        const [waiting] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()");
        if (waiting.n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(settled).toBe(false);
      await one.query('COMMIT');
      await expect(second).rejects.toMatchObject({ code: '23505', constraint: 'campaign_invoices_one_running_campaign' });
      await two.query('ROLLBACK');
    } finally {
      await Promise.all([one.end(), two.end()]);
    }
    expect(await db.query('SELECT id, status FROM campaigns WHERE id = ANY($1) ORDER BY status', [[a, b]])).toEqual([
      { id: a, status: 'active' },
      { id: b, status: 'draft' },
    ]);
  });

  it('belongs to campaigns_svc: it links and reads, but cannot delete; anchor_due_date is its to write', async () => {
    const invoice = await newInvoice();
    const campaign = await newCampaign('draft');
    await asRole(db, 'campaigns_svc', async (c) => {
      await c.query('INSERT INTO campaign_invoices (campaign_id, invoice_id) VALUES ($1, $2)', [campaign, invoice]);
      await c.query("UPDATE campaigns SET anchor_due_date = current_date - 5 WHERE id = $1", [campaign]);
      expect((await c.query('SELECT count(*)::int AS n FROM campaign_invoices WHERE campaign_id = $1', [campaign])).rows).toEqual([{ n: 1 }]);
      await expect(c.query('DELETE FROM campaign_invoices WHERE campaign_id = $1', [campaign])).rejects.toMatchObject({ code: '42501' });
    });
    for (const role of ['customers_svc', 'compliance_svc']) {
      await asRole(db, role, async (c) => {
        await expect(c.query('SELECT 1 FROM campaign_invoices LIMIT 1')).rejects.toMatchObject({ code: '42501' });
      });
    }
  });
});
