/**
 * One simulated agent at work: it heartbeats on the interval AgentHeartbeat answers, and each of
 * its slots (its capacity) claims a task with a lease, works on it for a while (extending the
 * lease when the work outlasts half of it), then completes or fails it with an outcome drawn from
 * the table, and records an opt-out when the customer asked to stop. When the run's signal is
 * aborted it claims nothing more and finishes at once what it holds.
 */
import { status, type Metadata } from '@grpc/grpc-js';
import type { Logger } from '@cec/observability';
import { campaignsV1, complianceV1 } from '@cec/proto';
import { describeCallFailure, statusCodeOf } from '@cec/grpc';
import { unary } from './calls';
import { MissingTokenError, type Identity } from './identity';
import { complianceChannel, type Outcome } from './outcomes';
import type { SimAgent } from './registration';
import type { SimulatorStats } from './stats';
import { decideTask, reportOf, type TaskDecision } from './task-report';

/** An idle slot waits at most this many times pollMs between claims. */
const IDLE_POLL_FACTOR = 4;

export interface Clients {
  agents: campaignsV1.AgentServiceClient;
  tasks: campaignsV1.TaskServiceClient;
  optOuts: complianceV1.OptOutServiceClient;
}

export interface WorkContext {
  clients: Clients;
  identity: Identity;
  stats: SimulatorStats;
  logger: Logger;
  seed: number;
  /** Work times are divided by it. */
  speed: number;
  leaseSeconds: number;
  /** How long a slot waits when there was nothing to claim. */
  pollMs: number;
  signal: AbortSignal;
}

