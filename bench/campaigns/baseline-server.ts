/**
 * The baseline of bench:campaigns: a bare @grpc/grpc-js server with the generated TaskService
 * definition, of which only ClaimTasks and CompleteTask are implemented, each ONE SQL statement
 * on a plain pg Pool (10 connections, as campaigns_svc, like the service) in autocommit:
 * - ClaimTasks: the FOR UPDATE SKIP LOCKED claim (urgent first, then oldest, within the
 *   agent's capacity and capabilities), the agent's sign of life and one audit event;
 * - CompleteTask: the holder's completion, its contact attempt, the attempt's two outbox
 *   messages and the task's audit event.
 * The same rows as the service writes, with no validation beyond the UUIDs, no lock statement
 * before the claim, no transaction around several statements, no ORM, interceptor, logging or
 * metrics. Prints {"ready":true,"port":N} once listening.
 */
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition, type UntypedHandleCall } from '@grpc/grpc-js';
import { Pool } from 'pg';
import { campaignsV1 } from '@cec/proto';

const databaseUrl = process.env.BASELINE_DATABASE_URL;
if (!databaseUrl) {
  console.error('baseline-server: set BASELINE_DATABASE_URL (the bench database, as campaigns_svc)');
  process.exit(2);
}
const pool = new Pool({ connectionString: databaseUrl, max: Number(process.env.BASELINE_POOL_MAX ?? 10), application_name: 'bench-baseline' });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COLUMNS = 'id, customer_id, campaign_id, type, priority, status, context, decision_id, scheduled_for, attempts, max_attempts, agent_id, lease_expires_at, created_at, updated_at';

const CLAIM = `
WITH agent AS (SELECT id, capabilities, max_concurrent_tasks FROM agents WHERE id = $1),
held AS (SELECT count(*)::int AS n FROM tasks WHERE agent_id = $1 AND status IN ('assigned', 'in_progress')),
picked AS (
  SELECT t.id, t.priority_rank, t.scheduled_for FROM tasks t
   WHERE t.status = 'pending' AND t.type = 'send_email' AND t.scheduled_for <= now()
     AND (t.required_capabilities = '{}' OR t.required_capabilities <@ (SELECT capabilities FROM agent))
   ORDER BY t.priority_rank, t.scheduled_for
   LIMIT $2::int
   FOR UPDATE SKIP LOCKED),
ranked AS (SELECT id, row_number() OVER (ORDER BY priority_rank, scheduled_for) AS rn FROM picked),
claimed AS (
  UPDATE tasks t SET status = 'assigned', agent_id = $1, lease_expires_at = now() + $3::int * interval '1 millisecond',
         assigned_at = now(), started_at = NULL, attempts = t.attempts + 1
    FROM ranked WHERE t.id = ranked.id AND ranked.rn <= (SELECT a.max_concurrent_tasks - h.n FROM agent a, held h)
  RETURNING t.id, t.customer_id, t.campaign_id, t.type, t.priority, t.priority_rank, t.status, t.context, t.decision_id, t.scheduled_for,
            t.attempts, t.max_attempts, t.agent_id, t.lease_expires_at, t.created_at, t.updated_at),
alive AS (UPDATE agents SET last_heartbeat_at = now() WHERE id = $1),
audit AS (
  SELECT log_audit_event('agent', $1, 'tasks_claimed', 'service', 'bench', jsonb_build_object('task_ids', (SELECT jsonb_agg(id) FROM claimed))) AS id
   WHERE EXISTS (SELECT 1 FROM claimed))
SELECT c.* FROM claimed c LEFT JOIN audit ON true ORDER BY c.priority_rank, c.scheduled_for, c.id`;

const COMPLETE = `
WITH aid AS (SELECT gen_random_uuid() AS id),
t AS (
  UPDATE tasks SET status = 'completed', completed_at = now(), started_at = COALESCE(started_at, assigned_at), lease_expires_at = NULL,
         result = jsonb_build_object('contact_status', $3::text, 'contact_attempt_id', (SELECT id FROM aid)), contact_attempt_id = (SELECT id FROM aid)
   WHERE id = $1 AND agent_id = $2 AND status IN ('assigned', 'in_progress')
  RETURNING ${COLUMNS}, result, completed_at),
ca AS (
  INSERT INTO contact_attempts (id, customer_id, task_id, campaign_id, agent_id, template_id, channel, status, decision_id, recorded_by)
  SELECT (SELECT id FROM aid), customer_id, id, campaign_id, $2, (context->'content'->>'template_id')::uuid, 'email', $3, decision_id, 'service:bench'
    FROM t RETURNING id, customer_id, attempted_at, decision_id),
outbox AS (
  INSERT INTO campaigns_outbox (destination, message_key, payload)
  SELECT d, ca.id, jsonb_build_object('attempt_id', ca.id, 'customer_id', ca.customer_id, 'channel', 'email', 'attempted_at', ca.attempted_at, 'status', $3::text, 'decision_id', ca.decision_id)
    FROM ca CROSS JOIN unnest(ARRAY['compliance.contact_attempts', 'customers.contact_outcomes']) AS d),
audit AS (
  SELECT log_audit_event('task', $1, 'completed', 'service', 'bench', jsonb_build_object('agent_id', $2::text, 'contact_status', $3::text)) AS id
   WHERE EXISTS (SELECT 1 FROM t))
SELECT t.* FROM t LEFT JOIN audit ON true`;

