import { randomUUID } from 'node:crypto';
import { campaignsV1, customersV1 } from '@cec/proto';
import { call, snapshot } from '@cec/testing';
import type { CampaignsHarness } from '../../testing/campaigns-harness';

/** Every table a queue or agent call may change: a refused call must leave each as it was. */
export const QUEUE_TABLES = ['tasks', 'contact_attempts'] as const;

/** Agents, customers, templates and tasks for the queue's tests (tasks by SQL, as a campaign step would write them). */
export function queueFixtures(h: CampaignsHarness) {
  let serial = 0;

  async function newCustomer(phone = '+15550100200'): Promise<string> {
    serial += 1;
    const response = await call(h.customers, 'createCustomer', {
      customer: customersV1.Customer.fromPartial({ companyName: `Queue Test ${serial} ${randomUUID().slice(0, 8)}`, contactName: 'Ada Payable', email: `ap${serial}-${randomUUID().slice(0, 8)}@example.com`, phone }),
      profile: customersV1.CustomerProfile.fromPartial({ timeZone: 'America/Chicago', countryCode: 'US' }),
      requestId: randomUUID(),
    });
    return response.customer?.id as string;
  }

  async function newAgent(over: Partial<campaignsV1.Agent> = {}, secrets: Record<string, string> = {}): Promise<campaignsV1.Agent> {
    serial += 1;
    const agent = campaignsV1.Agent.fromPartial({ name: `agent-${serial}-${randomUUID().slice(0, 8)}`, type: campaignsV1.AgentType.AGENT_TYPE_EMAIL, ...over });
    return (await call(h.agents, 'registerAgent', { agent, secrets, requestId: '' })).agent as campaignsV1.Agent;
  }

  async function newTemplate(): Promise<string> {
    serial += 1;
    const [row] = await h.db.query<{ id: string }>(
      `INSERT INTO templates (name, channel, subject, body) VALUES ($1, 'email', 'Invoice {{invoice_number}}', 'Please pay') RETURNING id`,
      [`queue_test_${serial}_${randomUUID().slice(0, 6).replace(/-/g, '')}`],
    );
    return row.id;
  }

  /**
   * Tasks as a campaign step writes them: content, endpoint and decision id in place. `count`
   * rows in one statement; returns their ids in insertion order.
   */
  async function insertTasks(options: {
    customerId: string;
    count?: number;
    type?: string;
    priority?: string;
    requiredCapabilities?: string[];
    templateId?: string | null;
    scheduledFor?: string;
    maxAttempts?: number;
    decisionId?: string | null;
  }): Promise<string[]> {
    const content = options.templateId
      ? { channel: 'email', subject: 'Invoice INV-1', body: 'Please pay INV-1', html_body: '<p>Please pay INV-1</p>', template_id: options.templateId, template_version: 1 }
      : undefined;
    const context = { ...(content ? { content } : {}), endpoint: { email: 'ap@example.com', phone: '+15550100200', contact_name: 'Ada Payable', company_name: 'Queue Test', time_zone: 'America/Chicago' } };
    const rows = await h.db.query<{ id: string }>(
      `INSERT INTO tasks (customer_id, type, priority, context, required_capabilities, scheduled_for, max_attempts, decision_id)
       SELECT $1, $2, $3, $4::jsonb, $5::text[], COALESCE($6::timestamptz, now() - interval '1 minute'), $7, $8
         FROM generate_series(1, $9) RETURNING id`,
      [
        options.customerId,
        options.type ?? 'send_email',
        options.priority ?? 'medium',
        JSON.stringify(context),
        options.requiredCapabilities ?? [],
        options.scheduledFor ?? null,
        options.maxAttempts ?? 3,
        options.decisionId === undefined ? randomUUID() : options.decisionId,
        options.count ?? 1,
      ],
    );
    return rows.map((r) => r.id);
  }

  const claim = (agentId: string, maxTasks = 1, leaseSeconds = 60, types: campaignsV1.TaskType[] = []) =>
    call(h.tasks, 'claimTasks', { agentId, types, maxTasks, lease: { seconds: String(leaseSeconds), nanos: 0 } }).then((r) => r.tasks);

  const complete = (taskId: string, agentId: string, result: Partial<campaignsV1.TaskResult> = { contactStatus: campaignsV1.ContactStatus.CONTACT_STATUS_DELIVERED }) =>
    call(h.tasks, 'completeTask', { taskId, agentId, result: campaignsV1.TaskResult.fromPartial(result) }).then((r) => r.task as campaignsV1.Task);

  /**
   * The tables; the agents without performance_metrics and updated_at (the sweeper refreshes
   * them in the background); the outbox messages without their delivery columns (the relay
   * delivers them in the background); and the audit events by id (compliance's sequencer seals
   * them in the background: seq and hashes), without those compliance and customers write when
   * the relay delivers an earlier test's contact attempt (request ids `outbox-relay-…`). None of
   * these is a change a call made.
   */
  const state = async () => ({
    ...(await snapshot(h.db, QUEUE_TABLES)),
    campaigns_outbox: await h.db.query('SELECT id, destination, message_key, payload, created_at FROM campaigns_outbox ORDER BY id'),
    agents: await h.db.query(
      'SELECT id, name, type, status, capabilities, max_concurrent_tasks, config, secrets, last_heartbeat_at, status_message, request_id FROM agents ORDER BY id',
    ),
    audit_logs: await h.db.query(
      "SELECT id, entity_type, entity_id, action, actor_type, actor_id, details FROM audit_logs WHERE coalesce(details->>'request_id', '') NOT LIKE 'outbox-relay-%' ORDER BY id",
    ),
  });

  const auditEvents = (entityId: string) =>
    h.db.query<{ entity_type: string; action: string; actor_type: string; details: Record<string, unknown> }>(
      'SELECT entity_type, action, actor_type, details FROM audit_logs WHERE entity_id = $1 ORDER BY created_at, id',
      [entityId],
    );

  return { newCustomer, newAgent, newTemplate, insertTasks, claim, complete, state, auditEvents };
}
