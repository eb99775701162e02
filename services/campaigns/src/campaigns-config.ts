import { intInRange, str } from '@cec/config';
import { complianceV1, customersV1 } from '@cec/proto';
import { METRICS_FEED_CLIENT, METRICS_FEED_ENV, type ServiceDeps } from '@cec/service-runtime';

/** The campaigns service's own environment variables (checked with the platform's at start). */
export const CAMPAIGNS_ENV = {
  TASK_LEASE_SWEEP_INTERVAL_MS: intInRange(100, 3_600_000)({
    default: 5_000,
    desc: 'How often expired task leases are returned to the queue (safe on every replica).',
  }),
  AGENT_HEARTBEAT_INTERVAL_MS: intInRange(1_000, 3_600_000)({
    default: 30_000,
    desc: 'How often agents are asked to heartbeat (AgentHeartbeat answers it).',
  }),
  AGENT_OFFLINE_AFTER_MS: intInRange(2_000, 86_400_000)({
    default: 90_000,
    desc: 'An agent whose last heartbeat is older than this is offline.',
  }),
  OUTBOX_RELAY_INTERVAL_MS: intInRange(50, 3_600_000)({
    default: 1_000,
    desc: 'How often the outbox relay delivers contact attempts to compliance and customers (safe on every replica).',
  }),
  ENGINE_INTERVAL_MS: intInRange(0, 3_600_000)({
    default: 5_000,
    desc: 'How often each replica runs an escalation pass (auto-enrolment, then the due steps); 0: never (passes run only on RunEscalation).',
  }),
  ENGINE_BATCH_SIZE: intInRange(1, 1_000)({
    default: 500,
    desc: 'Campaigns with a step due taken per batch of a pass (one batch call per peer and one transaction per batch).',
  }),
  ENGINE_BATCHES_IN_FLIGHT: intInRange(1, 8)({
    default: 2,
    desc: "Batches of a pass worked on at once (each claims its own campaigns): one batch's calls and commit overlap another's.",
  }),
  ENGINE_LEASE_MS: intInRange(2_000, 3_600_000)({
    default: 60_000,
    desc: "How long a pass holds the campaigns it took; a pass's calls end by half of it. A campaign whose pass died is taken again after it.",
  }),
  SENDER_COMPANY: str({
    default: 'Client Escalation Calls',
    desc: 'The company name templates render as {{sender_company}}.',
  }),
  PAYMENT_LINK_BASE: str({
    default: 'https://pay.example.com/invoices/',
    desc: "Templates' {{payment_link}}: this, followed by the invoice's payment reference.",
  }),
  ...METRICS_FEED_ENV,
};

/** The services the campaigns service calls. */
export const CAMPAIGNS_CLIENTS = {
  customers: { peer: 'customers', client: customersV1.CustomerServiceClient },
  invoices: { peer: 'customers', client: customersV1.InvoiceServiceClient },
  compliance: { peer: 'compliance', client: complianceV1.ComplianceServiceClient },
  optOuts: { peer: 'compliance', client: complianceV1.OptOutServiceClient },
  metricsService: METRICS_FEED_CLIENT,
} as const;

/** What the campaigns service's handlers and background work are built from. */
export type CampaignsDeps = ServiceDeps<typeof CAMPAIGNS_ENV, typeof CAMPAIGNS_CLIENTS>;

