import { randomUUID } from 'node:crypto';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Counter, Gauge } from 'prom-client';
import { systemCall } from '@cec/context';
import { REQUEST_ID } from '@cec/grpc';
import { readPerScrape, type Logger, type ServiceMetrics } from '@cec/observability';
import { pgTimestampRequired } from '@cec/orm';
import { complianceV1, customersV1 } from '@cec/proto';
import { repeatEvery, type BackgroundWork } from '@cec/service-runtime';
import type { CampaignsDeps } from './campaigns-config';
import {
  complianceOutcome,
  deliverBisecting,
  OUTBOX_DESTINATIONS,
  type ComplianceAttemptMessage,
  type CustomerOutcomeMessage,
  type OutboxDestination,
  type SendResult,
} from './domain/outbox';
import { OutboxStore, type Backlog, type OutboxMessage, type SendReport } from './store/outbox-store';

export interface OutboxRelayOptions {
  orm: MikroORM;
  logger: Logger;
  metrics: ServiceMetrics;
  clients: Pick<CampaignsDeps['clients'], 'compliance' | 'customers'>;
  intervalMs: number;
  /** Messages claimed per round and destination (the receivers take up to 1000 a call). */
  batchSize?: number;
  /** Deadline of each call to a receiver. */
  callTimeoutMs?: number;
}

/** What the receivers answer when they refuse a message for good: sending it again cannot help. */
const PERMANENT = new Set([status.INVALID_ARGUMENT, status.NOT_FOUND, status.FAILED_PRECONDITION, status.ALREADY_EXISTS, status.OUT_OF_RANGE]);
/** Rounds in a row for one destination while full batches keep coming (a backlog drains without waiting for the interval). */
const MAX_ROUNDS_PER_TICK = 20;

const COMPLIANCE_CHANNEL = { email: complianceV1.Channel.CHANNEL_EMAIL, sms: complianceV1.Channel.CHANNEL_SMS, phone: complianceV1.Channel.CHANNEL_PHONE };
const CUSTOMERS_CHANNEL = {
  email: customersV1.ContactMethod.CONTACT_METHOD_EMAIL,
  sms: customersV1.ContactMethod.CONTACT_METHOD_SMS,
  phone: customersV1.ContactMethod.CONTACT_METHOD_PHONE,
};
const OUTCOME = {
  sent: complianceV1.ContactOutcome.CONTACT_OUTCOME_SENT,
  delivered: complianceV1.ContactOutcome.CONTACT_OUTCOME_DELIVERED,
  opened: complianceV1.ContactOutcome.CONTACT_OUTCOME_OPENED,
  answered: complianceV1.ContactOutcome.CONTACT_OUTCOME_ANSWERED,
  replied: complianceV1.ContactOutcome.CONTACT_OUTCOME_REPLIED,
  bounced: complianceV1.ContactOutcome.CONTACT_OUTCOME_BOUNCED,
  failed: complianceV1.ContactOutcome.CONTACT_OUTCOME_FAILED,
  no_answer: complianceV1.ContactOutcome.CONTACT_OUTCOME_NO_ANSWER,
  voicemail: complianceV1.ContactOutcome.CONTACT_OUTCOME_VOICEMAIL,
};

export function toComplianceAttempt(payload: ComplianceAttemptMessage): complianceV1.ContactAttempt {
  return {
    attemptId: payload.attempt_id,
    customerId: payload.customer_id,
    channel: COMPLIANCE_CHANNEL[payload.channel],
    attemptTime: pgTimestampRequired(payload.attempted_at),
    outcome: OUTCOME[complianceOutcome(payload.channel, payload.status, payload.outcome)],
    decisionId: payload.decision_id ?? '',
  };
}

export function toContactOutcome(payload: CustomerOutcomeMessage): customersV1.ContactOutcome {
  return {
    attemptId: payload.attempt_id,
    customerId: payload.customer_id,
    channel: CUSTOMERS_CHANNEL[payload.channel],
    reached: payload.reached,
    responded: payload.responded,
    attemptTime: pgTimestampRequired(payload.attempted_at),
  };
}

type BatchCall = (messages: OutboxMessage[], deadline: Date, metadata: Metadata) => Promise<unknown>;

function unary<Req, Res>(method: (request: Req, metadata: Metadata, options: { deadline: Date }, callback: (error: ServiceError | null, response: Res) => void) => unknown) {
  return (request: Req, metadata: Metadata, deadline: Date) =>
    new Promise<Res>((resolve, reject) => {
      method(request, metadata, { deadline }, (error, response) => (error ? reject(error) : resolve(response)));
    });
}

function batchCalls(clients: OutboxRelayOptions['clients']): Record<OutboxDestination, BatchCall> {
  const recordAttempts = unary(clients.compliance.recordContactAttempts.bind(clients.compliance));
  const recordOutcomes = unary(clients.customers.recordContactOutcomes.bind(clients.customers));
  return {
    'compliance.contact_attempts': (messages, deadline, metadata) =>
      recordAttempts({ attempts: messages.map((m) => toComplianceAttempt(m.payload as unknown as ComplianceAttemptMessage)) }, metadata, deadline),
    'customers.contact_outcomes': (messages, deadline, metadata) =>
      recordOutcomes({ outcomes: messages.map((m) => toContactOutcome(m.payload as unknown as CustomerOutcomeMessage)) }, metadata, deadline),
  };
}

