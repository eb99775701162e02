import { intInRange } from '@cec/config';
import { register } from '@cec/grpc';
import { startAuditSequencer } from '@cec/orm';
import { complianceV1, customersV1 } from '@cec/proto';
import { defineService } from '@cec/service-runtime';
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
  },
  clients: {
    customers: { peer: 'customers', client: customersV1.CustomerServiceClient },
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
  background: ({ orm, logger, metrics, settings }) => [
    watchRuleCount(orm, logger, metrics),
    startAuditSequencer({ orm, logger, intervalMs: settings.AUDIT_SEAL_INTERVAL_MS }),
  ],
});
