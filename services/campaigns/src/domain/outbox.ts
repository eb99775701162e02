/**
 * The outbox's rules (no transport, no ORM): what each message says, when a failed one is tried
 * again, and how a batch a receiver refuses is split until the message it refuses is found.
 */
import type { Channel, ContactStatus } from './contact';

export const OUTBOX_DESTINATIONS = ['compliance.contact_attempts', 'customers.contact_outcomes'] as const;
export type OutboxDestination = (typeof OUTBOX_DESTINATIONS)[number];

/** What compliance is told of an attempt (RecordContactAttempts), as stored in the outbox. */
export interface ComplianceAttemptMessage {
  attempt_id: string;
  customer_id: string;
  channel: 'email' | 'sms' | 'phone';
  /** PostgreSQL's text of the timestamptz. */
  attempted_at: string;
  status: ContactStatus;
  decision_id: string | null;
  /** The disposition (calls: "no_answer", "voicemail"...), if any. */
  outcome?: string | null;
}

/** What customers is told of an attempt (RecordContactOutcomes), as stored in the outbox. */
export interface CustomerOutcomeMessage {
  attempt_id: string;
  customer_id: string;
  channel: 'email' | 'sms' | 'phone';
  attempted_at: string;
  reached: boolean;
  responded: boolean;
}

/** Compliance's outcomes (its ContactOutcome enum, by name). */
export type ComplianceOutcome = ContactStatus | 'no_answer' | 'voicemail';

/**
 * The outcome compliance records for an attempt: its status, except that a call that is only
 * `sent` with the disposition "no answer" or "voicemail" is reported as such (compliance's
 * caps may count them apart from conversations).
 */
export function complianceOutcome(channel: Channel, status: ContactStatus, disposition: string | null | undefined): ComplianceOutcome {
  if (channel === 'phone' && status === 'sent' && disposition) {
    const d = disposition.trim().toLowerCase().replace(/[\s-]+/g, '_');
    if (d === 'no_answer' || d === 'voicemail') return d;
  }
  return status;
}

export const RETRY_BASE_MS = 1_000;
export const RETRY_MAX_MS = 300_000;

/**
 * How long a message waits after its `attempts`-th failed delivery (1, 2, ...): exponential
 * (1 s, 2 s, 4 s... up to 5 minutes) with "equal jitter" (between half and all of it), so the
 * replicas' retries after an outage spread out instead of arriving together. `random` is in [0, 1).
 */
export function retryDelayMs(attempts: number, random: number = Math.random()): number {
  const exponential = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  return Math.round(exponential / 2 + (exponential / 2) * random);
}

/** How one batch call went. A permanent failure is the receiver refusing what it was sent. */
export type SendResult = { ok: true } | { ok: false; permanent: boolean; error: string };

export interface BisectedDelivery<T> {
  delivered: T[];
  /** Refused for good on its own: park it. */
  refused: { item: T; error: string }[];
  /** A failure that may pass (receiver down, deadline): try again later. */
  failed: { item: T; error: string }[];
  /** Not sent (an earlier batch failed, or time ran out): still due as they were. */
  untried: T[];
}

/**
 * Sends `items` in batches of at most `maxBatch`. Receivers take a batch all or nothing, so when
 * one refuses a batch for good (INVALID_ARGUMENT, NOT_FOUND) the batch is halved and each half
 * sent again, until the refused messages are alone: k bad messages among n cost about
 * 2k·log2(n) calls, and every good one is delivered. A failure that may pass stops the round:
 * that batch is failed, the rest untried. `more()` says whether there is time for another call.
 */
export async function deliverBisecting<T>(
  items: readonly T[],
  send: (batch: T[]) => Promise<SendResult>,
  options: { maxBatch: number; more?: () => boolean },
): Promise<BisectedDelivery<T>> {
  const out: BisectedDelivery<T> = { delivered: [], refused: [], failed: [], untried: [] };
  const queue: T[][] = [];
  for (let i = 0; i < items.length; i += options.maxBatch) queue.push(items.slice(i, i + options.maxBatch));
  while (queue.length) {
    const batch = queue.shift() as T[];
    if (options.more && !options.more()) {
      out.untried.push(...batch, ...queue.splice(0).flat());
      break;
    }
    const result = await send(batch);
    if (result.ok) out.delivered.push(...batch);
    else if (!result.permanent) {
      out.failed.push(...batch.map((item) => ({ item, error: result.error })));
      out.untried.push(...queue.splice(0).flat());
    } else if (batch.length === 1) out.refused.push({ item: batch[0], error: result.error });
    else {
      const half = Math.ceil(batch.length / 2);
      queue.unshift(batch.slice(0, half), batch.slice(half));
    }
  }
  return out;
}

/**
 * The messages to send of a claimed set: per key the newest only (each message is the whole
 * state of its attempt, and statuses only move forward), with the ids of every older message
 * of the key it stands for (marked delivered with it).
 */
export function newestPerKey<M extends { id: string; message_key: string }>(messages: readonly M[]): { message: M; ids: string[] }[] {
  const byKey = new Map<string, { message: M; ids: string[] }>();
  for (const m of messages) {
    const seen = byKey.get(m.message_key);
    if (!seen) byKey.set(m.message_key, { message: m, ids: [m.id] });
    else {
      seen.ids.push(m.id);
      if (BigInt(m.id) > BigInt(seen.message.id)) seen.message = m;
    }
  }
  return [...byKey.values()];
}
