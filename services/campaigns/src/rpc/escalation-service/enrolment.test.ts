import { randomUUID } from 'node:crypto';
import { credentials } from '@grpc/grpc-js';
import { systemCall } from '@cec/context';
import { createClient } from '@cec/grpc';
import { campaignsV1, customersV1 } from '@cec/proto';
import { call } from '@cec/testing';
import type { CampaignsDeps } from '../../campaigns-config';
import { runEnrolment, type EnrolmentResult } from '../../enrolment';
import { useCampaignsService } from '../../testing/campaigns-harness';
import { campaignFixtures } from '../campaign-service/campaign-fixtures';

/**
 * Auto-enrolment against the real customers service and this file's database: runEnrolment is
 * called as the engine's pass calls it (the background pass is off: ENGINE_INTERVAL_MS=0), with
 * the service's own ORM and logger and a customers client made as the runtime makes it.
 */
const h = useCampaignsService({ env: { ENGINE_INTERVAL_MS: '0' } });
const { newCustomer, newTemplate, isoDay } = campaignFixtures(h);

let escalation: campaignsV1.EscalationServiceClient;
let invoicesClient: customersV1.InvoiceServiceClient;
let deps: CampaignsDeps;

beforeAll(async () => {
  escalation = new campaignsV1.EscalationServiceClient(h.address, credentials.createInsecure());
  invoicesClient = createClient(customersV1.InvoiceServiceClient, h.customersProcess.address, { caller: 'campaigns' });
  deps = depsWith(invoicesClient);
  // The templates standard-b2b resolves by name (gentle-b2b's firm_reminder_email is left out on purpose).
  for (const [name, channel] of [
    ['pre_due_reminder_email', 'email'],
    ['friendly_reminder_email', 'email'],
    ['payment_reminder_sms', 'sms'],
    ['friendly_call_script', 'phone'],
    ['final_notice_letter', 'letter'],
  ] as const) {
    await newTemplate(channel, { name });
  }
});
afterAll(() => {
  escalation?.close();
  invoicesClient?.close();
});

function depsWith(invoices: customersV1.InvoiceServiceClient): CampaignsDeps {
  const service = h.kit.service;
  return { orm: service.orm, logger: service.logger, clients: { invoices, customers: h.customers, compliance: h.compliance } } as unknown as CampaignsDeps;
}

const enrol = (d = deps): Promise<EnrolmentResult> => runEnrolment(d, systemCall('escalation-engine', randomUUID(), { deadline: new Date(Date.now() + 30_000) }));

async function invoice(customerId: string, amount: string, currency: string, daysOverdue: number): Promise<string> {
  const { invoice: created } = await call(h.invoices, 'createInvoice', {
    invoice: customersV1.Invoice.fromPartial({
      customerId,
      invoiceNumber: `INV-E-${randomUUID().slice(0, 13)}`,
      amount: { currencyCode: currency, amount },
      issuedDate: isoDay(-daysOverdue - 30),
      dueDate: isoDay(-daysOverdue),
    }),
    requestId: randomUUID(),
  });
  return created?.id as string;
}

const setPolicy = (policy: Partial<campaignsV1.EnrolmentPolicy>, paths: string[]) =>
  call(escalation, 'updateEnrolmentPolicy', { policy: campaignsV1.EnrolmentPolicy.fromPartial(policy), updateMask: paths });

/** Customer -> the sorted invoice ids of each campaign the engine made for it. */
async function enrolledBy(customerIds: readonly string[]): Promise<Record<string, string[][]>> {
  const rows = await h.db.query<{ customer_id: string; invoice_ids: string[] }>(
    `SELECT c.customer_id, array_agg(ci.invoice_id::text ORDER BY ci.invoice_id) AS invoice_ids
       FROM campaigns c JOIN campaign_invoices ci ON ci.campaign_id = c.id
      WHERE c.created_by = 'system:escalation-engine' AND c.customer_id = ANY($1::uuid[])
      GROUP BY c.id, c.customer_id ORDER BY c.customer_id`,
    [customerIds],
  );
  const out: Record<string, string[][]> = {};
  for (const r of rows) (out[r.customer_id] ??= []).push(r.invoice_ids);
  return out;
}

