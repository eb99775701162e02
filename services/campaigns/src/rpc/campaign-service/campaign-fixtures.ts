import { randomUUID } from 'node:crypto';
import { campaignsV1, customersV1 } from '@cec/proto';
import { call, snapshot } from '@cec/testing';
import type { CampaignsHarness } from '../../testing/campaigns-harness';

/** The tables a campaign call may change: a refused call must leave each as it was. */
export const CAMPAIGN_TABLES = ['campaigns', 'campaign_invoices', 'tasks'] as const;

const isoDay = (offsetDays: number): string => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** Customers and invoices through the customers service; templates and tasks by SQL (this service's own tables). */
export function campaignFixtures(h: CampaignsHarness) {
  let serial = 0;
  const next = () => {
    serial += 1;
    return `${serial}-${randomUUID().slice(0, 8)}`;
  };

  async function newCustomer(): Promise<string> {
    const n = next();
    const response = await call(h.customers, 'createCustomer', {
      customer: customersV1.Customer.fromPartial({ companyName: `Campaign Test ${n}`, email: `ap-${n}@example.com` }),
      profile: undefined,
      requestId: randomUUID(),
    });
    return response.customer?.id as string;
  }

  /** An invoice of the customer, due `dueInDays` from today (negative: overdue). */
  async function newInvoice(customerId: string, dueInDays = -10, amount = '500.00'): Promise<customersV1.Invoice> {
    const response = await call(h.invoices, 'createInvoice', {
      invoice: customersV1.Invoice.fromPartial({
        customerId,
        invoiceNumber: `INV-C-${next()}`,
        amount: { currencyCode: 'USD', amount },
        issuedDate: isoDay(Math.min(dueInDays, 0) - 30),
        dueDate: isoDay(dueInDays),
      }),
      requestId: randomUUID(),
    });
    return response.invoice as customersV1.Invoice;
  }

  /** A template version inserted as the migration role: this service's table, whatever TemplateService does. */
  async function newTemplate(channel: 'email' | 'sms' | 'phone' | 'letter', options: { name?: string; version?: number; active?: boolean; language?: string } = {}): Promise<string> {
    const name = options.name ?? `test_${channel}_${next().replace(/-/g, '_')}`;
    const [row] = await h.db.query<{ id: string }>(
      `INSERT INTO templates (name, channel, subject, body, language, version, is_active)
       VALUES ($1, $2, CASE WHEN $2 IN ('email', 'letter') THEN 'Invoice {{invoice_number}}' END, 'Hello {{contact_name}}', $3, $4, $5)
       RETURNING id`,
      [name, channel, options.language ?? 'en', options.version ?? 1, options.active ?? true],
    );
    return row.id;
  }

  /** A customer with `n` overdue invoices. */
  async function customerWithInvoices(n = 1): Promise<{ customerId: string; invoices: customersV1.Invoice[] }> {
    const customerId = await newCustomer();
    const invoices: customersV1.Invoice[] = [];
    for (let i = 0; i < n; i += 1) invoices.push(await newInvoice(customerId, -10 - i));
    return { customerId, invoices };
  }

  const step = (overrides: Partial<campaignsV1.EscalationStep>): campaignsV1.EscalationStep =>
    campaignsV1.EscalationStep.fromPartial({ name: 'Step', anchor: campaignsV1.StepAnchor.STEP_ANCHOR_DUE_DATE, ...overrides });

  /** The state of every campaign table and the audit events (without the sequencer's seal, which runs in the background). */
  const state = async () => ({
    ...(await snapshot(h.db, CAMPAIGN_TABLES)),
    audit_logs: await h.db.query('SELECT id, entity_type, entity_id, action, actor_type, actor_id, details FROM audit_logs ORDER BY id'),
  });

  const auditEvents = (entityId: string) =>
    h.db.query<{ entity_type: string; action: string; actor_type: string; actor_id: string; details: Record<string, unknown> }>(
      'SELECT entity_type, action, actor_type, actor_id, details FROM audit_logs WHERE entity_id = $1 ORDER BY append_id',
      [entityId],
    );

  return { newCustomer, newInvoice, newTemplate, customerWithInvoices, step, state, auditEvents, isoDay };
}
