import type { MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { inSqlTransaction, recordAuditEvents, sql } from '@cec/orm';
import { expiryOutcome } from '../domain/task';

const SWEEP_BATCH = 500;

/**
 * Expired leases: the tasks of agents that stopped without completing or failing them. Safe on
 * every replica at once: each batch locks the rows it takes (FOR UPDATE SKIP LOCKED, so two
 * sweepers never take the same row and a holder completing a task right now is not waited for),
 * and a row already swept no longer matches.
 */
export class TaskSweepStore {
  constructor(private readonly orm: MikroORM) {}

  /**
   * Returns tasks whose lease ran out to the queue (pending, no agent), or fails them when that
   * was their last attempt; each audited. Returns how many were swept.
   */
  async sweepExpiredLeases(call: CallContext): Promise<{ requeued: number; failed: number }> {
    const total = { requeued: 0, failed: 0 };
    for (;;) {
      const batch = await inSqlTransaction(this.orm, call, async (tx) => {
        const expired = await sql<{ id: string; agent_id: string; attempts: number; max_attempts: number; lease_expires_at: string }>(
          tx,
          `SELECT id, agent_id, attempts, max_attempts, lease_expires_at FROM tasks
            WHERE status IN ('assigned', 'in_progress') AND lease_expires_at < now()
            ORDER BY lease_expires_at LIMIT ${SWEEP_BATCH}
            FOR NO KEY UPDATE SKIP LOCKED`,
        );
        if (!expired.length) return { requeued: 0, failed: 0, size: 0 };
        const outcomes = expired.map((t) => ({
          task: t,
          outcome: expiryOutcome({ id: t.id, status: 'assigned', agentId: t.agent_id, attempts: t.attempts, maxAttempts: t.max_attempts }),
        }));
        await sql(
          tx,
          `UPDATE tasks t
              SET status = u.status,
                  agent_id = CASE WHEN u.status = 'pending' THEN NULL ELSE t.agent_id END,
                  assigned_at = CASE WHEN u.status = 'pending' THEN NULL ELSE t.assigned_at END,
                  started_at = CASE WHEN u.status = 'pending' THEN NULL ELSE t.started_at END,
                  lease_expires_at = NULL,
                  completed_at = CASE WHEN u.status = 'failed' THEN now() END,
                  last_error = COALESCE(u.error, t.last_error)
             FROM unnest(?::uuid[], ?::text[], ?::text[]) AS u(id, status, error)
            WHERE t.id = u.id`,
          [outcomes.map((o) => o.task.id), outcomes.map((o) => o.outcome.status), outcomes.map((o) => (o.outcome.status === 'failed' ? o.outcome.error : null))],
        );
        await recordAuditEvents(
          tx,
          outcomes.map(({ task, outcome }) => ({
            entityType: 'task',
            entityId: task.id,
            action: outcome.status === 'failed' ? 'failed' : 'lease_expired',
            actor: call.actor,
            details: {
              request_id: call.requestId,
              agent_id: task.agent_id,
              lease_expired_at: task.lease_expires_at,
              attempts: task.attempts,
              max_attempts: task.max_attempts,
              ...(outcome.status === 'failed' ? { error: outcome.error } : {}),
            },
          })),
        );
        const failed = outcomes.filter((o) => o.outcome.status === 'failed').length;
        return { requeued: expired.length - failed, failed, size: expired.length };
      });
      total.requeued += batch.requeued;
      total.failed += batch.failed;
      if (batch.size < SWEEP_BATCH) return total;
    }
  }
}
