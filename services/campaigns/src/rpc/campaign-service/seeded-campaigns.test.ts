/**
 * The demo data's campaigns (database/seeds/001_seed_test_data.sql) are what CreateCampaign
 * would have stored: steps that pass its rules with the seeded templates, stored as it stores
 * them; the invoices each chases, with one running campaign per invoice; anchor_due_date.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { InvalidArgumentError, Violations } from '@cec/errors';
import { campaignsV1, customersV1 } from '@cec/proto';
import { call, rejectionOf } from '@cec/testing';
import { anchorDueDate } from '../../domain/campaign-invoices';
import { templateIdsOf, validateSteps, type StepDraft } from '../../domain/step';
import { stepToJson, type StepJson } from '../../store/campaign-rows';
import { templatesByIds } from '../../store/campaign-templates';
import { useCampaignsService } from '../../testing/campaigns-harness';
import { campaignFixtures } from './campaign-fixtures';

const SEED = readFileSync(join(__dirname, '..', '..', '..', '..', '..', 'database', 'seeds', '001_seed_test_data.sql'), 'utf8');
const h = useCampaignsService();
const { state } = campaignFixtures(h);
const { CampaignStatus: S, TaskType, StepAnchor } = campaignsV1;

const id = (prefix: string, n: number): string => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const campaign = (n: number): string => id('40000000', n);
const invoice = (n: number): string => id('12000000', n);
const template = (n: number): string => id('30000000', n);
const NORTHWIND = id('10000000', 2);

/** The invoices each seeded campaign chases (INV-2026-00NN is invoice(NN)). */
const INVOICES: Record<string, string[]> = {
  [campaign(1)]: [invoice(4), invoice(5)],
  [campaign(2)]: [invoice(15), invoice(16), invoice(17)],
  [campaign(3)]: [invoice(8)],
  [campaign(4)]: [invoice(36), invoice(37)],
  [campaign(5)]: [invoice(21)],
  [campaign(6)]: [invoice(2)],
  [campaign(7)]: [invoice(33), invoice(34)],
  [campaign(8)]: [invoice(27)],
  [campaign(9)]: [invoice(25)],
};

/** A stored step as the caller of CreateCampaign would have sent it. */
function draftOf(j: StepJson): StepDraft {
  const amounts = typeof j.conditions.min_amount_overdue === 'object' ? j.conditions.min_amount_overdue : {};
  return {
    name: j.name,
    taskType: j.task_type,
    templateId: j.template_id ?? '',
    delayDays: j.delay_days,
    anchor: j.delay_from,
    priority: j.priority,
    conditions: {
      minAmountOverdue: Object.entries(amounts).map(([currencyCode, amount]) => ({ currencyCode, amount })),
      minDaysOverdue: j.conditions.min_days_overdue ?? 0,
      riskLevels: j.conditions.risk_levels ?? [],
    },
    fallbackTaskType: j.fallback_task_type,
    fallbackTemplateId: j.fallback_template_id ?? '',
  };
}

function problemsOf(v: Violations): string[] {
  try {
    v.throwIfAny();
    return [];
  } catch (error) {
    return (error as InvalidArgumentError).violations.map((x) => `${x.field}: ${x.description}`);
  }
}

const get = async (campaignId: string): Promise<campaignsV1.Campaign> => (await call(h.campaigns, 'getCampaign', { campaignId })).campaign as campaignsV1.Campaign;
const list = async (request: Partial<campaignsV1.ListCampaignsRequest>): Promise<string[]> =>
  (await call(h.campaigns, 'listCampaigns', campaignsV1.ListCampaignsRequest.fromPartial({ pageSize: 100, ...request }))).campaigns.map((c) => c.id);

beforeAll(async () => {
  await h.db.query(SEED);
});