function sendResultOf(error: unknown): SendResult {
  const e = error as Partial<ServiceError>;
  const code = typeof e.code === 'number' ? e.code : status.UNKNOWN;
  return { ok: false, permanent: PERMANENT.has(code), error: `${status[code] ?? code}: ${e.details ?? e.message ?? String(error)}` };
}

/**
 * The outbox relay: every `intervalMs`, for each destination, claims the messages due, sends
 * them to compliance (RecordContactAttempts) or customers (RecordContactOutcomes) in one batch
 * call, and records what happened (outbox-store.ts). Safe on every replica at once: claims skip
 * rows another replica holds. A failure that may pass (receiver down, deadline) puts the
 * messages back with an exponential backoff; a message a receiver refuses for good is found by
 * halving the batch, parked and logged, and the rest is delivered. Exposes the backlog as
 * gauges, read at each scrape. stop() waits for the round in progress and starts no other.
 */
export function startOutboxRelay(options: OutboxRelayOptions): BackgroundWork {
  const { orm, logger, metrics, intervalMs } = options;
  const batchSize = options.batchSize ?? 500;
  const callTimeoutMs = options.callTimeoutMs ?? 10_000;
  const store = new OutboxStore(orm);
  const calls = batchCalls(options.clients);
  const counters = relayCounters(metrics);
  watchBacklog(store, metrics);

  let stopped = false;

  const round = async (destination: OutboxDestination): Promise<{ claimed: number; delivered: number }> => {
    const requestId = `outbox-relay-${randomUUID()}`;
    // Room for the halving of a refused batch; whatever is left when time runs out stays due.
    const deadline = new Date(Date.now() + callTimeoutMs * 6);
    const send = async (messages: OutboxMessage[]): Promise<SendReport> => {
      const metadata = new Metadata();
      metadata.set(REQUEST_ID, requestId);
      const out = await deliverBisecting(
        messages,
        async (batch) => {
          try {
            await calls[destination](batch, new Date(Math.min(deadline.getTime() - 1_000, Date.now() + callTimeoutMs)), metadata);
            return { ok: true };
          } catch (error) {
            return sendResultOf(error);
          }
        },
        { maxBatch: 1000, more: () => !stopped && Date.now() + callTimeoutMs < deadline.getTime() - 1_000 },
      );
      return { delivered: out.delivered, refused: out.refused.map((r) => ({ message: r.item, error: r.error })), failed: out.failed.map((f) => ({ message: f.item, error: f.error })) };
    };
    const result = await store.relayRound(destination, batchSize, systemCall('campaigns.outbox_relay', requestId, { deadline }), send);
    counters.delivered.inc({ destination }, result.delivered);
    counters.failed.inc({ destination }, result.failed);
    counters.parked.inc({ destination }, result.parked.length);
    for (const p of result.parked) {
      logger.error(
        { destination, outbox_id: p.id, attempt_id: p.message_key, error: p.error, request_id: requestId },
        'outbox message refused by its receiver for good: parked (campaigns_outbox.parked_at); fix the cause, then set parked_at = NULL to send it again',
      );
    }
    if (result.failed) {
      logger.warn({ destination, messages: result.failed, request_id: requestId }, 'outbox delivery failed; the messages are tried again after a backoff');
    }
    return result;
  };

  const tick = async (): Promise<void> => {
    for (const destination of OUTBOX_DESTINATIONS) {
      for (let n = 0; n < MAX_ROUNDS_PER_TICK && !stopped; n++) {
        try {
          const { claimed, delivered } = await round(destination);
          if (claimed < batchSize || delivered === 0) break;
        } catch (error) {
          logger.warn({ destination, err: { message: (error as Error).message } }, 'outbox relay round failed; it runs again at the next interval');
          break;
        }
      }
    }
  };

  const loop = repeatEvery(intervalMs, tick);
  return {
    stop: async () => {
      stopped = true;
      await loop.stop();
    },
  };
}

function relayCounters(metrics: ServiceMetrics) {
  const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ['destination'] as const, registers: [metrics.registry] });
  return {
    delivered: counter('campaigns_outbox_delivered_total', 'Outbox messages delivered (older messages of the same attempt included).'),
    failed: counter('campaigns_outbox_failed_total', 'Outbox deliveries that failed and will be tried again after a backoff.'),
    parked: counter('campaigns_outbox_parked_total', 'Outbox messages a receiver refused for good (parked, not sent again).'),
  };
}

/** The backlog gauges, read from the database once per scrape. */
function watchBacklog(store: OutboxStore, metrics: ServiceMetrics): void {
  const read = readPerScrape(() => store.backlog());
  const gauge = (name: string, help: string, value: (b: Backlog) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['destination'] as const,
      registers: [metrics.registry],
      async collect() {
        for (const b of await read()) this.set({ destination: b.destination }, value(b));
      },
    });
  gauge('campaigns_outbox_pending_messages', 'Outbox messages not delivered yet (due or waiting for a retry), by destination.', (b) => b.pending);
  gauge('campaigns_outbox_oldest_pending_age_seconds', 'Age of the oldest outbox message not delivered yet (0: none).', (b) => b.oldest_age_seconds);
  gauge('campaigns_outbox_parked_messages', 'Outbox messages refused for good by their receiver, waiting for an operator.', (b) => b.parked);
}
