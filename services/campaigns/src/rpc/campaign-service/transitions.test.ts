import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { campaignsV1 } from '@cec/proto';
import { call, expectInvalid, rejectionOf } from '@cec/testing';
import { useCampaignsService } from '../../testing/campaigns-harness';
import { campaignFixtures } from './campaign-fixtures';

const h = useCampaignsService();
const { customerWithInvoices, newTemplate, step, state, auditEvents } = campaignFixtures(h);
const { TaskType, CampaignStatus: S } = campaignsV1;

type Status = 'draft' | 'active' | 'paused' | 'completed' | 'cancelled';
type Action = 'start' | 'pause' | 'resume' | 'cancel';

let email: string;
beforeAll(async () => {
  email = await newTemplate('email');
});

async function draftFor(customerId: string, invoiceIds: string[]): Promise<campaignsV1.Campaign> {
  const response = await call(
    h.campaigns,
    'createCampaign',
    campaignsV1.CreateCampaignRequest.fromPartial({
      campaign: { customerId, name: 'Transitions', invoiceIds, steps: [step({ taskType: TaskType.TASK_TYPE_SEND_EMAIL, templateId: email, delayDays: 1 })] },
    }),
  );
  return response.campaign as campaignsV1.Campaign;
}

function act(action: Action, campaignId: string, reason = 'customer asked'): Promise<campaignsV1.Campaign> {
  const answer = (r: { campaign?: campaignsV1.Campaign }) => r.campaign as campaignsV1.Campaign;
  if (action === 'start') return call(h.campaigns, 'startCampaign', { campaignId }).then(answer);
  if (action === 'pause') return call(h.campaigns, 'pauseCampaign', { campaignId, reason }).then(answer);
  if (action === 'resume') return call(h.campaigns, 'resumeCampaign', { campaignId }).then(answer);
  return call(h.campaigns, 'cancelCampaign', { campaignId, reason }).then(answer);
}

/** A campaign of its own customer and invoice, brought to `to` through the API (completed: by SQL, the engine's move). */
async function campaignIn(to: Status): Promise<campaignsV1.Campaign> {
  const { customerId, invoices } = await customerWithInvoices(1);
  const campaign = await draftFor(customerId, [invoices[0].id]);
  if (to === 'active' || to === 'paused' || to === 'completed') await act('start', campaign.id);
  if (to === 'paused') await act('pause', campaign.id);
  if (to === 'cancelled') await act('cancel', campaign.id);
  if (to === 'completed') {
    await h.db.query("UPDATE campaigns SET status = 'completed', completed_at = now(), next_step_at = NULL, outcome = 'paid in full' WHERE id = $1", [campaign.id]);
  }
  return (await call(h.campaigns, 'getCampaign', { campaignId: campaign.id })).campaign as campaignsV1.Campaign;
}

const NUMBER: Record<Status, campaignsV1.CampaignStatus> = {
  draft: S.CAMPAIGN_STATUS_DRAFT,
  active: S.CAMPAIGN_STATUS_ACTIVE,
  paused: S.CAMPAIGN_STATUS_PAUSED,
  completed: S.CAMPAIGN_STATUS_COMPLETED,
  cancelled: S.CAMPAIGN_STATUS_CANCELLED,
};
const VERB: Record<Action, string> = { start: 'started', pause: 'paused', resume: 'resumed', cancel: 'cancelled' };
const ENDED = ' (it has ended; create a new campaign)';

/** Every state and action: the new state and its audit action, 'same' (answered unchanged), or the refusal's message (after "campaign <id> is "). */
const TABLE: [Status, Action, Status | 'same' | { refused: string }][] = [
  ['draft', 'start', 'active'],
  ['draft', 'pause', { refused: 'draft: it cannot be paused (start it first)' }],
  ['draft', 'resume', { refused: 'draft: it cannot be resumed (start it first)' }],
  ['draft', 'cancel', 'cancelled'],
  ['active', 'start', 'same'],
  ['active', 'pause', 'paused'],
  ['active', 'resume', 'same'],
  ['active', 'cancel', 'cancelled'],
  ['paused', 'start', { refused: 'paused: it cannot be started (resume it instead)' }],
  ['paused', 'pause', 'same'],
  ['paused', 'resume', 'active'],
  ['paused', 'cancel', 'cancelled'],
  ['completed', 'start', { refused: `completed: it cannot be started${ENDED}` }],
  ['completed', 'pause', { refused: `completed: it cannot be paused${ENDED}` }],
  ['completed', 'resume', { refused: `completed: it cannot be resumed${ENDED}` }],
  ['completed', 'cancel', { refused: `completed: it cannot be cancelled${ENDED}` }],
  ['cancelled', 'start', { refused: `cancelled: it cannot be started${ENDED}` }],
  ['cancelled', 'pause', { refused: `cancelled: it cannot be paused${ENDED}` }],
  ['cancelled', 'resume', { refused: `cancelled: it cannot be resumed${ENDED}` }],
  ['cancelled', 'cancel', 'same'],
];