/** Resolves after `ms`, or at once when `signal` is (or becomes) aborted. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

const taskTypeName = (type: campaignsV1.TaskType): string => (campaignsV1.TaskType[type] ?? String(type)).replace(/^TASK_TYPE_/, '').toLowerCase();
const statusName = (s: campaignsV1.ContactStatus | undefined): string | undefined =>
  s ? campaignsV1.ContactStatus[s].replace(/^CONTACT_STATUS_/, '').toLowerCase() : undefined;
const durationMs = (d: { seconds: string; nanos: number } | undefined): number | undefined =>
  d ? Number(d.seconds) * 1000 + Math.floor(d.nanos / 1e6) : undefined;

export class AgentWorker {
  private firstHeartbeat!: () => void;
  private readonly heartbeatDone = new Promise<void>((resolve) => (this.firstHeartbeat = resolve));
  /** The failure last logged per method: the same one again (every poll while a service is down) is only counted. */
  private readonly lastFailure = new Map<string, string>();

  constructor(
    private readonly agent: SimAgent,
    private readonly ctx: WorkContext,
  ) {}

  /** Runs until the signal is aborted and every task it held is finished. */
  async run(): Promise<void> {
    const slots = Array.from({ length: this.agent.capacity }, () => this.slot());
    await Promise.all([this.heartbeats(), ...slots]);
  }

  private metadata(): Promise<Metadata> {
    return this.ctx.identity.agent(this.agent);
  }

  private callFailed(method: string, error: unknown): void {
    const missingToken = error instanceof MissingTokenError;
    this.ctx.stats.callFailed(method, missingToken ? 'NO_TOKEN' : (status[statusCodeOf(error)] ?? 'UNKNOWN'));
    // Alike when the code is (the details of a gRPC failure vary: timings, addresses).
    const kind = missingToken ? 'NO_TOKEN' : typeof (error as { code?: unknown })?.code === 'number' ? String(statusCodeOf(error)) : String((error as Error)?.message);
    if (this.lastFailure.get(method) === kind) return;
    this.lastFailure.set(method, kind);
    this.ctx.logger.warn({ agent: this.agent.name, agentId: this.agent.id, method }, missingToken ? error.message : `${method} failed: ${describeCallFailure(error)}`);
  }

  /** A call of `method` worked: its next failure is logged again. */
  private succeeded(method: string): void {
    if (this.lastFailure.delete(method)) this.ctx.logger.info({ agent: this.agent.name, method }, `${method} works again`);
  }

  private async heartbeats(): Promise<void> {
    const { clients, signal, pollMs } = this.ctx;
    let intervalMs = 30_000;
    while (!signal.aborted) {
      let next = pollMs;
      try {
        const answer = await unary(clients.agents, 'agentHeartbeat', { agentId: this.agent.id, status: 0, statusMessage: '' }, await this.metadata());
        intervalMs = durationMs(answer.heartbeatInterval) || intervalMs;
        // Well within the interval, so one late or lost heartbeat does not take the agent offline.
        next = intervalMs / 2;
        this.firstHeartbeat();
        this.succeeded('AgentHeartbeat');
      } catch (error) {
        this.callFailed('AgentHeartbeat', error);
      }
      await pause(next, signal);
    }
    this.firstHeartbeat(); // let waiting slots see the stop
  }

  private async slot(): Promise<void> {
    const { clients, signal, pollMs, leaseSeconds } = this.ctx;
    await this.heartbeatDone;
    // An idle slot asks less and less often (pollMs, doubled per empty answer, up to
    // IDLE_POLL_FACTOR times it), as a real agent backs off an empty queue; work resets it.
    let idleMs = pollMs;
    while (!signal.aborted) {
      let tasks: campaignsV1.Task[];
      try {
        const answer = await unary(
          clients.tasks,
          'claimTasks',
          { agentId: this.agent.id, types: [], maxTasks: 1, lease: { seconds: String(leaseSeconds), nanos: 0 } },
          await this.metadata(),
        );
        tasks = answer.tasks;
        this.succeeded('ClaimTasks');
      } catch (error) {
        this.callFailed('ClaimTasks', error);
        await pause(pollMs, signal);
        continue;
      }
      // Claimed while stopping: still finished, so nothing is left held.
      for (const task of tasks) await this.work(task);
      if (tasks.length > 0) idleMs = pollMs;
      else {
        await pause(idleMs, signal);
        idleMs = Math.min(idleMs * 2, pollMs * IDLE_POLL_FACTOR);
      }
    }
  }

  private async work(task: campaignsV1.Task): Promise<void> {
    const { stats, speed, seed } = this.ctx;
    stats.taskTaken();
    const started = Date.now();
    try {
      const decision = decideTask(seed, task);
      await this.workFor(task, decision.workMs / speed);
      await this.report(task, decision, started);
    } finally {
      stats.taskLetGo();
    }
  }

  /** Waits `workMs` (cut short when the run stops), extending the lease before half of it is left. */
  private async workFor(task: campaignsV1.Task, workMs: number): Promise<void> {
    const { clients, signal, leaseSeconds, stats } = this.ctx;
    const leaseMs = leaseSeconds * 1000;
    const end = Date.now() + workMs;
    // By this machine's clock (the service's may differ): the lease runs at least this long from its answer.
    let leaseEnds = Date.now() + leaseMs;
    while (!signal.aborted && Date.now() < end) {
      const extendAt = leaseEnds - leaseMs / 2;
      await pause(Math.min(end, extendAt) - Date.now(), signal);
      if (signal.aborted || Date.now() >= end) return;
      try {
        await unary(
          clients.tasks,
          'extendTaskLease',
          { taskId: task.id, agentId: this.agent.id, lease: { seconds: String(leaseSeconds), nanos: 0 } },
          await this.metadata(),
        );
        leaseEnds = Date.now() + leaseMs;
        stats.leaseExtended();
      } catch (error) {
        this.callFailed('ExtendTaskLease', error);
        return; // the task is probably lost (its lease ran out): report now, the service says whether it still counts
      }
    }
  }

  private async report(task: campaignsV1.Task, decision: TaskDecision, started: number): Promise<void> {
    const { clients, stats, logger } = this.ctx;
    const { outcome, callSeconds } = decision;
    const taskType = taskTypeName(task.type);
    const line = {
      agent: this.agent.name,
      taskId: task.id,
      taskType,
      outcome: outcome.name,
      contactStatus: statusName(outcome.contactStatus),
      ...(callSeconds ? { callSeconds } : {}),
      ...(outcome.action === 'fail' ? { retryable: outcome.retryable ?? false } : {}),
      workMs: Date.now() - started,
    };
    const report = reportOf(task.id, this.agent.id, decision);
    try {
      if (report.method === 'completeTask') await unary(clients.tasks, 'completeTask', report.request, await this.metadata());
      else await unary(clients.tasks, 'failTask', report.request, await this.metadata());
    } catch (error) {
      this.callFailed(report.method === 'completeTask' ? 'CompleteTask' : 'FailTask', error);
      return;
    }
    const result = outcome.action === 'complete' ? 'completed' : 'failed';
    stats.taskFinished(this.agent.kind, taskType, result, outcome.name);
    logger.info(line, `task ${result}`);
    if (outcome.optOut) await this.recordOptOut(task, outcome);
  }

  /** The customer asked to stop: the opt-out goes to compliance (once per task: the task's id is the request id). */
  private async recordOptOut(task: campaignsV1.Task, outcome: Outcome): Promise<void> {
    const channel = complianceChannel(task.channel);
    try {
      await unary(
        this.ctx.clients.optOuts,
        'recordOptOut',
        complianceV1.RecordOptOutRequest.fromPartial({
          customerId: task.customerId,
          channel,
          source: outcome.optOut,
          reason: `${outcome.notes ?? outcome.name} (task ${task.id}, agent ${this.agent.name})`,
          requestId: task.id,
        }),
        await this.metadata(),
      );
      const channelName = complianceV1.Channel[channel].replace(/^CHANNEL_/, '').toLowerCase();
      this.ctx.stats.optOut(channelName);
      this.ctx.logger.info({ agent: this.agent.name, taskId: task.id, customerId: task.customerId, channel: channelName }, 'opt-out recorded');
    } catch (error) {
      this.callFailed('RecordOptOut', error);
    }
  }
}