const sorted = (...ids: string[]): string[] => [...ids].sort();
const count = async (sql: string, params: unknown[] = []): Promise<number> => Number(Object.values((await h.db.query(sql, params))[0])[0]);
const runningTwice = () => count('SELECT count(*) FROM (SELECT invoice_id FROM campaign_invoices WHERE running GROUP BY invoice_id HAVING count(*) > 1) x');

let early: { customerId: string; invoiceId: string };

describe('auto-enrolment', () => {
  it('with the policy off (the default) nobody is enrolled', async () => {
    const customerId = await newCustomer();
    early = { customerId, invoiceId: await invoice(customerId, '5000.00', 'USD', 40) };
    const before = await count('SELECT count(*) FROM campaigns');
    expect(await enrol()).toEqual({ enrolled: 0, lost: 0, failed: 0, waitingForTemplates: 0 });
    expect(await count('SELECT count(*) FROM campaigns')).toBe(before);
  });

  const c: Record<string, string> = {};
  const inv: Record<string, string> = {};
  let manualRunning = '';

  it('on: exactly the customers that meet the policy, each with its invoices, started and audited by the engine', async () => {
    for (const name of ['usdEdge', 'usdShort', 'daysShort', 'mixed', 'sum', 'partlyRecent', 'aud', 'excluded', 'cancelledBefore', 'cancelledOnly', 'running', 'partial']) {
      c[name] = await newCustomer();
    }
    inv.usdEdge = await invoice(c.usdEdge, '100.00', 'USD', 7); // both edges: the minimum and the days
    inv.usdShort = await invoice(c.usdShort, '99.99', 'USD', 30); // a cent short
    inv.daysShort = await invoice(c.daysShort, '500.00', 'USD', 6); // a day short
    inv.mixedUsd = await invoice(c.mixed, '60.00', 'USD', 10); // USD short, but EUR meets its minimum
    inv.mixedEur = await invoice(c.mixed, '100.00', 'EUR', 8);
    inv.sum1 = await invoice(c.sum, '50.00', 'GBP', 10); // 50 + 50 GBP: on the edge together
    inv.sum2 = await invoice(c.sum, '50.00', 'GBP', 20);
    inv.old = await invoice(c.partlyRecent, '500.00', 'USD', 10);
    inv.recent = await invoice(c.partlyRecent, '500.00', 'USD', 3); // too recent: not in the campaign
    inv.aud = await invoice(c.aud, '5.00', 'NZD', 9); // no NZD minimum (AUD has one): any amount
    inv.excluded = await invoice(c.excluded, '9000.00', 'USD', 30);
    inv.cancelledOld = await invoice(c.cancelledBefore, '1000.00', 'USD', 30);
    inv.cancelledNew = await invoice(c.cancelledBefore, '1000.00', 'USD', 10);
    inv.cancelledOnly = await invoice(c.cancelledOnly, '1000.00', 'USD', 30);
    inv.running = await invoice(c.running, '1000.00', 'USD', 30);
    inv.partial = await invoice(c.partial, '1000.00', 'USD', 30);
    await call(h.invoices, 'recordPayment', { invoiceId: inv.partial, amount: { currencyCode: 'USD', amount: '950.00' }, paidDate: '', reference: 'part', requestId: randomUUID() });

    // Earlier campaigns made by people: two cancelled (their invoices are not enrolled again), one running.
    for (const [customerId, invoiceId, cancel] of [
      [c.cancelledBefore, inv.cancelledOld, true],
      [c.cancelledOnly, inv.cancelledOnly, true],
      [c.running, inv.running, false],
    ] as const) {
      const { campaign } = await call(h.campaigns, 'createCampaign', {
        campaign: campaignsV1.Campaign.fromPartial({ customerId, name: 'By hand', invoiceIds: [invoiceId] }),
        preset: 'standard-b2b',
        start: true,
        requestId: randomUUID(),
      });
      if (cancel) await call(h.campaigns, 'cancelCampaign', { campaignId: campaign?.id as string, reason: 'customer disputes it' });
      else manualRunning = campaign?.id as string;
    }

    await setPolicy(
      {
        enabled: true,
        minOverdueAmounts: [
          { currencyCode: 'USD', amount: '100' },
          { currencyCode: 'EUR', amount: '100' },
          { currencyCode: 'GBP', amount: '100' },
          { currencyCode: 'AUD', amount: '150' },
        ],
        minDaysOverdue: 7,
        preset: 'standard-b2b',
        excludedCustomerIds: [c.excluded],
      },
      ['*'],
    );

    const result = await enrol();
    expect(result).toEqual({ enrolled: 7, lost: 0, failed: 0, waitingForTemplates: 0 });
    expect(await enrolledBy([...Object.values(c), early.customerId])).toEqual(
      Object.fromEntries(
        [
          [early.customerId, [[early.invoiceId]]],
          [c.usdEdge, [[inv.usdEdge]]],
          [c.mixed, [sorted(inv.mixedUsd, inv.mixedEur)]],
          [c.sum, [sorted(inv.sum1, inv.sum2)]],
          [c.partlyRecent, [[inv.old]]],
          [c.aud, [[inv.aud]]],
          [c.cancelledBefore, [[inv.cancelledNew]]],
        ].sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1)),
      ),
    );

    // Started at once from the preset, by the engine, and audited (created + started) in its name.
    const made = await h.db.query<{ id: string; status: string; preset: string; started: boolean; next_step_at: Date | null; steps: number; request_id: string; anchor_due_date: string }>(
      `SELECT id, status, preset, started_at IS NOT NULL AS started, next_step_at, jsonb_array_length(escalation_steps) AS steps, request_id, anchor_due_date::text
         FROM campaigns WHERE created_by = 'system:escalation-engine'`,
    );
    expect(made).toHaveLength(7);
    for (const m of made) {
      expect(m).toEqual(expect.objectContaining({ status: 'active', preset: 'standard-b2b', started: true, steps: 6 }));
      expect(m.next_step_at).not.toBeNull();
      expect(m.request_id).toMatch(/^[0-9a-f-]{14}5/);
    }
    const sumCampaign = (await h.db.query<{ anchor: string }>(
      "SELECT c.anchor_due_date::text AS anchor FROM campaigns c WHERE c.customer_id = $1 AND c.created_by = 'system:escalation-engine'",
      [c.sum],
    ))[0];
    expect(sumCampaign.anchor).toBe(isoDay(-20));
    const events = await h.db.query<{ action: string; n: string }>(
      `SELECT a.action, count(*) AS n FROM audit_logs a
        WHERE a.entity_type = 'campaign' AND a.actor_type = 'system' AND a.actor_id = 'escalation-engine'
          AND a.entity_id IN (SELECT id FROM campaigns WHERE created_by = 'system:escalation-engine')
        GROUP BY a.action ORDER BY a.action`,
    );
    expect(events.map((e) => [e.action, Number(e.n)])).toEqual([
      ['created', 7],
      ['started', 7],
    ]);
    // The person's running campaign is untouched and still the only one for its invoice.
    expect(await count('SELECT count(*) FROM campaign_invoices WHERE invoice_id = $1', [inv.running])).toBe(1);
    expect(await count("SELECT count(*) FROM campaigns WHERE id = $1 AND status = 'active'", [manualRunning])).toBe(1);
    expect(await runningTwice()).toBe(0);
  });

  it('run again: nothing more is made', async () => {
    const before = await count('SELECT count(*) FROM campaigns');
    expect(await enrol()).toEqual({ enrolled: 0, lost: 0, failed: 0, waitingForTemplates: 0 });
    expect(await count('SELECT count(*) FROM campaigns')).toBe(before);
  });

  it('the recent invoice is enrolled in a campaign of its own once it is old enough (the minimum days lowered)', async () => {
    await setPolicy({ minDaysOverdue: 3 }, ['min_days_overdue']);
    expect((await enrol()).enrolled).toBe(2); // partlyRecent's recent invoice, and daysShort's
    expect((await enrolledBy([c.partlyRecent]))[c.partlyRecent]).toEqual(expect.arrayContaining([[inv.old], [inv.recent]]));
    await setPolicy({ minDaysOverdue: 7 }, ['min_days_overdue']);
  });

  it('concurrent passes (5 at once) make one campaign per customer; no invoice is in two running campaigns', async () => {
    const customers: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      const customerId = await newCustomer();
      customers.push(customerId);
      await invoice(customerId, '300.00', 'USD', 10 + i);
      if (i % 3 === 0) await invoice(customerId, '200.00', 'EUR', 15);
    }
    const results = await Promise.all(Array.from({ length: 5 }, () => enrol()));
    expect(results.reduce((n, r) => n + r.enrolled, 0)).toBe(12);
    expect(results.every((r) => r.failed === 0)).toBe(true);
    const perCustomer = await h.db.query<{ customer_id: string; n: string }>(
      'SELECT customer_id, count(*) AS n FROM campaigns WHERE customer_id = ANY($1::uuid[]) GROUP BY customer_id',
      [customers],
    );
    expect(perCustomer).toHaveLength(12);
    expect(perCustomer.every((r) => Number(r.n) === 1)).toBe(true);
    expect(await count('SELECT count(*) FROM campaign_invoices ci JOIN campaigns c ON c.id = ci.campaign_id WHERE c.customer_id = ANY($1::uuid[])', [customers])).toBe(16);
    expect(await runningTwice()).toBe(0);
    // One 'created' event per campaign, whoever won.
    expect(
      await count(
        "SELECT count(*) FROM audit_logs WHERE entity_type = 'campaign' AND action = 'created' AND entity_id IN (SELECT id FROM campaigns WHERE customer_id = ANY($1::uuid[]))",
        [customers],
      ),
    ).toBe(12);
  });

  it("one customer's failure (its invoice paid after the listing) does not stop the others", async () => {
    const payer = await newCustomer();
    const paidInvoice = await invoice(payer, '700.00', 'USD', 12);
    const others = [await newCustomer(), await newCustomer()];
    for (const o of others) await invoice(o, '700.00', 'USD', 12);
    // The invoice is paid between the listing and the campaigns being made.
    const paying = new Proxy(invoicesClient, {
      get(target, prop, receiver) {
        if (prop !== 'batchGetInvoices') return Reflect.get(target, prop, receiver);
        return (...args: Parameters<customersV1.InvoiceServiceClient['batchGetInvoices']>) => {
          call(h.invoices, 'recordPayment', { invoiceId: paidInvoice, amount: { currencyCode: 'USD', amount: '700.00' }, paidDate: '', reference: 'paid', requestId: randomUUID() }).then(
            () => (target.batchGetInvoices as (...a: unknown[]) => unknown).apply(target, args),
            (error: Error) => (args[args.length - 1] as (e: Error) => void)(error),
          );
          return undefined as never;
        };
      },
    });
    expect(await enrol(depsWith(paying))).toEqual({ enrolled: 2, lost: 0, failed: 1, waitingForTemplates: 0 });
    expect(Object.keys(await enrolledBy([payer, ...others])).sort()).toEqual([...others].sort());
  });

  it('a preset whose templates are not installed: nobody is enrolled until they are', async () => {
    const customerId = await newCustomer();
    await invoice(customerId, '800.00', 'USD', 15);
    await setPolicy({ preset: 'gentle-b2b' }, ['preset']);
    expect(await enrol()).toEqual({ enrolled: 0, lost: 0, failed: 0, waitingForTemplates: 1 });
    expect(await enrolledBy([customerId])).toEqual({});
    await newTemplate('email', { name: 'firm_reminder_email' });
    expect((await enrol()).enrolled).toBe(1);
    expect(await h.db.query('SELECT preset FROM campaigns WHERE customer_id = $1', [customerId])).toEqual([{ preset: 'gentle-b2b' }]);
  });

  it('the customers service down: UNAVAILABLE, and nothing is made', async () => {
    const customerId = await newCustomer();
    await invoice(customerId, '800.00', 'USD', 15);
    const before = await count('SELECT count(*) FROM campaigns');
    await h.stopPeer('customers');
    const error = await enrol().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.constructor.name).toBe('UnavailableError');
    expect(await count('SELECT count(*) FROM campaigns')).toBe(before);
  });
});
