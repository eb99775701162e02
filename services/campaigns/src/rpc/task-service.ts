import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { decodePageToken, filterFingerprint, pageSize, paginate, peerCallError, type AsyncService } from '@cec/grpc';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, Violations } from '@cec/errors';
import { campaignsV1, type customersV1 } from '@cec/proto';
import { enumList, optionalUuid, requireUuid, text } from '@cec/validation';
import type { RpcContext } from '@cec/grpc';
import type { CampaignsDeps } from '../campaigns-config';
import { capabilityProblems, normalizeCapabilities } from '../domain/agent';
import { TASK_CHANNEL, type TaskType } from '../domain/contact';
import { leaseMs } from '../domain/lease';
import { needsInstructions, type TaskContext, type TaskResult } from '../domain/task';
import { TaskQueueStore } from '../store/task-queue-store';
import { TaskStore } from '../store/task-store';
import { actsForAnotherAgent, AgentRefusals, heldByAnotherAgent, callingAgent } from './agent-identity';
import { contactStatuses, priorities, taskStatuses, taskTypes } from './enums';
import { taskToProto } from './task-messages';

const MAX_DETAILS_BYTES = 16_384;
/** A timestamptz as PostgreSQL writes it: the time part of a page token. */
const TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

/** A google.protobuf.Duration in ms; undefined when unset. */
function durationMs(d: { seconds: string; nanos: number } | undefined): number | undefined {
  if (!d) return undefined;
  return Number(d.seconds) * 1000 + d.nanos / 1e6;
}

function leaseOf(v: Violations, field: string, d: { seconds: string; nanos: number } | undefined): number {
  const lease = leaseMs(durationMs(d));
  if ('problem' in lease) {
    v.add(field, lease.problem);
    return 0;
  }
  return lease.ms;
}

function capabilitiesOf(v: Violations, field: string, values: string[]): string[] {
  for (const [i, problem] of capabilityProblems(values)) v.add(i < 0 ? field : `${field}[${i}]`, problem);
  return normalizeCapabilities(values);
}

const typeList = (v: Violations, field: string, values: number[]): TaskType[] =>
  enumList(v, field, values, (value, vv, f) => taskTypes.from(value, vv, f, 'task type'));

function resultOf(v: Violations, result: campaignsV1.TaskResult | undefined): TaskResult {
  if (!result) {
    v.add('result', 'is required');
    return {};
  }
  const out: TaskResult = {};
  const contactStatus = contactStatuses.optional(result.contactStatus, v, 'result.contact_status', 'contact status');
  if (contactStatus) out.contact_status = contactStatus;
  const outcome = text(v, 'result.outcome', result.outcome, { max: 200 });
  if (outcome) out.outcome = outcome;
  const notes = text(v, 'result.notes', result.notes, { max: 4000 });
  if (notes) out.notes = notes;
  if (!Number.isInteger(result.durationSeconds) || result.durationSeconds < 0 || result.durationSeconds > 86_400) {
    v.add('result.duration_seconds', `must be from 0 to 86400, got ${result.durationSeconds}`);
  } else if (result.durationSeconds > 0) out.duration_seconds = result.durationSeconds;
  if (result.details && Object.keys(result.details).length) {
    if (Buffer.byteLength(JSON.stringify(result.details)) > MAX_DETAILS_BYTES) v.add('result.details', `must be at most ${MAX_DETAILS_BYTES} bytes as JSON`);
    out.details = result.details;
  }
  return out;
}

/** The customer's contact profile from the customers service: NOT_FOUND when unknown, UNAVAILABLE when it does not answer. */
function contactProfile(client: customersV1.CustomerServiceClient, customerId: string): Promise<customersV1.ContactProfile> {
  return new Promise((resolve, reject) => {
    client.batchGetContactProfiles({ customerIds: [customerId] }, (error: ServiceError | null, value) => {
      if (!error) return resolve(value.profiles[0]);
      if (error.code === grpcStatus.NOT_FOUND) return reject(NotFoundError.resource('customer', customerId));
      reject(peerCallError(error, { peer: 'customers', asked: 'for the contact details', whenUnavailable: "the task needs the customer's contact details: retry later" }));
    });
  });
}

