import { intInRange } from '@cec/config';
import { register } from '@cec/grpc';
import { startAuditSequencer } from '@cec/orm';
import { complianceV1, customersV1 } from '@cec/proto';
import { defineService, METRICS_FEED_CLIENT, METRICS_FEED_ENV, metricsFeedOf } from '@cec/service-runtime';
import { complianceBusinessMetrics } from './business-metrics';
import { customerFactsFrom } from './customer-facts';
import { decider } from './decider';
import { decisionMetrics } from './decision-metrics';
import { ENTITIES } from './entities';
import { complianceRuleService } from './rpc/compliance-rule-service';
import { complianceService } from './rpc/compliance-service';
import { optOutService } from './rpc/opt-out-service';
import { AttemptStore } from './store/attempt-store';
import { AuditStore } from './store/audit-store';
import { auditService } from './rpc/audit-service';
import { DecisionStore } from './store/decision-store';
import { OptOutStore } from './store/opt-out-store';
import { RuleStore } from './store/rule-store';
import { watchRuleCount } from './rule-count-watch';

/** The compliance service: what it serves, the peer it asks for customers' facts, its own variables. */
export const complianceServiceSpec = defineService({
  name: 'compliance',
  entities: ENTITIES,
  env: {
    RESERVATION_TTL_MS: intInRange(60_000, 7 * 86_400_000)({
      default: 4 * 3_600_000,
      desc: 'How long the slot an ALLOW reserves under the caps waits for its contact attempt (RecordContactAttempts with the decision id).',
    }),
    AUDIT_SEAL_INTERVAL_MS: intInRange(50, 3_600_000)({
      default: 1_000,
      desc: 'How often the audit sequencer chains the committed audit events (seq and hashes); safe on every replica.',
    }),
    ...METRICS_FEED_ENV,
  },
  clients: {
    customers: { peer: 'customers', client: customersV1.CustomerServiceClient },
    metricsService: METRICS_FEED_CLIENT,
  },
  services: ({ orm, clients, settings, metrics }) => {
    const rules = new RuleStore(orm);
    const facts = customerFactsFrom(clients.customers);
    return [
      register(complianceV1.ComplianceRuleServiceService, complianceRuleService(rules)),
      register(
        complianceV1.ComplianceServiceService,
        complianceService({
          decisions: new DecisionStore(orm, rules, settings.RESERVATION_TTL_MS, decisionMetrics(metrics)),
          attempts: new AttemptStore(orm),
          facts,
          decider,
        }),
      ),
      register(complianceV1.OptOutServiceService, optOutService(new OptOutStore(orm), facts)),
      register(complianceV1.AuditServiceService, auditService(new AuditStore(orm))),
    ];
  },
  background: (deps) => [
    watchRuleCount(deps.orm, deps.logger, deps.metrics),
    startAuditSequencer({ orm: deps.orm, logger: deps.logger, intervalMs: deps.settings.AUDIT_SEAL_INTERVAL_MS }),
    metricsFeedOf('compliance', deps, complianceBusinessMetrics(deps.orm)),
  ],
});
