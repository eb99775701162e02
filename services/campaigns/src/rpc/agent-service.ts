import { decodePageToken, filterFingerprint, pageSize, paginate, resolveUpdateMask, type AsyncService } from '@cec/grpc';
import { Violations } from '@cec/errors';
import { campaignsV1 } from '@cec/proto';
import { optionalUuid, requireUuid, text } from '@cec/validation';
import type { CampaignsDeps } from '../campaigns-config';
import { capabilityProblems, normalizeCapabilities, secretProblems, type ReportedStatus } from '../domain/agent';
import { AgentStore, type AgentChanges } from '../store/agent-store';
import { actsForAnotherAgent, AgentRefusals } from './agent-identity';
import { agentToProto, performanceToProto } from './agent-messages';
import { agentStatuses, agentTypes } from './enums';

const MAX_CONFIG_BYTES = 16_384;
const UPDATABLE = ['capabilities', 'max_concurrent_tasks', 'config', 'secrets'] as const;

function capabilitiesOf(v: Violations, field: string, values: string[]): string[] {
  for (const [i, problem] of capabilityProblems(values)) v.add(i < 0 ? field : `${field}[${i}]`, problem);
  return normalizeCapabilities(values);
}

function capacityOf(v: Violations, field: string, value: number, required: boolean): number {
  if (value === 0 && !required) return 1;
  if (!Number.isInteger(value) || value < 1 || value > 1000) v.add(field, `must be from 1 to 1000, got ${value}`);
  return value;
}

function configOf(v: Violations, field: string, value: Record<string, unknown> | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  if (Buffer.byteLength(JSON.stringify(value)) > MAX_CONFIG_BYTES) v.add(field, `must be at most ${MAX_CONFIG_BYTES} bytes as JSON`);
  return value;
}

/** Problems are named by the secret's name (`secrets.API_KEY`), never by its value. */
function secretsOf(v: Violations, secrets: Record<string, string>): Record<string, string> {
  for (const [name, problem] of secretProblems(secrets)) v.add(name === undefined ? 'secrets' : `secrets.${name}`, problem);
  return secrets;
}

/** escalation.campaigns.v1.AgentService: registration, heartbeats, performance. */
export function agentService(deps: CampaignsDeps, store = new AgentStore(deps.orm, deps.settings.AGENT_OFFLINE_AFTER_MS)): AsyncService<campaignsV1.AgentServiceServer> {
  const heartbeatMs = deps.settings.AGENT_HEARTBEAT_INTERVAL_MS;
  const refusals = new AgentRefusals(deps.orm, 'campaigns');
  return {
    async registerAgent(request, context) {
      const v = new Violations();
      const agent = request.agent;
      if (!agent) v.add('agent', 'is required');
      const name = text(v, 'agent.name', agent?.name ?? '', { required: true, max: 200 });
      const type = agentTypes.from(agent?.type ?? 0, v, 'agent.type', 'agent type');
      const capabilities = capabilitiesOf(v, 'agent.capabilities', agent?.capabilities ?? []);
      const maxConcurrentTasks = capacityOf(v, 'agent.max_concurrent_tasks', agent?.maxConcurrentTasks ?? 0, false);
      const config = configOf(v, 'agent.config', agent?.config);
      const secrets = secretsOf(v, request.secrets);
      const requestId = optionalUuid(v, 'request_id', request.requestId);
      v.throwIfAny();
      const registered = await store.register(
        { name: name as string, type: type as NonNullable<typeof type>, capabilities, maxConcurrentTasks, config, secrets },
        requestId,
        context,
      );
      return { agent: agentToProto(registered) };
    },

    async getAgent(request) {
      const v = new Violations();
      const id = requireUuid(v, 'agent_id', request.agentId);
      v.throwIfAny();
      return { agent: agentToProto(await store.get(id)) };
    },

    async listAgents(request) {
      const v = new Violations();
      const type = agentTypes.optional(request.type, v, 'type', 'agent type');
      const status = agentStatuses.optional(request.status, v, 'status', 'agent status');
      const capability = request.capability ? capabilitiesOf(v, 'capability', [request.capability])[0] : undefined;
      v.throwIfAny();
      const size = pageSize(request.pageSize);
      const fingerprint = filterFingerprint({ type, status, capability });
      const after = decodePageToken(request.pageToken, fingerprint, ['text', 'uuid']);
      const rows = await store.list({ type, status, capability }, after && { name: after[0], id: after[1] }, size + 1);
      const { page, nextPageToken } = paginate(rows, size, (a) => [a.name, a.id], fingerprint);
      return { agents: page.map(agentToProto), nextPageToken };
    },

    async updateAgent(request, context) {
      const v = new Violations();
      const agent = request.agent;
      if (!agent) v.add('agent', 'is required');
      const id = requireUuid(v, 'agent.id', agent?.id ?? '');
      v.throwIfAny();
      const mask = resolveUpdateMask(request.updateMask, {
        allowed: UPDATABLE,
        resource: 'agent',
        populated: () =>
          UPDATABLE.filter((f) =>
            f === 'capabilities'
              ? (agent?.capabilities.length ?? 0) > 0
              : f === 'max_concurrent_tasks'
                ? (agent?.maxConcurrentTasks ?? 0) !== 0
                : f === 'config'
                  ? agent?.config !== undefined
                  : Object.keys(request.secrets).length > 0,
          ),
      });
      const changes: AgentChanges = {};
      if (mask.has('capabilities')) changes.capabilities = capabilitiesOf(v, 'agent.capabilities', agent?.capabilities ?? []);
      if (mask.has('max_concurrent_tasks')) changes.maxConcurrentTasks = capacityOf(v, 'agent.max_concurrent_tasks', agent?.maxConcurrentTasks ?? 0, true);
      if (mask.has('config')) changes.config = configOf(v, 'agent.config', agent?.config);
      if (mask.has('secrets')) changes.secrets = secretsOf(v, request.secrets);
      v.throwIfAny();
      return { agent: agentToProto(await store.update(id, changes, context)) };
    },

    async agentHeartbeat(request, context) {
      const v = new Violations();
      const id = requireUuid(v, 'agent_id', request.agentId);
      const status = agentStatuses.optional(request.status, v, 'status', 'agent status');
      if (status === 'offline') v.add('status', 'cannot be OFFLINE: the service says when an agent is offline (stop heartbeating)');
      const message = text(v, 'status_message', request.statusMessage, { max: 500 });
      v.throwIfAny();
      await refusals.check(context, campaignsV1.AgentServiceService.agentHeartbeat.path, actsForAnotherAgent(context, id, 'agent_id'));
      const agent = await store.heartbeat(id, status as ReportedStatus | undefined, message ?? null, context);
      return {
        agent: agentToProto(agent),
        heartbeatInterval: { seconds: String(Math.floor(heartbeatMs / 1000)), nanos: (heartbeatMs % 1000) * 1_000_000 },
        serverTime: new Date(),
      };
    },

    async getAgentPerformance(request) {
      const v = new Violations();
      const id = requireUuid(v, 'agent_id', request.agentId);
      v.throwIfAny();
      return { agentId: id, performance: performanceToProto(await store.performance(id)) };
    },
  };
}