describe('the campaign state machine', () => {
  it.each(TABLE)('%s + %s -> %j', async (from, action, expected) => {
    const campaign = await campaignIn(from);
    const eventsBefore = (await auditEvents(campaign.id)).length;
    const before = await state();
    if (typeof expected === 'object') {
      const error = await rejectionOf(act(action, campaign.id));
      expect([status[error.code], error.details]).toEqual([status[status.FAILED_PRECONDITION], `campaign ${campaign.id} is ${expected.refused}`]);
      expect(await state()).toEqual(before);
    } else if (expected === 'same') {
      // a retry of the move that got it here: answered as it is, nothing changed or audited
      expect(await act(action, campaign.id)).toEqual(campaign);
      expect(await state()).toEqual(before);
    } else {
      const after = await act(action, campaign.id);
      expect(after.status).toBe(NUMBER[expected]);
      const events = await auditEvents(campaign.id);
      expect(events.slice(eventsBefore)).toEqual([
        expect.objectContaining({
          entity_type: 'campaign',
          action: VERB[action],
          actor_type: 'service',
          details: expect.objectContaining({ from, to: expected, request_id: expect.any(String) }),
        }),
      ]);
      expect((await call(h.campaigns, 'getCampaign', { campaignId: campaign.id })).campaign).toEqual(after);
    }
  });

  it('start sets the start time and the first step\'s time; pause and resume keep it; cancel clears it and says why', async () => {
    const draft = await campaignIn('draft');
    expect([draft.startTime, draft.nextStepTime]).toEqual([undefined, undefined]);
    const active = await act('start', draft.id);
    expect(active.startTime).toBeInstanceOf(Date);
    expect(active.nextStepTime).toBeInstanceOf(Date);
    const paused = await act('pause', draft.id, 'customer disputes the quantities');
    expect(paused.nextStepTime).toEqual(active.nextStepTime);
    const resumed = await act('resume', draft.id);
    expect([resumed.nextStepTime, resumed.startTime]).toEqual([active.nextStepTime, active.startTime]);
    const cancelled = await act('cancel', draft.id, 'disputed');
    expect([cancelled.nextStepTime, cancelled.outcome]).toEqual([undefined, 'cancelled: disputed']);
    expect((await auditEvents(draft.id)).map((e) => [e.action, e.details.reason])).toEqual([
      ['created', undefined],
      ['started', undefined],
      ['paused', 'customer disputes the quantities'],
      ['resumed', undefined],
      ['cancelled', 'disputed'],
    ]);
    expect(await h.db.query('SELECT bool_or(running) AS running FROM campaign_invoices WHERE campaign_id = $1', [draft.id])).toEqual([{ running: false }]);
  });

  it('checks its requests: ids are UUIDs, a cancel says why, reasons fit; an unknown campaign is NOT_FOUND', async () => {
    const campaign = await campaignIn('active');
    const before = await state();
    await expectInvalid(call(h.campaigns, 'startCampaign', { campaignId: 'x' }), ['campaign_id']);
    await expectInvalid(call(h.campaigns, 'cancelCampaign', { campaignId: campaign.id, reason: ' ' }), ['reason']);
    await expectInvalid(call(h.campaigns, 'pauseCampaign', { campaignId: '', reason: 'r'.repeat(501) }), ['campaign_id', 'reason']);
    const id = randomUUID();
    for (const action of ['start', 'pause', 'resume', 'cancel'] as const) {
      const error = await rejectionOf(act(action, id));
      expect([error.code, error.details]).toEqual([status.NOT_FOUND, `campaign ${id} not found`]);
    }
    expect(await state()).toEqual(before);
  });
});

