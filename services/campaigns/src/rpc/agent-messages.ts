import type { campaignsV1 } from '@cec/proto';
import type { AgentPerformanceRow } from '../store/agent-store';
import type { AgentRecord } from '../store/agent-rows';
import { pgTimestamp } from '@cec/orm';
import { agentStatuses, agentTypes } from './enums';

/** An agent as the API shows it: secret names, never values. */
export function agentToProto(a: AgentRecord): campaignsV1.Agent {
  return {
    id: a.id,
    name: a.name,
    type: agentTypes.to(a.type),
    status: agentStatuses.to(a.status),
    capabilities: a.capabilities,
    maxConcurrentTasks: a.maxConcurrentTasks,
    config: a.config,
    secretNames: a.secretNames,
    lastHeartbeatTime: a.lastHeartbeatAt ?? undefined,
    statusMessage: a.statusMessage ?? '',
    activeTasks: a.activeTasks,
    createTime: a.createdAt,
    updateTime: a.updatedAt,
  };
}

const int = (value: string | null): number => (value === null ? 0 : Number(value));

export function performanceToProto(p: AgentPerformanceRow): campaignsV1.AgentPerformance {
  return {
    totalTasks: int(p.total_tasks),
    completedTasks: int(p.completed_tasks),
    failedTasks: int(p.failed_tasks),
    activeTasks: int(p.active_tasks),
    successRate: int(p.success_rate),
    avgTaskSeconds: int(p.avg_task_seconds),
    contactAttempts: int(p.contact_attempts),
    successfulContacts: int(p.successful_contacts),
    responses: int(p.responses),
    responseRate: int(p.response_rate),
    avgCallSeconds: int(p.avg_call_seconds),
    lastActivityTime: pgTimestamp(p.last_activity_at) ?? undefined,
  };
}
