import { LockMode, type EntityManager, type MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { AlreadyExistsError, NotFoundError } from '@cec/errors';
import { createOnce, inTransaction, pgTimestamp, recordAuditEvent, recordAuditEvents, sql, type SqlTarget } from '@cec/orm';
import { heartbeatStatus, type AgentStatus, type AgentType, type ReportedStatus } from '../domain/agent';
import { AgentEntity } from '../entities';
import { AGENT_COLUMNS, agentOf, EFFECTIVE_STATUS_SQL, type AgentRecord, type AgentRow } from './agent-rows';

export interface NewAgent {
  name: string;
  type: AgentType;
  capabilities: string[];
  maxConcurrentTasks: number;
  config: Record<string, unknown>;
  secrets: Record<string, string>;
}

export interface AgentChanges {
  capabilities?: string[];
  maxConcurrentTasks?: number;
  config?: Record<string, unknown>;
  /** The whole new set. */
  secrets?: Record<string, string>;
}

export interface AgentFilter {
  type?: AgentType;
  status?: AgentStatus;
  capability?: string;
}

/** A row of v_agent_performance. Numerics come as text. */
export interface AgentPerformanceRow {
  agent_id: string;
  total_tasks: string;
  completed_tasks: string;
  failed_tasks: string;
  active_tasks: string;
  success_rate: string | null;
  avg_task_seconds: string | null;
  contact_attempts: string;
  successful_contacts: string;
  responses: string;
  response_rate: string | null;
  avg_call_seconds: string | null;
  last_activity_at: string | null;
}

const NAME_TAKEN = 'agents_name_key';
const REQUEST_ID_TAKEN = 'agents_request_id_key';

/** agents: registration, changes, heartbeats and performance. Secrets are written here and never read back. */
export class AgentStore {
  constructor(
    private readonly orm: MikroORM,
    /** AGENT_OFFLINE_AFTER_MS: an agent silent for longer is offline. */
    private readonly offlineAfterMs: number,
  ) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  private async read(target: SqlTarget, id: string): Promise<AgentRecord | undefined> {
    const [row] = await sql<AgentRow>(target, `SELECT ${AGENT_COLUMNS} FROM agents a WHERE a.id = ?`, [id]);
    return row && agentOf(row, this.offlineAfterMs);
  }

  async get(id: string): Promise<AgentRecord> {
    const agent = await this.read(this.em(), id);
    if (!agent) throw NotFoundError.resource('agent', id);
    return agent;
  }

  /** Registers an agent (offline until its first sign of life), audited; a retried request id returns the first. */
  async register(input: NewAgent, requestId: string | undefined, call: CallContext): Promise<AgentRecord> {
    const find = async (id: string): Promise<AgentRecord | undefined> => {
      const [row] = await sql<AgentRow>(this.em(), `SELECT ${AGENT_COLUMNS} FROM agents a WHERE a.request_id = ?`, [id]);
      return row && agentOf(row, this.offlineAfterMs);
    };
    return createOnce({
      requestId,
      find,
      raceConstraints: [REQUEST_ID_TAKEN],
      insert: () =>
        nameUnique(input.name, requestId ? () => find(requestId) : undefined, () =>
          inTransaction(this.em(), call, async (tx) => {
            const agent = tx.create(AgentEntity, {
              name: input.name,
              type: input.type,
              capabilities: input.capabilities,
              maxConcurrentTasks: input.maxConcurrentTasks,
              config: input.config,
              secrets: input.secrets,
              requestId: requestId ?? null,
            });
            await tx.flush();
            await recordAuditEvent(tx, {
              entityType: 'agent',
              entityId: agent.id,
              action: 'registered',
              actor: call.actor,
              details: {
                request_id: call.requestId,
                after: {
                  name: input.name,
                  type: input.type,
                  capabilities: input.capabilities,
                  max_concurrent_tasks: input.maxConcurrentTasks,
                  config_keys: Object.keys(input.config).sort(),
                  secret_names: Object.keys(input.secrets).sort(),
                },
              },
            });
            return (await this.read(tx, agent.id)) as AgentRecord;
          }),
        ),
    });
  }

  /** Changes capabilities, capacity, config or secrets under the row's lock, audited (secret names only). */
  async update(id: string, changes: AgentChanges, call: CallContext): Promise<AgentRecord> {
    return inTransaction(this.em(), call, async (tx) => {
      const agent = await tx.findOne(AgentEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!agent) throw NotFoundError.resource('agent', id);
      const diff: Record<string, unknown> = {};
      if (changes.capabilities && JSON.stringify(changes.capabilities) !== JSON.stringify(agent.capabilities)) {
        diff.capabilities = { before: agent.capabilities, after: changes.capabilities };
        agent.capabilities = changes.capabilities;
      }
      if (changes.maxConcurrentTasks !== undefined && changes.maxConcurrentTasks !== agent.maxConcurrentTasks) {
        diff.max_concurrent_tasks = { before: agent.maxConcurrentTasks, after: changes.maxConcurrentTasks };
        agent.maxConcurrentTasks = changes.maxConcurrentTasks;
      }
      if (changes.config && JSON.stringify(changes.config) !== JSON.stringify(agent.config)) {
        diff.config = { changed: true, keys_after: Object.keys(changes.config).sort() };
        agent.config = changes.config;
      }
      if (changes.secrets) {
        const current = (await agent.secrets.load()) ?? {};
        // Values are compared, never recorded: the event says only that they changed.
        if (JSON.stringify(sortedEntries(current)) !== JSON.stringify(sortedEntries(changes.secrets))) {
          diff.secrets = { changed: true, names_before: Object.keys(current).sort(), names_after: Object.keys(changes.secrets).sort() };
          agent.secrets.set(changes.secrets);
        }
      }
      if (Object.keys(diff).length) {
        await tx.flush();
        await recordAuditEvent(tx, { entityType: 'agent', entityId: id, action: 'updated', actor: call.actor, details: { request_id: call.requestId, changes: diff } });
      }
      return (await this.read(tx, id)) as AgentRecord;
    });
  }

  /**
   * A heartbeat: the agent is alive; its status is the one it reports, or the one its load
   * says. A change of status (coming back from offline included) is audited.
   */
  async heartbeat(id: string, reported: ReportedStatus | undefined, message: string | null, call: CallContext): Promise<AgentRecord> {
    return inTransaction(this.em(), call, async (tx) => {
      const before = await this.lockedRecord(tx, id);
      const status = heartbeatStatus(reported, before.activeTasks, before.maxConcurrentTasks);
      await sql(tx, 'UPDATE agents SET last_heartbeat_at = now(), status = ?, status_message = ? WHERE id = ?', [status, message, id]);
      if (status !== before.status) {
        await recordAuditEvent(tx, {
          entityType: 'agent',
          entityId: id,
          action: 'status_changed',
          actor: call.actor,
          details: { request_id: call.requestId, before: before.status, after: status, status_message: message },
        });
      }
      return (await this.read(tx, id)) as AgentRecord;
    });
  }

  private async lockedRecord(tx: SqlTarget, id: string): Promise<AgentRecord> {
    const [row] = await sql<AgentRow>(tx, `SELECT ${AGENT_COLUMNS} FROM agents a WHERE a.id = ? FOR UPDATE OF a`, [id]);
    if (!row) throw NotFoundError.resource('agent', id);
    return agentOf(row, this.offlineAfterMs);
  }

  /** A page of agents by name (then id), filtered by type, status as callers see it, and capability. */
  async list(filter: AgentFilter, after: { name: string; id: string } | undefined, limit: number): Promise<AgentRecord[]> {
    const where: string[] = ['true'];
    const params: unknown[] = [];
    if (filter.type) {
      where.push('a.type = ?');
      params.push(filter.type);
    }
    if (filter.status) {
      where.push(`${EFFECTIVE_STATUS_SQL} = ?`);
      params.push(this.offlineAfterMs, filter.status);
    }
    if (filter.capability) {
      where.push('a.capabilities @> ARRAY[?]::text[]');
      params.push(filter.capability);
    }
    if (after) {
      where.push('(a.name, a.id) > (?, ?::uuid)');
      params.push(after.name, after.id);
    }
    const rows = await sql<AgentRow>(
      this.em(),
      `SELECT ${AGENT_COLUMNS} FROM agents a WHERE ${where.join(' AND ')} ORDER BY a.name COLLATE "C", a.id LIMIT ?`,
      [...params, limit],
    );
    return rows.map((row) => agentOf(row, this.offlineAfterMs));
  }

  /** v_agent_performance for one agent (exact, read now). */
  async performance(id: string): Promise<AgentPerformanceRow> {
    const [row] = await sql<AgentPerformanceRow>(this.em(), 'SELECT * FROM v_agent_performance WHERE agent_id = ?', [id]);
    if (!row) throw NotFoundError.resource('agent', id);
    return row;
  }
}

/** The last activity of a performance row as a Date. */
export const lastActivityOf = (row: AgentPerformanceRow): Date | null => pgTimestamp(row.last_activity_at);

const sortedEntries = (map: Record<string, string>): [string, string][] => Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Another agent's name is ALREADY_EXISTS, saying which name; unless a concurrent twin of the
 * same request (same request id) took it, whose agent is the answer.
 */
async function nameUnique<T>(name: string, twin: (() => Promise<T | undefined>) | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if ((error as { constraint?: string }).constraint === NAME_TAKEN) {
      const first = twin && (await twin());
      if (first !== undefined) return first;
      throw new AlreadyExistsError(`an agent named ${JSON.stringify(name)} already exists; choose another name`);
    }
    throw error;
  }
}