describe('the seeded campaigns', () => {
  it('pass the step rules of CreateCampaign with the seeded templates, and are stored exactly as it stores checked steps', async () => {
    const rows = await h.db.query<{ id: string; escalation_steps: StepJson[] }>('SELECT id, escalation_steps FROM campaigns ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual(Object.keys(INVOICES));
    // the service's own look-up, as its database role
    const em = h.kit.service.orm.em.fork() as EntityManager;
    for (const row of rows) {
      const drafts = row.escalation_steps.map(draftOf);
      const v = new Violations();
      const checked = validateSteps(drafts, await templatesByIds(em, templateIdsOf(drafts)), v);
      expect({ campaign: row.id, problems: problemsOf(v) }).toEqual({ campaign: row.id, problems: [] });
      expect({ campaign: row.id, steps: checked.map(stepToJson) }).toEqual({ campaign: row.id, steps: row.escalation_steps });
    }
  });

  it('GetCampaign answers each with the invoices it chases and steps naming their template versions', async () => {
    for (const [campaignId, invoiceIds] of Object.entries(INVOICES)) {
      const c = await get(campaignId);
      expect({ id: c.id, invoiceIds: c.invoiceIds }).toEqual({ id: campaignId, invoiceIds: [...invoiceIds].sort() });
      // the actor as the service names one (type:id)
      expect(c.createdBy).toMatch(/^(user|service|agent|system):\S+$/);
      for (const s of c.steps) {
        if (s.taskType === TaskType.TASK_TYPE_RESEARCH) expect([s.templateId, s.templateVersion, s.channel]).toEqual(['', 0, campaignsV1.Channel.CHANNEL_UNSPECIFIED]);
        else expect([campaignId, s.name, s.templateId, s.templateVersion]).toEqual([campaignId, s.name, expect.stringMatching(/^30000000-/), 1]);
      }
    }
    // Northwind: the standard schedule, amounts in dollars
    const northwind = await get(campaign(1));
    expect(northwind).toMatchObject({ customerId: NORTHWIND, status: S.CAMPAIGN_STATUS_ACTIVE, currentStep: 3 });
    expect(northwind.steps.map((s) => [s.name, s.templateId, s.delayDays, s.anchor, s.conditions?.minAmountOverdue])).toEqual([
      ['Friendly reminder', template(1), 1, StepAnchor.STEP_ANCHOR_DUE_DATE, []],
      ['SMS reminder', template(4), 7, StepAnchor.STEP_ANCHOR_DUE_DATE, [{ currencyCode: 'USD', amount: '100.00' }]],
      ['Courtesy call', template(6), 5, StepAnchor.STEP_ANCHOR_PREVIOUS_STEP, [{ currencyCode: 'USD', amount: '500.00' }]],
      ['Final notice', template(3), 7, StepAnchor.STEP_ANCHOR_PREVIOUS_STEP, []],
      ['Account research', '', 7, StepAnchor.STEP_ANCHOR_PREVIOUS_STEP, [{ currencyCode: 'USD', amount: '5000.00' }]],
    ]);
    // Rheinland: e-mail only, the German friendly reminder, amounts in euros
    const rheinland = await get(campaign(8));
    expect(rheinland.steps.map((s) => [s.name, s.templateId, s.conditions?.minAmountOverdue])).toEqual([
      ['Friendly reminder', template(10), []],
      ['Second notice', template(2), [{ currencyCode: 'EUR', amount: '250.00' }]],
      ['Final notice', template(3), []],
    ]);
    // Thames Digital: the same schedule in English, amounts in pounds
    expect((await get(campaign(9))).steps.map((s) => [s.templateId, s.conditions?.minAmountOverdue])).toEqual([
      [template(1), []],
      [template(2), [{ currencyCode: 'GBP', amount: '250.00' }]],
      [template(3), []],
    ]);
  });

  it('ListCampaigns lists every seeded campaign newest first, and finds them by status and invoice', async () => {
    const newestFirst = [9, 5, 3, 6, 1, 4, 8, 7, 2].map(campaign);
    expect(await list({})).toEqual(newestFirst);
    expect(await list({ statuses: [S.CAMPAIGN_STATUS_ACTIVE, S.CAMPAIGN_STATUS_PAUSED] })).toEqual([3, 1, 4, 8, 2].map(campaign));
    expect(await list({ statuses: [S.CAMPAIGN_STATUS_DRAFT] })).toEqual([9, 5].map(campaign));
    expect(await list({ invoiceId: invoice(4) })).toEqual([campaign(1)]);
    expect(await list({ invoiceId: invoice(21) })).toEqual([campaign(5)]);
    expect(await list({ customerId: NORTHWIND })).toEqual([campaign(1)]);
  });

  it('a second campaign for Northwind\'s INV-2026-0004 cannot run: FAILED_PRECONDITION naming the seeded one, nothing changed', async () => {
    const steps = [campaignsV1.EscalationStep.fromPartial({ name: 'Reminder', taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: template(1), delayDays: 1, anchor: StepAnchor.STEP_ANCHOR_DUE_DATE })];
    const create = (start: boolean) =>
      call(h.campaigns, 'createCampaign', campaignsV1.CreateCampaignRequest.fromPartial({ campaign: { customerId: NORTHWIND, name: 'Second', invoiceIds: [invoice(4)], steps }, start }));
    const before = await state();
    const refused = await rejectionOf(create(true));
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.details).toContain(`invoice ${invoice(4)} already has running campaign ${campaign(1)}`);
    expect(await state()).toEqual(before);

    // made as a draft, it is refused when started
    const draft = (await create(false)).campaign as campaignsV1.Campaign;
    expect(draft).toMatchObject({ status: S.CAMPAIGN_STATUS_DRAFT, invoiceIds: [invoice(4)] });
    const beforeStart = await state();
    const notStarted = await rejectionOf(call(h.campaigns, 'startCampaign', { campaignId: draft.id }));
    expect(notStarted.code).toBe(status.FAILED_PRECONDITION);
    expect(notStarted.details).toContain(`invoice ${invoice(4)} already has running campaign ${campaign(1)}`);
    expect(await state()).toEqual(beforeStart);
  });

  it('the Great Lakes draft starts: it runs for INV-2026-0021, which no other campaign may then run for', async () => {
    const started = (await call(h.campaigns, 'startCampaign', { campaignId: campaign(5) })).campaign as campaignsV1.Campaign;
    expect(started).toMatchObject({ id: campaign(5), status: S.CAMPAIGN_STATUS_ACTIVE, invoiceIds: [invoice(21)] });
    // the first step (1 day after the due date, 25 days ago) is overdue: due now
    expect(Math.abs((started.nextStepTime as Date).getTime() - Date.now())).toBeLessThan(60_000);
    expect(await h.db.query('SELECT invoice_id, running FROM campaign_invoices WHERE campaign_id = $1', [campaign(5)])).toEqual([{ invoice_id: invoice(21), running: true }]);

    const steps = [campaignsV1.EscalationStep.fromPartial({ name: 'Reminder', taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: template(1), delayDays: 1, anchor: StepAnchor.STEP_ANCHOR_DUE_DATE })];
    const second = await rejectionOf(
      call(h.campaigns, 'createCampaign', campaignsV1.CreateCampaignRequest.fromPartial({ campaign: { customerId: id('10000000', 7), name: 'Second', invoiceIds: [invoice(21)], steps }, start: true })),
    );
    expect(second.code).toBe(status.FAILED_PRECONDITION);
    expect(second.details).toContain(`already has running campaign ${campaign(5)}`);
  });

  it('anchors each campaign on the earliest due date of its invoices, as CreateCampaign computes it from the customers service', async () => {
    const anchors = await h.db.query<{ id: string; anchor: string }>("SELECT id, anchor_due_date::text AS anchor FROM campaigns WHERE id::text LIKE '40000000-%' ORDER BY id");
    const expected = [];
    for (const [campaignId, invoiceIds] of Object.entries(INVOICES)) {
      const invoices = await Promise.all(invoiceIds.map(async (invoiceId) => (await call(h.invoices, 'getInvoice', { invoiceId })).invoice as customersV1.Invoice));
      expected.push({ id: campaignId, anchor: anchorDueDate(invoices) });
    }
    expect(anchors).toEqual(expected);
  });
});