describe('one running campaign per invoice', () => {
  it('of 10 campaigns for one invoice started at once, exactly one runs; the others are FAILED_PRECONDITION naming it, and stay drafts', async () => {
    const { customerId, invoices } = await customerWithInvoices(2);
    const [shared, other] = invoices;
    const drafts: campaignsV1.Campaign[] = [];
    for (let i = 0; i < 10; i += 1) drafts.push(await draftFor(customerId, i % 2 ? [shared.id, other.id] : [shared.id]));
    const results = await Promise.allSettled(drafts.map((d) => act('start', d.id)));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [drafts[i].id] : []));
    expect(won).toHaveLength(1);
    const [winner] = won;
    const winnerInvoices = (drafts.find((d) => d.id === winner) as campaignsV1.Campaign).invoiceIds;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') return;
      const error = r.reason as { code: number; details: string };
      // each invoice the loser shares with the winner is named, in id order
      const held = drafts[i].invoiceIds.filter((id) => winnerInvoices.includes(id)).sort();
      expect(held).toContain(shared.id);
      expect([status[error.code], error.details]).toEqual([
        status[status.FAILED_PRECONDITION],
        `campaign ${drafts[i].id} cannot be started: ${held.map((id) => `invoice ${id} already has running campaign ${winner}`).join('; ')}. ` +
          'An invoice has at most one running (active or paused) campaign: cancel that one first',
      ]);
    });
    const rows = await h.db.query<{ id: string; status: string; started_at: string | null }>('SELECT id, status, started_at FROM campaigns WHERE customer_id = $1', [customerId]);
    expect(rows.filter((r) => r.status !== 'draft' || r.started_at !== null).map((r) => [r.id, r.status])).toEqual([[winner, 'active']]);
    const started = await h.db.query<{ entity_id: string }>("SELECT entity_id FROM audit_logs WHERE action = 'started' AND entity_id = ANY($1)", [drafts.map((d) => d.id)]);
    expect(started.map((r) => r.entity_id)).toEqual([winner]);
    expect(await h.db.query('SELECT campaign_id FROM campaign_invoices WHERE invoice_id = $1 AND running', [shared.id])).toEqual([{ campaign_id: winner }]);

    // once it is cancelled, another may start
    await act('cancel', winner, 'replaced');
    const next = drafts.find((d) => d.id !== winner) as campaignsV1.Campaign;
    expect((await act('start', next.id)).status).toBe(S.CAMPAIGN_STATUS_ACTIVE);
  });

  it('concurrent moves of one campaign take turns: ten cancels change it once and audit one cancel', async () => {
    const campaign = await campaignIn('paused');
    const results = await Promise.all(Array.from({ length: 10 }, () => act('cancel', campaign.id, 'written off')));
    expect(new Set(results.map((r) => r.status))).toEqual(new Set([S.CAMPAIGN_STATUS_CANCELLED]));
    expect((await auditEvents(campaign.id)).filter((e) => e.action === 'cancelled')).toHaveLength(1);
  });
});

describe('CancelCampaign and tasks', () => {
  it('cancels the campaign\'s unfinished tasks in the same transaction, audited, and leaves finished ones and other campaigns\' alone', async () => {
    const campaign = await campaignIn('active');
    const bystander = await campaignIn('active');
    const [agent] = await h.db.query<{ id: string }>("INSERT INTO agents (name, type, status) VALUES ($1, 'email', 'idle') RETURNING id", [`agent-${randomUUID()}`]);
    const task = async (campaignId: string, taskStatus: string) =>
      (
        await h.db.query<{ id: string }>(
          `INSERT INTO tasks (campaign_id, customer_id, step_index, type, status, agent_id, lease_expires_at, completed_at)
           SELECT c.id, c.customer_id, 0, 'send_email', $2,
                  CASE WHEN $2 <> 'pending' THEN $3::uuid END,
                  CASE WHEN $2 IN ('assigned', 'in_progress') THEN now() + interval '5 minutes' END,
                  CASE WHEN $2 IN ('completed', 'failed') THEN now() END
             FROM campaigns c WHERE c.id = $1 RETURNING id`,
          [campaignId, taskStatus, agent.id],
        )
      )[0].id;
    const ids: Record<string, string> = {};
    for (const s of ['pending', 'assigned', 'in_progress', 'completed', 'failed']) ids[s] = await task(campaign.id, s);
    const untouched = await task(bystander.id, 'pending');

    await act('cancel', campaign.id, 'disputed');
    const statuses = await h.db.query<{ id: string; status: string; lease_expires_at: string | null }>(
      'SELECT id, status, lease_expires_at FROM tasks WHERE id = ANY($1)',
      [[...Object.values(ids), untouched]],
    );
    const byId = new Map(statuses.map((r) => [r.id, r]));
    expect(Object.fromEntries(Object.entries(ids).map(([s, id]) => [s, byId.get(id)?.status]))).toEqual({
      pending: 'cancelled',
      assigned: 'cancelled',
      in_progress: 'cancelled',
      completed: 'completed',
      failed: 'failed',
    });
    expect(byId.get(ids.assigned)?.lease_expires_at).toBeNull();
    expect(byId.get(untouched)?.status).toBe('pending');
    for (const s of ['pending', 'assigned', 'in_progress']) {
      expect(await auditEvents(ids[s])).toEqual([
        expect.objectContaining({ entity_type: 'task', action: 'cancelled', details: expect.objectContaining({ from: s, to: 'cancelled', campaign_id: campaign.id }) }),
      ]);
    }
    const [cancelEvent] = (await auditEvents(campaign.id)).filter((e) => e.action === 'cancelled');
    expect([...(cancelEvent.details.cancelled_task_ids as string[])].sort()).toEqual([ids.pending, ids.assigned, ids.in_progress].sort());
  });
});
