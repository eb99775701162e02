/** Agents: their types, what each type does, capabilities, secrets and status (no transport, no ORM). */
import type { TaskType } from './contact';

export const AGENT_TYPES = ['email', 'sms', 'phone', 'research'] as const;
export type AgentType = (typeof AGENT_TYPES)[number];

export const AGENT_STATUSES = ['idle', 'active', 'busy', 'error', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** What an agent may report with a heartbeat (offline is the service's to say). */
export type ReportedStatus = Exclude<AgentStatus, 'offline'>;

/** The task types each agent type does: research agents are the back office. */
export const AGENT_TASK_TYPES: Record<AgentType, readonly TaskType[]> = {
  email: ['send_email'],
  sms: ['send_sms'],
  phone: ['make_call'],
  research: ['send_letter', 'research', 'manual_review'],
};

/** The agent type that does a task type. */
export function agentTypeFor(taskType: TaskType): AgentType {
  return (Object.keys(AGENT_TASK_TYPES) as AgentType[]).find((a) => AGENT_TASK_TYPES[a].includes(taskType)) as AgentType;
}

export const MAX_CAPABILITIES = 20;
const CAPABILITY = /^[a-z][a-z0-9_-]{0,49}$/;

/** Problems of a capability list (lower-case words, at most 20), as [index or -1, message]. */
export function capabilityProblems(capabilities: readonly string[]): [number, string][] {
  const out: [number, string][] = [];
  if (capabilities.length > MAX_CAPABILITIES) out.push([-1, `takes at most ${MAX_CAPABILITIES} capabilities, got ${capabilities.length}`]);
  capabilities.forEach((c, i) => {
    if (!CAPABILITY.test(c)) out.push([i, 'must be a lower-case word (a-z, then a-z, 0-9, _ or -, up to 50 characters)']);
  });
  return out;
}

/** A capability list as stored: once each, sorted. */
export const normalizeCapabilities = (capabilities: readonly string[]): string[] => [...new Set(capabilities)].sort();

export const MAX_SECRETS = 50;
export const MAX_SECRET_VALUE = 4096;
const SECRET_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * Problems of a secrets map, as [secret name or undefined, message]. Messages never carry a
 * value: a secret must not reach a log or an error reply.
 */
export function secretProblems(secrets: Record<string, string>): [string | undefined, string][] {
  const out: [string | undefined, string][] = [];
  const names = Object.keys(secrets);
  if (names.length > MAX_SECRETS) out.push([undefined, `takes at most ${MAX_SECRETS} secrets, got ${names.length}`]);
  for (const name of names) {
    if (!SECRET_NAME.test(name)) {
      out.push([undefined, `has a name that is not ^[A-Za-z][A-Za-z0-9_]{0,63}$ (${JSON.stringify(name.slice(0, 70))})`]);
      continue;
    }
    const value = secrets[name];
    if (value.length === 0) out.push([name, 'must not be empty']);
    else if ([...value].length > MAX_SECRET_VALUE) out.push([name, `must be at most ${MAX_SECRET_VALUE} characters`]);
    else if (value.includes('\u0000')) out.push([name, 'must not contain NUL (\\u0000) characters']);
  }
  return out;
}

/**
 * The status an agent has for its callers: offline when its last sign of life (a heartbeat or
 * a claim) is older than `offlineAfterMs` or never came, else what it last said.
 */
export function effectiveStatus(stored: AgentStatus, lastHeartbeatAt: Date | null, now: Date, offlineAfterMs: number): AgentStatus {
  if (!lastHeartbeatAt || now.getTime() - lastHeartbeatAt.getTime() > offlineAfterMs) return 'offline';
  return stored;
}

/** Idle with nothing in hand, busy at capacity, active in between. */
export function statusFromLoad(heldTasks: number, capacity: number): 'idle' | 'active' | 'busy' {
  if (heldTasks <= 0) return 'idle';
  return heldTasks >= capacity ? 'busy' : 'active';
}

/** The status a heartbeat stores: the one reported, or the one its load says. */
export function heartbeatStatus(reported: ReportedStatus | undefined, heldTasks: number, capacity: number): ReportedStatus {
  return reported ?? statusFromLoad(heldTasks, capacity);
}

/**
 * The task types a claim covers: the requested ones (each must be one the agent's type does)
 * or, when none are requested, every type it does. Problems as [index in requested, message].
 */
export function claimTypes(agentType: AgentType, requested: readonly TaskType[]): { types: TaskType[]; problems: [number, string][] } {
  const doable = AGENT_TASK_TYPES[agentType];
  if (requested.length === 0) return { types: [...doable], problems: [] };
  const problems: [number, string][] = [];
  requested.forEach((type, i) => {
    if (!doable.includes(type)) problems.push([i, `${type} tasks are not done by ${agentType} agents (they do ${doable.join(', ')})`]);
  });
  return { types: [...new Set(requested)], problems };
}