/** escalation.campaigns.v1.TaskService: the queue agents work. */
export function taskService(deps: CampaignsDeps): AsyncService<campaignsV1.TaskServiceServer> {
  const tasks = new TaskStore(deps.orm);
  const queue = new TaskQueueStore(deps.orm);
  const refusals = new AgentRefusals(deps.orm, 'campaigns');
  const methods = campaignsV1.TaskServiceService;
  /** An agent acts as itself only (agent-identity.ts). */
  const asSelf = (context: RpcContext, method: { path: string }, agentId: string) => refusals.check(context, method.path, actsForAnotherAgent(context, agentId, 'agent_id'));
  /**
   * The lease holder's move (extend, complete, fail) on `taskId`. When the queue refuses it
   * (FAILED_PRECONDITION) and the caller is an agent, a task that another agent holds (or
   * finished) is that agent's: PERMISSION_DENIED. Any other caller gets the queue's answer.
   */
  const asHolder = async <T>(context: RpcContext, method: { path: string }, taskId: string, move: () => Promise<T>): Promise<T> => {
    try {
      return await move();
    } catch (error) {
      if (error instanceof FailedPreconditionError && callingAgent(context) !== undefined) {
        const task = await tasks.get(taskId);
        await refusals.check(context, method.path, heldByAnotherAgent(context, taskId, task.agentId));
      }
      throw error;
    }
  };
  return {
    async createTask(request, context) {
      const v = new Violations();
      const task = request.task;
      if (!task) v.add('task', 'is required');
      const customerId = requireUuid(v, 'task.customer_id', task?.customerId ?? '');
      const type = taskTypes.from(task?.type ?? 0, v, 'task.type', 'task type');
      const priority = priorities.optional(task?.priority ?? 0, v, 'task.priority', 'priority') ?? 'medium';
      const requiredCapabilities = capabilitiesOf(v, 'task.required_capabilities', task?.requiredCapabilities ?? []);
      const instructions = text(v, 'task.instructions', task?.instructions ?? '', { max: 4000, required: type !== undefined && needsInstructions(type) });
      const maxAttempts = task?.maxAttempts || 3;
      if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) v.add('task.max_attempts', `must be from 1 to 100, got ${maxAttempts}`);
      const campaignId = optionalUuid(v, 'task.campaign_id', task?.campaignId ?? '');
      if (task?.decisionId) v.add('task.decision_id', 'cannot be set by hand: only a campaign step records the compliance decision that allowed its contact');
      if (task?.content) v.add('task.content', 'cannot be set by hand: content is rendered by a campaign step; say what to do in instructions');
      const requestId = optionalUuid(v, 'request_id', request.requestId);
      v.throwIfAny();
      const taskType = type as TaskType;
      const profile = await contactProfile(deps.clients.customers, customerId);
      const channel = TASK_CHANNEL[taskType];
      if ((channel === 'sms' || channel === 'phone') && !profile.phone) {
        throw new FailedPreconditionError(`customer ${customerId} has no phone number: a ${taskType} task cannot reach them (update the customer first)`);
      }
      const ctx: TaskContext = {
        endpoint: {
          email: profile.email,
          ...(profile.phone ? { phone: profile.phone } : {}),
          ...(profile.contactName ? { contact_name: profile.contactName } : {}),
          company_name: profile.companyName,
          time_zone: profile.timeZone,
        },
        ...(instructions ? { instructions } : {}),
      };
      const created = await tasks.create(
        {
          customerId,
          campaignId: campaignId ?? null,
          type: taskType,
          priority,
          requiredCapabilities,
          context: ctx,
          scheduledFor: task?.scheduledTime ?? null,
          maxAttempts,
        },
        requestId,
        context,
      );
      return { task: taskToProto(created) };
    },

    async getTask(request) {
      const v = new Violations();
      const id = requireUuid(v, 'task_id', request.taskId);
      v.throwIfAny();
      return { task: taskToProto(await tasks.get(id)) };
    },

    async listTasks(request) {
      const v = new Violations();
      const statuses = enumList(v, 'statuses', request.statuses, (value, vv, f) => taskStatuses.from(value, vv, f, 'task status'));
      const types = typeList(v, 'types', request.types);
      const customerId = optionalUuid(v, 'customer_id', request.customerId);
      const campaignId = optionalUuid(v, 'campaign_id', request.campaignId);
      const agentId = optionalUuid(v, 'agent_id', request.agentId);
      v.throwIfAny();
      const filter = { statuses, types, customerId, campaignId, agentId, dueOnly: request.dueOnly };
      const size = pageSize(request.pageSize);
      const fingerprint = filterFingerprint(filter);
      const after = decodePageToken(request.pageToken, fingerprint, ['text', 'text', 'uuid']);
      if (after && (!/^[0-3]$/.test(after[0]) || !TIMESTAMP_TEXT.test(after[1]))) {
        throw InvalidArgumentError.field('page_token', 'is not a token this API issued; pass next_page_token unchanged');
      }
      const rows = await tasks.list(filter, after && { priorityRank: Number(after[0]), scheduledFor: after[1], id: after[2] }, size + 1);
      const { page, nextPageToken } = paginate(rows, size, (t) => [String(t.priorityRank), t.scheduledForText, t.id], fingerprint);
      return { tasks: page.map(taskToProto), nextPageToken };
    },

    async claimTasks(request, context) {
      const v = new Violations();
      const agentId = requireUuid(v, 'agent_id', request.agentId);
      const types = typeList(v, 'types', request.types);
      if (!Number.isInteger(request.maxTasks) || request.maxTasks < 1 || request.maxTasks > 100) v.add('max_tasks', `must be from 1 to 100, got ${request.maxTasks}`);
      const lease = leaseOf(v, 'lease', request.lease);
      v.throwIfAny();
      await asSelf(context, methods.claimTasks, agentId);
      const claimed = await queue.claim({ agentId, types, maxTasks: request.maxTasks, leaseMs: lease }, context);
      return { tasks: claimed.map(taskToProto) };
    },

    async extendTaskLease(request, context) {
      const v = new Violations();
      const taskId = requireUuid(v, 'task_id', request.taskId);
      const agentId = requireUuid(v, 'agent_id', request.agentId);
      const lease = leaseOf(v, 'lease', request.lease);
      v.throwIfAny();
      await asSelf(context, methods.extendTaskLease, agentId);
      return { task: taskToProto(await asHolder(context, methods.extendTaskLease, taskId, () => queue.extend(taskId, agentId, lease, context))) };
    },

    async completeTask(request, context) {
      const v = new Violations();
      const taskId = requireUuid(v, 'task_id', request.taskId);
      const agentId = requireUuid(v, 'agent_id', request.agentId);
      const result = resultOf(v, request.result);
      v.throwIfAny();
      await asSelf(context, methods.completeTask, agentId);
      return { task: taskToProto(await asHolder(context, methods.completeTask, taskId, () => queue.complete(taskId, agentId, result, context))) };
    },

    async failTask(request, context) {
      const v = new Violations();
      const taskId = requireUuid(v, 'task_id', request.taskId);
      const agentId = requireUuid(v, 'agent_id', request.agentId);
      const error = text(v, 'error', request.error, { required: true, max: 1000 });
      const contactStatus = contactStatuses.optional(request.contactStatus, v, 'contact_status', 'contact status');
      v.throwIfAny();
      await asSelf(context, methods.failTask, agentId);
      const failed = await asHolder(context, methods.failTask, taskId, () => queue.fail(taskId, agentId, { error: error as string, retryable: request.retryable, contactStatus }, context));
      return { task: taskToProto(failed) };
    },

    async cancelTask(request, context) {
      const v = new Violations();
      const taskId = requireUuid(v, 'task_id', request.taskId);
      const reason = text(v, 'reason', request.reason, { required: true, max: 500 });
      v.throwIfAny();
      return { task: taskToProto(await queue.cancel(taskId, reason as string, context)) };
    },
  };
}