type Row = Record<string, unknown> & { context: { content?: Record<string, unknown>; endpoint?: Record<string, string> } };

const STATUS: Record<string, number> = { assigned: 2, completed: 4 };
const PRIORITY: Record<string, number> = { low: 1, medium: 2, high: 3, urgent: 4 };
const ts = (v: unknown): Date | undefined => (v ? new Date(v as string) : undefined);

function taskOf(r: Row): campaignsV1.Task {
  const c = r.context.content;
  const e = r.context.endpoint;
  return campaignsV1.Task.fromPartial({
    id: r.id as string,
    customerId: r.customer_id as string,
    campaignId: (r.campaign_id as string) ?? '',
    stepIndex: -1,
    type: campaignsV1.TaskType.TASK_TYPE_SEND_EMAIL,
    priority: PRIORITY[r.priority as string],
    status: STATUS[r.status as string],
    channel: campaignsV1.Channel.CHANNEL_EMAIL,
    content: c && { channel: campaignsV1.Channel.CHANNEL_EMAIL, subject: c.subject as string, body: c.body as string, htmlBody: c.html_body as string, templateId: c.template_id as string, templateVersion: c.template_version as number },
    endpoint: e && { email: e.email, phone: e.phone, contactName: e.contact_name, companyName: e.company_name, timeZone: e.time_zone },
    decisionId: (r.decision_id as string) ?? '',
    scheduledTime: ts(r.scheduled_for),
    attempts: r.attempts as number,
    maxAttempts: r.max_attempts as number,
    agentId: r.agent_id as string,
    leaseExpireTime: ts(r.lease_expires_at),
    result: r.result ? { contactStatus: campaignsV1.ContactStatus.CONTACT_STATUS_DELIVERED, contactAttemptId: (r.result as { contact_attempt_id: string }).contact_attempt_id } : undefined,
    createTime: ts(r.created_at),
    updateTime: ts(r.updated_at),
    completeTime: ts(r.completed_at),
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fail = (callback: sendUnaryData<any>, code: status, details: string) => callback({ code, details, name: 'Error', message: details }, null);

async function claimTasks(call: ServerUnaryCall<campaignsV1.ClaimTasksRequest, unknown>, callback: sendUnaryData<campaignsV1.ClaimTasksResponse>) {
  const { agentId, maxTasks, lease } = call.request;
  if (!UUID.test(agentId)) return fail(callback, status.INVALID_ARGUMENT, 'agent_id: must be a UUID');
  try {
    const { rows } = await pool.query<Row>(CLAIM, [agentId, maxTasks, lease ? Number(lease.seconds) * 1000 : 300_000]);
    callback(null, { tasks: rows.map(taskOf) });
  } catch (error) {
    fail(callback, status.INTERNAL, (error as Error).message);
  }
}

async function completeTask(call: ServerUnaryCall<campaignsV1.CompleteTaskRequest, unknown>, callback: sendUnaryData<campaignsV1.CompleteTaskResponse>) {
  const { taskId, agentId } = call.request;
  if (!UUID.test(taskId) || !UUID.test(agentId)) return fail(callback, status.INVALID_ARGUMENT, 'task_id, agent_id: must be UUIDs');
  try {
    const { rows } = await pool.query<Row>(COMPLETE, [taskId, agentId, 'delivered']);
    if (!rows.length) return fail(callback, status.FAILED_PRECONDITION, `task ${taskId} is not held by agent ${agentId}`);
    callback(null, { task: taskOf(rows[0]) });
  } catch (error) {
    fail(callback, status.INTERNAL, (error as Error).message);
  }
}

const definition = campaignsV1.TaskServiceService as unknown as ServiceDefinition;
const unimplemented = (_call: unknown, callback: sendUnaryData<unknown>) => fail(callback, status.UNIMPLEMENTED, 'baseline: not implemented');
const handlers: Record<string, UntypedHandleCall> = Object.fromEntries(Object.keys(definition).map((name) => [name, unimplemented as UntypedHandleCall]));
handlers.claimTasks = claimTasks as unknown as UntypedHandleCall;
handlers.completeTask = completeTask as unknown as UntypedHandleCall;

const server = new Server();
server.addService(definition, handlers);
server.bindAsync(`127.0.0.1:${process.env.BASELINE_PORT ?? '0'}`, ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    console.error(`baseline-server: ${error.message}`);
    process.exit(1);
  }
  console.log(JSON.stringify({ ready: true, port }));
});
const stop = () => server.tryShutdown(() => void pool.end().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
