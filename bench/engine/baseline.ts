/**
 * The calls-only baseline: the peer calls the engine made, and nothing else. Per batch of
 * `batch` steps (in the order the engine did them, taken from its ledger), the same calls the
 * engine's pass makes, in the same order, from this process with bare grpc-js clients:
 * BatchGetInvoices and BatchGetContactProfiles at once (customers), then BatchCheckContacts of the
 * primary channels, then one of the fallback channels the engine asked about (compliance), with
 * new request ids (so compliance decides again: the same work, not a replay of stored
 * decisions). `inFlight` batches at a time, as many as the engine ran. No claim, no templates, no
 * decisions of our own, no rendering, no commit: the floor the engine's design cannot go under
 * with these services.
 */
import { randomUUID } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { complianceV1, customersV1 } from '@cec/proto';
import { ACTOR } from '../compliance/rules';
import { unary, type Unary } from '../common/grpc';
import type { ReplayedStep } from './database';

export interface BaselineClients {
  invoices: customersV1.InvoiceServiceClient;
  customers: customersV1.CustomerServiceClient;
  compliance: complianceV1.ComplianceServiceClient;
}

const CHANNEL: Record<string, complianceV1.Channel> = {
  email: complianceV1.Channel.CHANNEL_EMAIL,
  sms: complianceV1.Channel.CHANNEL_SMS,
  phone: complianceV1.Channel.CHANNEL_PHONE,
};

const DEADLINE_MS = 60_000;
const MAX_IDS = 1000;

function metadata(): Metadata {
  const m = new Metadata();
  m.set('x-actor', ACTOR);
  m.set('x-request-id', `bench-baseline-${randomUUID()}`);
  return m;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function checkAll(c: BaselineClients, checks: complianceV1.CheckContactRequest[]): Promise<number> {
  let decided = 0;
  for (const chunk of chunks(checks, MAX_IDS)) {
    const { decisions } = await unary(
      c.compliance,
      c.compliance.batchCheckContacts as Unary<complianceV1.BatchCheckContactsRequest, complianceV1.BatchCheckContactsResponse>,
      { checks: chunk },
      DEADLINE_MS,
      metadata(),
    );
    if (decisions.length !== chunk.length) throw new Error(`compliance answered ${decisions.length} decisions for ${chunk.length} checks`);
    decided += decisions.length;
  }
  return decided;
}

/** One batch: the engine's calls for these steps. Returns the decisions made. */
async function batchCalls(c: BaselineClients, steps: readonly ReplayedStep[]): Promise<number> {
  const invoiceIds = [...new Set(steps.flatMap((s) => s.invoiceIds))];
  const customerIds = [...new Set(steps.map((s) => s.customerId))];
  await Promise.all([
    ...chunks(invoiceIds, MAX_IDS).map((ids) =>
      unary(c.invoices, c.invoices.batchGetInvoices as Unary<customersV1.BatchGetInvoicesRequest, customersV1.BatchGetInvoicesResponse>, { invoiceIds: ids }, DEADLINE_MS, metadata()),
    ),
    ...chunks(customerIds, MAX_IDS).map((ids) =>
      unary(
        c.customers,
        c.customers.batchGetContactProfiles as Unary<customersV1.BatchGetContactProfilesRequest, customersV1.BatchGetContactProfilesResponse>,
        { customerIds: ids },
        DEADLINE_MS,
        metadata(),
      ),
    ),
  ]);
  const now = new Date();
  const check = (s: ReplayedStep, channel: string): complianceV1.CheckContactRequest => ({ customerId: s.customerId, channel: CHANNEL[channel], proposedTime: now, requestId: randomUUID() });
  let decided = await checkAll(c, steps.flatMap((s) => (s.primary ? [check(s, s.primary.channel)] : [])));
  decided += await checkAll(c, steps.flatMap((s) => (s.fallback ? [check(s, s.fallback.channel)] : [])));
  return decided;
}

export interface BaselineResult {
  steps: number;
  decisions: number;
  seconds: number;
  /** Per batch, ms. */
  batchMs: number[];
}

export async function runBaseline(c: BaselineClients, steps: readonly ReplayedStep[], batch: number, inFlight: number): Promise<BaselineResult> {
  const batches = chunks(steps, batch);
  const batchMs: number[] = [];
  let decisions = 0;
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const mine = batches[next++];
      const t0 = process.hrtime.bigint();
      const made = await batchCalls(c, mine);
      decisions += made;
      batchMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, batches.length) }, worker));
  return { steps: steps.length, decisions, seconds: Number(process.hrtime.bigint() - started) / 1e9, batchMs };
}
