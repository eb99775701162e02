import type { MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { PermissionDeniedError } from '@cec/errors';
import type { RpcContext } from '@cec/grpc';
import { recordAuditEvent } from '@cec/orm';

/*
 * Agents act for themselves only. The actor of a call made with an agent's bearer token (roles
 * include "agent") is { type: 'agent', id: <the token's subject> }, and the subject is the
 * agent's id: the UUID RegisterAgent gave it. Such a call may claim, extend, complete and fail
 * tasks, heartbeat and record or update contact attempts only as that agent: a request naming
 * another agent_id, or a task or attempt of another agent, is PERMISSION_DENIED, changes
 * nothing and is recorded in the audit trail (as the access policy's refusals are).
 * Other actors (operators, services, and every caller when authentication is off) are not
 * checked here: the access policy says which methods they may call, and the task queue's own
 * rules (only the lease holder acts) answer them as before.
 */

/** The id of the agent making the call (lower-cased, as requests' UUIDs are), or undefined when the actor is not an agent. */
export function callingAgent(call: CallContext): string | undefined {
  return call.actor.type === 'agent' ? call.actor.id.toLowerCase() : undefined;
}

/** Why an agent may not act as `agentId` (the request's `field`), or undefined when it may (it is that agent, or not an agent). */
export function actsForAnotherAgent(call: CallContext, agentId: string | null | undefined, field: string): string | undefined {
  const self = callingAgent(call);
  if (self === undefined || (agentId ?? '').toLowerCase() === self) return undefined;
  return agentId
    ? `agent ${self} may act only as itself: ${field} is ${agentId}, another agent`
    : `agent ${self} may act only as itself: ${field} must be its own id`;
}

/**
 * Why an agent may not act on a task another agent holds or finished (`holderId`), or
 * undefined when it may, or when the task has no agent (pending: the queue answers that).
 */
export function heldByAnotherAgent(call: CallContext, taskId: string, holderId: string | null): string | undefined {
  const self = callingAgent(call);
  if (self === undefined || holderId === null || holderId.toLowerCase() === self) return undefined;
  return `task ${taskId} is another agent's: agent ${self} may extend, complete or fail only the tasks it holds`;
}

/** Why an agent may not change a contact attempt that it did not make (`agentId`: the attempt's agent, if any), or undefined. */
export function notOwnAttempt(call: CallContext, attemptId: string, agentId: string | null): string | undefined {
  const self = callingAgent(call);
  if (self === undefined || (agentId !== null && agentId.toLowerCase() === self)) return undefined;
  return `contact attempt ${attemptId} ${agentId ? "is another agent's" : 'was made by no agent'}: agent ${self} may report receipts only of the attempts it made`;
}

/** Refuses a call an agent made for another agent: PERMISSION_DENIED, recorded in the audit trail like the access policy's refusals. */
export class AgentRefusals {
  constructor(
    private readonly orm: MikroORM,
    private readonly service: string,
  ) {}

  /**
   * Nothing when `reason` is undefined (no promise made: the hot calls pay nothing); else a
   * rejection with PermissionDeniedError(reason), once the refusal is recorded.
   */
  check(call: RpcContext, method: string, reason: string | undefined): Promise<never> | undefined {
    return reason === undefined ? undefined : this.refuse(call, method, reason);
  }

  private async refuse(call: RpcContext, method: string, reason: string): Promise<never> {
    call.logger.warn({ method, actor: `${call.actor.type}:${call.actor.id}` }, `permission denied: ${reason}`);
    try {
      await recordAuditEvent(this.orm.em.fork(), {
        entityType: 'access',
        entityId: null,
        action: 'permission_denied',
        actor: call.actor,
        details: { method: method.replace(/^\//, ''), reason, request_id: call.requestId, service: this.service },
      });
    } catch (error) {
      // The refusal stands even when it cannot be recorded.
      call.logger.error({ err: { message: (error as Error).message }, method }, 'could not record a refused call in the audit trail');
    }
    throw new PermissionDeniedError(reason);
  }
}