/**
 * The agents' side of the sweep: agents that went silent become offline, and
 * agents.performance_metrics is refreshed from v_agent_performance. Safe on every replica
 * (FOR NO KEY UPDATE SKIP LOCKED: an agent another replica, or a claim, holds is left for the
 * next pass).
 */
export class AgentSweepStore {
  constructor(
    private readonly orm: MikroORM,
    private readonly offlineAfterMs: number,
    /** How stale performance_metrics may get while the agent is alive (AGENT_HEARTBEAT_INTERVAL_MS). */
    private readonly metricsEveryMs: number,
  ) {}

  /** Marks agents whose last sign of life is too old (or never came) offline, each audited. Returns how many. */
  async markOffline(call: CallContext): Promise<number> {
    return inTransaction(this.orm.em.fork() as EntityManager, call, async (tx) => {
      const rows = await sql<{ id: string; was: AgentStatus; last_heartbeat_at: string | null }>(
        tx,
        `WITH stale AS (
           SELECT id, status FROM agents
            WHERE status <> 'offline' AND (last_heartbeat_at IS NULL OR last_heartbeat_at < now() - ? * interval '1 millisecond')
            ORDER BY id LIMIT 1000
            FOR NO KEY UPDATE SKIP LOCKED)
         UPDATE agents a SET status = 'offline' FROM stale WHERE a.id = stale.id
         RETURNING a.id, stale.status AS was, a.last_heartbeat_at`,
        [this.offlineAfterMs],
      );
      await recordAuditEvents(
        tx,
        rows.map((r) => ({
          entityType: 'agent',
          entityId: r.id,
          action: 'status_changed',
          actor: call.actor,
          details: { request_id: call.requestId, before: r.was, after: 'offline', reason: 'no heartbeat', last_heartbeat_at: r.last_heartbeat_at },
        })),
      );
      return rows.length;
    });
  }

