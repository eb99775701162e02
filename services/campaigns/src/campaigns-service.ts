import { register } from '@cec/grpc';
import { campaignsV1 } from '@cec/proto';
import { defineService, metricsFeedOf } from '@cec/service-runtime';
import { campaignsBusinessMetrics } from './business-metrics';
import { CAMPAIGNS_CLIENTS, CAMPAIGNS_ENV } from './campaigns-config';
import { ENTITIES } from './entities';
import { escalationEngine, startEscalationLoop } from './escalation-engine';
import { startOutboxRelay } from './outbox-relay';
import { startLeaseSweeper } from './lease-sweeper';
import { watchTaskQueue } from './queue-metrics';
import { agentService } from './rpc/agent-service';
import { campaignService } from './rpc/campaign-service';
import { contactAttemptService } from './rpc/contact-attempt-service';
import { escalationService } from './rpc/escalation-service';
import { taskService } from './rpc/task-service';
import { templateService } from './rpc/template-service';
import { AgentSweepStore } from './store/agent-store';
import { TaskSweepStore } from './store/task-sweep-store';

/** The campaigns service: templates, campaigns, agents, the task queue and contact attempts. */
export const campaignsServiceSpec = defineService({
  name: 'campaigns',
  entities: ENTITIES,
  env: CAMPAIGNS_ENV,
  clients: CAMPAIGNS_CLIENTS,
  services: (deps) => [
    register(campaignsV1.TemplateServiceService, templateService(deps)),
    register(campaignsV1.CampaignServiceService, campaignService(deps)),
    register(campaignsV1.AgentServiceService, agentService(deps)),
    register(campaignsV1.TaskServiceService, taskService(deps)),
    register(campaignsV1.ContactAttemptServiceService, contactAttemptService(deps)),
    register(campaignsV1.EscalationServiceService, escalationService(deps)),
  ],
  background: ({ orm, logger, metrics, clients, settings, ...deps }) => [
    startEscalationLoop(escalationEngine({ orm, logger, metrics, clients, settings, ...deps }), {
      intervalMs: settings.ENGINE_INTERVAL_MS,
      batchSize: settings.ENGINE_BATCH_SIZE,
      batchesInFlight: settings.ENGINE_BATCHES_IN_FLIGHT,
      leaseMs: settings.ENGINE_LEASE_MS,
      logger,
    }),
    startOutboxRelay({ orm, logger, metrics, clients, intervalMs: settings.OUTBOX_RELAY_INTERVAL_MS }),
    startLeaseSweeper(
      { tasks: new TaskSweepStore(orm), agents: new AgentSweepStore(orm, settings.AGENT_OFFLINE_AFTER_MS, settings.AGENT_HEARTBEAT_INTERVAL_MS) },
      settings.TASK_LEASE_SWEEP_INTERVAL_MS,
      logger,
    ),
    watchTaskQueue(orm, logger, metrics),
    metricsFeedOf('campaigns', { logger, metrics, clients, settings }, campaignsBusinessMetrics(orm)),
  ],
});
