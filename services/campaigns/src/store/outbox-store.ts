import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { inSqlTransaction, sql } from '@cec/orm';
import { newestPerKey, retryDelayMs, type OutboxDestination } from '../domain/outbox';

/** A claimed campaigns_outbox row. */
export interface OutboxMessage {
  /** bigint, as text. */
  id: string;
  message_key: string;
  payload: Record<string, unknown>;
  attempts: number;
}

/** What the relay's sender made of the messages it was handed (each by its newest message). */
export interface SendReport {
  delivered: OutboxMessage[];
  /** Refused for good: parked. */
  refused: { message: OutboxMessage; error: string }[];
  /** May pass: tried again after a backoff. */
  failed: { message: OutboxMessage; error: string }[];
}

export interface RelayRound {
  claimed: number;
  delivered: number;
  failed: number;
  parked: { id: string; message_key: string; error: string }[];
}

export interface Backlog {
  destination: OutboxDestination;
  pending: number;
  oldest_age_seconds: number;
  parked: number;
}

const MAX_ERROR = 1000;
const clip = (error: string): string => (error.length > MAX_ERROR ? `${error.slice(0, MAX_ERROR - 1)}…` : error);

/** campaigns_outbox: claims for the relay, and what became of them. */
export class OutboxStore {
  constructor(private readonly orm: MikroORM) {}

  /**
   * One round of the relay for `destination`, in one transaction: claims up to `limit` due
   * messages with FOR UPDATE SKIP LOCKED (replicas take disjoint sets and never wait for each
   * other), hands the newest message of each attempt to `send` while holding the row locks,
   * then marks what was delivered (older messages of the same attempt with it: the newest
   * carries the attempt's whole state), parks what was refused for good and puts what failed
   * back with a backoff. Should this replica die mid-round, the locks go with its connection and
   * the messages are due again: delivered at least once, and once in effect because the
   * receivers are idempotent by attempt id.
   */
  async relayRound(destination: OutboxDestination, limit: number, call: CallContext, send: (messages: OutboxMessage[]) => Promise<SendReport>): Promise<RelayRound> {
    return inSqlTransaction(this.orm, call, async (tx) => {
      const claimed = await sql<OutboxMessage>(
        tx,
        `SELECT id::text, message_key, payload, attempts FROM campaigns_outbox
          WHERE destination = ? AND delivered_at IS NULL AND parked_at IS NULL AND available_at <= now()
          ORDER BY available_at, id
          LIMIT ?
          FOR UPDATE SKIP LOCKED`,
        [destination, limit],
      );
      const round: RelayRound = { claimed: claimed.length, delivered: 0, failed: 0, parked: [] };
      if (!claimed.length) return round;
      const groups = newestPerKey(claimed);
      const rowsOf = new Map(groups.map((g) => [g.message.id, g.ids]));
      const attemptsOf = new Map(claimed.map((m) => [m.id, m.attempts]));
      const report = await send(groups.map((g) => g.message));

      const delivered = report.delivered.flatMap((m) => rowsOf.get(m.id) ?? [m.id]);
      if (delivered.length) {
        await sql(tx, 'UPDATE campaigns_outbox SET delivered_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY(?::bigint[])', [delivered]);
      }
      const failed = report.failed.flatMap(({ message, error }) => (rowsOf.get(message.id) ?? [message.id]).map((id) => ({ id, error: clip(error) })));
      if (failed.length) {
        await sql(
          tx,
          `UPDATE campaigns_outbox o
              SET attempts = o.attempts + 1, last_error = f.error, available_at = now() + f.delay_ms * interval '1 millisecond'
             FROM unnest(?::bigint[], ?::int[], ?::text[]) AS f(id, delay_ms, error)
            WHERE o.id = f.id`,
          [failed.map((f) => f.id), failed.map((f) => retryDelayMs((attemptsOf.get(f.id) ?? 0) + 1)), failed.map((f) => f.error)],
        );
      }
      const parked = report.refused.flatMap(({ message, error }) => (rowsOf.get(message.id) ?? [message.id]).map((id) => ({ id, message_key: message.message_key, error: clip(error) })));
      if (parked.length) {
        await sql(
          tx,
          `UPDATE campaigns_outbox o SET parked_at = now(), attempts = o.attempts + 1, last_error = f.error
             FROM unnest(?::bigint[], ?::text[]) AS f(id, error)
            WHERE o.id = f.id`,
          [parked.map((p) => p.id), parked.map((p) => p.error)],
        );
      }
      return { claimed: claimed.length, delivered: delivered.length, failed: failed.length, parked };
    });
  }

  /** Per destination: undelivered messages waiting (due or backing off), the age of the oldest, and the parked ones. */
  async backlog(): Promise<Backlog[]> {
    return sql<Backlog>(
      this.orm.em.fork() as EntityManager,
      `SELECT d.destination,
              (SELECT count(*) FROM campaigns_outbox o WHERE o.destination = d.destination AND o.delivered_at IS NULL AND o.parked_at IS NULL)::int AS pending,
              COALESCE((SELECT extract(epoch FROM now() - min(o.created_at)) FROM campaigns_outbox o
                         WHERE o.destination = d.destination AND o.delivered_at IS NULL AND o.parked_at IS NULL), 0)::float8 AS oldest_age_seconds,
              (SELECT count(*) FROM campaigns_outbox o WHERE o.destination = d.destination AND o.delivered_at IS NULL AND o.parked_at IS NOT NULL)::int AS parked
         FROM unnest(?::text[]) AS d(destination)`,
      [['compliance.contact_attempts', 'customers.contact_outcomes']],
    );
  }
}