  /**
   * Refreshes performance_metrics (v_agent_performance, with as_of) of the agents that may
   * have done something since their last refresh: never refreshed, or alive at that refresh
   * and refreshed longer ago than metricsEveryMs. Returns how many.
   */
  async refreshPerformance(call: CallContext): Promise<number> {
    return inTransaction(this.orm.em.fork() as EntityManager, call, async (tx) => {
      const rows = await sql(
        tx,
        `WITH due AS (
           SELECT id FROM agents
            WHERE performance_metrics->>'as_of' IS NULL
               OR ((performance_metrics->>'as_of')::timestamptz < now() - ? * interval '1 millisecond'
                   AND last_heartbeat_at + ? * interval '1 millisecond' >= (performance_metrics->>'as_of')::timestamptz)
            ORDER BY id LIMIT 200
            FOR NO KEY UPDATE SKIP LOCKED)
         UPDATE agents a
            SET performance_metrics = jsonb_build_object(
                  'as_of', now(), 'total_tasks', p.total_tasks, 'completed_tasks', p.completed_tasks, 'failed_tasks', p.failed_tasks,
                  'active_tasks', p.active_tasks, 'success_rate', p.success_rate, 'avg_task_seconds', p.avg_task_seconds,
                  'contact_attempts', p.contact_attempts, 'successful_contacts', p.successful_contacts, 'responses', p.responses,
                  'response_rate', p.response_rate, 'avg_call_seconds', p.avg_call_seconds, 'last_activity_at', p.last_activity_at)
           FROM due CROSS JOIN LATERAL (SELECT * FROM v_agent_performance v WHERE v.agent_id = due.id) p
          WHERE a.id = due.id
          RETURNING a.id`,
        [this.metricsEveryMs, this.offlineAfterMs],
      );
      return rows.length;
    });
  }
}
