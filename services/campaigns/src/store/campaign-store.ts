import { LockMode, type EntityManager, type MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { FailedPreconditionError, NotFoundError } from '@cec/errors';
import { createOnce, inTransaction, recordAuditEvents, sql, type AuditEvent, type SqlTarget } from '@cec/orm';
import { firstStepDue } from '../domain/campaign-schedule';
import { planTransition, type CampaignAction, type CampaignStatus } from '../domain/campaign-state';
import type { EscalationStep } from '../domain/step';
import { CampaignEntity } from '../entities';
import { CAMPAIGN_COLUMNS, campaignRecordOf, stepToJson, type CampaignRecord, type CampaignRow } from './campaign-rows';

export type { CampaignRecord } from './campaign-rows';

/** A checked campaign to store. */
export interface NewCampaign {
  customerId: string;
  name: string;
  description: string | null;
  steps: EscalationStep[];
  invoiceIds: string[];
  preset: string | null;
  anchorDueDate: string;
  /** Start it at once (draft -> active in the same transaction). */
  start: boolean;
}

export interface CampaignFilters {
  statuses: CampaignStatus[];
  customerId?: string;
  invoiceId?: string;
  riskLevel?: string;
}

/** The partial unique index that holds at most one running campaign per customer and invoice. */
const ONE_RUNNING = 'campaign_invoices_one_running_campaign';
/** Tasks of a campaign that a cancel stops (finished ones stay as they ended). */
const OPEN_TASKS = ['pending', 'assigned', 'in_progress'];
const MAX_OUTCOME = 500;

const actorName = (call: CallContext): string => `${call.actor.type}:${call.actor.id}`;

/**
 * Campaigns and the invoices they chase (campaign_invoices). Changes are units of work on the
 * campaign entity under its row lock, audited in the same transaction; reads are SQL.
 */
export class CampaignStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  /** A plain entity manager for reads outside a transaction (template look-ups). */
  reader(): SqlTarget {
    return this.em();
  }

  /** The campaign a create with this request id made, if one did. */
  async findByRequestId(requestId: string): Promise<CampaignRecord | undefined> {
    return (await this.read(this.em(), 'c.request_id = ?', [requestId]))[0];
  }

  /**
   * Creates a campaign keyed by `requestId` (a retry gets the first result). A started campaign
   * whose invoice has a running campaign already is FAILED_PRECONDITION, and nothing is stored.
   */
  async create(input: NewCampaign, requestId: string | undefined, call: CallContext): Promise<CampaignRecord> {
    return (await this.createReporting(input, requestId, call)).campaign;
  }

  /** As create, and whether this call made it (false: a create with the same request id, earlier or concurrent, did). */
  async createReporting(input: NewCampaign, requestId: string | undefined, call: CallContext): Promise<{ campaign: CampaignRecord; created: boolean }> {
    let created = false;
    const campaign = await createOnce({
      requestId,
      find: (id) => this.findByRequestId(id),
      insert: async () => {
        try {
          const record = await this.insert(input, requestId, call);
          created = true;
          return record;
        } catch (error) {
          if (isOneRunningViolation(error)) throw await this.runningConflict(input.customerId, input.invoiceIds, null);
          throw error;
        }
      },
      raceConstraints: ['campaigns_request_id_key'],
    });
    return { campaign, created };
  }

  private insert(input: NewCampaign, requestId: string | undefined, call: CallContext): Promise<CampaignRecord> {
    return inTransaction(this.em(), call, async (tx) => {
      const now = new Date();
      if (input.start) await lockInvoices(tx, input.invoiceIds);
      const campaign = tx.create(CampaignEntity, {
        customerId: input.customerId,
        name: input.name,
        description: input.description,
        status: input.start ? 'active' : 'draft',
        escalationSteps: input.steps.map(stepToJson) as unknown as Record<string, unknown>[],
        preset: input.preset,
        anchorDueDate: input.anchorDueDate,
        startedAt: input.start ? now : null,
        nextStepAt: input.start ? firstStepDue(input.steps[0], input.anchorDueDate, now) : null,
        requestId: requestId ?? null,
        createdBy: actorName(call),
      } as never);
      await tx.flush();
      // The trigger fills in each link's customer and running flag from the campaign: a second
      // running campaign for an invoice breaks the partial unique index here.
      await sql(tx, 'INSERT INTO campaign_invoices (campaign_id, invoice_id) SELECT ?, unnest(?::uuid[])', [campaign.id, input.invoiceIds]);
      const record = await this.readOne(tx, campaign.id);
      const events: AuditEvent[] = [
        {
          entityType: 'campaign',
          entityId: campaign.id,
          action: 'created',
          actor: call.actor,
          details: {
            request_id: call.requestId,
            after: {
              customer_id: record.customerId,
              name: record.name,
              status: 'draft',
              invoice_ids: record.invoiceIds,
              preset: record.preset,
              steps: record.steps.length,
              anchor_due_date: record.anchorDueDate,
            },
          },
        },
      ];
      if (input.start) {
        events.push(transitionEvent(campaign.id, 'draft', 'active', 'started', undefined, call, { next_step_at: record.nextStepAt?.toISOString() }));
      }
      await recordAuditEvents(tx, events);
      return record;
    });
  }

  async get(id: string): Promise<CampaignRecord> {
    return this.readOne(this.em(), id);
  }

  /** Newest first (created_at, then id, descending), after `after` (the last row of the previous page). */
  async list(filters: CampaignFilters, after: [string, string] | undefined, limit: number): Promise<CampaignRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, ...values: unknown[]): void => {
      where.push(clause);
      params.push(...values);
    };
    if (filters.statuses.length) add('c.status = ANY(?::text[])', filters.statuses);
    if (filters.customerId) add('c.customer_id = ?', filters.customerId);
    if (filters.invoiceId) add('EXISTS (SELECT 1 FROM campaign_invoices fi WHERE fi.campaign_id = c.id AND fi.invoice_id = ?)', filters.invoiceId);
    // The customer's current risk level, as v_active_campaigns shows it: the view holds running
    // (active or paused) campaigns only, so a risk filter lists running campaigns only.
    if (filters.riskLevel) add('c.id IN (SELECT v.campaign_id FROM v_active_campaigns v WHERE v.risk_level = ?)', filters.riskLevel);
    if (after) add('(c.created_at, c.id) < (?::timestamptz, ?::uuid)', after[0], after[1]);
    const clause = where.length ? where.join(' AND ') : 'true';
    return this.read(this.em(), `${clause} ORDER BY c.created_at DESC, c.id DESC LIMIT ?`, [...params, limit]);
  }

  /**
   * Moves a campaign through its state machine under its row lock (concurrent transitions of a
   * campaign take turns). A campaign already in the state the action leads to is answered
   * unchanged and audits nothing; an illegal move is FAILED_PRECONDITION and changes nothing.
   * Starting takes the invoices' running slots: when one is held by another campaign the start
   * is FAILED_PRECONDITION naming it. Cancelling also cancels the campaign's unfinished tasks.
   */
  async transition(id: string, action: Exclude<CampaignAction, 'complete'>, reason: string | undefined, call: CallContext): Promise<CampaignRecord> {
    try {
      return await inTransaction(this.em(), call, async (tx) => {
        const campaign = await tx.findOne(CampaignEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!campaign) throw NotFoundError.resource('campaign', id);
        const plan = planTransition(id, campaign.status as CampaignStatus, action);
        if (plan.kind === 'unchanged') return this.readOne(tx, id);
        const now = new Date();
        const extra: Record<string, unknown> = {};
        if (action === 'start') {
          await sql(
            tx,
            `SELECT count(pg_advisory_xact_lock(hashtext('campaign_invoice'), hashtext(x.invoice_id::text)))
               FROM (SELECT invoice_id FROM campaign_invoices WHERE campaign_id = ? ORDER BY invoice_id) x`,
            [id],
          );
          const first = campaign.escalationSteps[0] as { delay_days?: number } | undefined;
          campaign.startedAt = now;
          campaign.nextStepAt = campaign.anchorDueDate && first ? firstStepDue({ delayDays: first.delay_days ?? 0 }, String(campaign.anchorDueDate), now) : now;
          extra.next_step_at = campaign.nextStepAt.toISOString();
        }
        if (action === 'cancel') {
          campaign.nextStepAt = null;
          campaign.outcome = clip(`cancelled: ${reason ?? ''}`, MAX_OUTCOME);
        }
        campaign.status = plan.to;
        await tx.flush();
        const events = [transitionEvent(id, plan.from, plan.to, plan.audit, reason, call, extra)];
        if (action === 'cancel') {
          const tasks = await sql<{ id: string; status: string }>(
            tx,
            `UPDATE tasks t SET status = 'cancelled', lease_expires_at = NULL
               FROM (SELECT id, status FROM tasks WHERE campaign_id = ? AND status = ANY(?::text[]) ORDER BY id FOR UPDATE) before
              WHERE t.id = before.id
              RETURNING t.id, before.status`,
            [id, OPEN_TASKS],
          );
          events[0].details.cancelled_task_ids = tasks.map((t) => t.id);
          for (const task of tasks) {
            events.push({
              entityType: 'task',
              entityId: task.id,
              action: 'cancelled',
              actor: call.actor,
              details: { from: task.status, to: 'cancelled', reason: `campaign ${id} cancelled: ${reason ?? ''}`, campaign_id: id, request_id: call.requestId },
            });
          }
        }
        await recordAuditEvents(tx, events);
        return this.readOne(tx, id);
      });
    } catch (error) {
      if (isOneRunningViolation(error)) {
        const [campaign] = await this.read(this.em(), 'c.id = ?', [id]);
        throw await this.runningConflict(campaign?.customerId ?? '', campaign?.invoiceIds ?? [], id);
      }
      throw error;
    }
  }

  /**
   * The FAILED_PRECONDITION of a start that lost its invoice's running slot, naming the invoice
   * and the campaign holding it, read after the failure in a statement of its own (the failed
   * transaction is gone).
   */
  private async runningConflict(customerId: string, invoiceIds: readonly string[], campaignId: string | null): Promise<FailedPreconditionError> {
    const holders = customerId
      ? await sql<{ invoice_id: string; campaign_id: string }>(
          this.em(),
          `SELECT invoice_id, campaign_id FROM campaign_invoices
            WHERE customer_id = ? AND invoice_id = ANY(?::uuid[]) AND running AND campaign_id IS DISTINCT FROM ?::uuid
            ORDER BY invoice_id`,
          [customerId, invoiceIds, campaignId],
        )
      : [];
    const what = campaignId ? `campaign ${campaignId} cannot be started` : 'the campaign cannot be created and started';
    if (!holders.length) {
      return new FailedPreconditionError(`${what}: one of its invoices had a running (active or paused) campaign at that moment; retry`);
    }
    const held = holders.map((h) => `invoice ${h.invoice_id} already has running campaign ${h.campaign_id}`).join('; ');
    return new FailedPreconditionError(`${what}: ${held}. An invoice has at most one running (active or paused) campaign: cancel that one first`);
  }

  private async read(em: SqlTarget, where: string, params: unknown[]): Promise<CampaignRecord[]> {
    const rows = await sql<CampaignRow>(em, `SELECT ${CAMPAIGN_COLUMNS} FROM campaigns c WHERE ${where}`, params);
    return rows.map(campaignRecordOf);
  }

  private async readOne(em: SqlTarget, id: string): Promise<CampaignRecord> {
    const [record] = await this.read(em, 'c.id = ?', [id]);
    if (!record) throw NotFoundError.resource('campaign', id);
    return record;
  }
}

/** Takes each invoice's transaction lock in id order: starts sharing invoices take turns instead of deadlocking. */
async function lockInvoices(tx: SqlTarget, invoiceIds: readonly string[]): Promise<void> {
  await sql(
    tx,
    `SELECT count(pg_advisory_xact_lock(hashtext('campaign_invoice'), hashtext(id))) FROM (SELECT id FROM unnest(?::text[]) id ORDER BY id) ids`,
    [[...invoiceIds]],
  );
}

function transitionEvent(
  id: string,
  from: CampaignStatus,
  to: CampaignStatus,
  action: string,
  reason: string | undefined,
  call: CallContext,
  extra: Record<string, unknown>,
): AuditEvent {
  return {
    entityType: 'campaign',
    entityId: id,
    action,
    actor: call.actor,
    details: { from, to, ...(reason ? { reason } : {}), request_id: call.requestId, ...extra },
  };
}

function isOneRunningViolation(error: unknown): boolean {
  return (error as { constraint?: string } | null)?.constraint === ONE_RUNNING;
}

function clip(value: string, max: number): string {
  const chars = [...value];
  return chars.length <= max ? value : `${chars.slice(0, max - 1).join('')}…`;
}
