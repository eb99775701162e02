import { pgTimestamp, pgTimestampRequired } from '@cec/orm';
import { effectiveStatus, type AgentStatus, type AgentType } from '../domain/agent';

/** An agent as the API shows it: never a secret value, only the names. */
export interface AgentRecord {
  id: string;
  name: string;
  type: AgentType;
  /** As callers see it: offline when the last sign of life is too old. */
  status: AgentStatus;
  capabilities: string[];
  maxConcurrentTasks: number;
  config: Record<string, unknown>;
  secretNames: string[];
  lastHeartbeatAt: Date | null;
  statusMessage: string | null;
  activeTasks: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface AgentRow {
  id: string;
  name: string;
  type: AgentType;
  status: AgentStatus;
  capabilities: string[];
  max_concurrent_tasks: number;
  config: Record<string, unknown>;
  secret_names: string[];
  last_heartbeat_at: string | null;
  status_message: string | null;
  active_tasks: number;
  created_at: string;
  updated_at: string;
}

/** The columns of an AgentRow (alias a): the secrets column only as its keys. */
export const AGENT_COLUMNS = `a.id, a.name, a.type, a.status, a.capabilities, a.max_concurrent_tasks, a.config,
  ARRAY(SELECT jsonb_object_keys(a.secrets) ORDER BY 1) AS secret_names,
  a.last_heartbeat_at, a.status_message, a.created_at, a.updated_at,
  (SELECT count(*)::int FROM tasks h WHERE h.agent_id = a.id AND h.status IN ('assigned', 'in_progress')) AS active_tasks`;

/** The SQL form of effectiveStatus (alias a; one parameter: the offline threshold in ms), for filters. */
export const EFFECTIVE_STATUS_SQL =
  "(CASE WHEN a.last_heartbeat_at IS NULL OR a.last_heartbeat_at < now() - ? * interval '1 millisecond' THEN 'offline' ELSE a.status END)";

export function agentOf(row: AgentRow, offlineAfterMs: number, now = new Date()): AgentRecord {
  const lastHeartbeatAt = pgTimestamp(row.last_heartbeat_at);
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    status: effectiveStatus(row.status, lastHeartbeatAt, now, offlineAfterMs),
    capabilities: row.capabilities,
    maxConcurrentTasks: row.max_concurrent_tasks,
    config: row.config,
    secretNames: row.secret_names,
    lastHeartbeatAt,
    statusMessage: row.status_message,
    activeTasks: row.active_tasks,
    createdAt: pgTimestampRequired(row.created_at),
    updatedAt: pgTimestampRequired(row.updated_at),
  };
}
