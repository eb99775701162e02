import type { MikroORM } from '@mikro-orm/postgresql';
import { sql } from './sql';

/** What the sequencer logs through (a pino Logger fits). */
export interface AuditSequencerLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/**
 * Runs one statement on its own (autocommit, not inside a transaction) and returns its rows.
 * The text has PostgreSQL placeholders ($1): `pool.query(text, params)` of a pg Pool fits.
 */
export type RunStatement = (text: string, params: readonly unknown[]) => Promise<readonly Record<string, unknown>[]>;

export interface AuditSequencerOptions {
  /** The ORM of a service whose role may execute seal_audit_chain (compliance_svc). */
  orm?: MikroORM;
  /** Instead of `orm`: how to run a statement. */
  run?: RunStatement;
  logger: AuditSequencerLogger;
  /** Pause after a pass, ms (default 1000). A pass seals batch after batch until one comes back short. */
  intervalMs?: number;
  /** Rows per seal_audit_chain call, i.e. per transaction (default 1000). */
  batchSize?: number;
}

export interface AuditSequencer {
  /** Stops the loop: waits for the batch being sealed, starts no other. */
  stop(): Promise<void>;
  /**
   * Seals now, batch after batch until one comes back short, after the pass already running
   * (if any); resolves with the rows this call sealed. Rejects when sealing fails, or once stopped.
   */
  sealNow(): Promise<number>;
}

const DEFAULT_INTERVAL_MS = 1_000;
const DEFAULT_BATCH_SIZE = 1_000;

/**
 * The audit trail's sequencer: log_audit_event writes rows unsealed, without a lock, and this
 * loop chains the committed ones (seal_audit_chain: seq, prev_hash, row_hash, in append order)
 * every `intervalMs`. Safe on every replica at once: sealers queue on a lock in the database,
 * and the chain never forks. A failed pass is logged and tried again at the next interval; it
 * never ends the process.
 */
export function startAuditSequencer(options: AuditSequencerOptions): AuditSequencer {
  const { orm, run, logger } = options;
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!orm === !run) throw new Error('startAuditSequencer: give either orm or run');
  if (!Number.isFinite(intervalMs) || intervalMs < 0) throw new Error(`startAuditSequencer: intervalMs must be >= 0, got ${intervalMs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 2_147_483_647) {
    throw new Error(`startAuditSequencer: batchSize must be a positive integer, got ${batchSize}`);
  }

  const sealBatch = async (): Promise<number> => {
    const rows = orm
      ? await sql<{ sealed: number }>(orm.em.fork(), 'SELECT seal_audit_chain(?) AS sealed', [batchSize])
      : ((await (run as RunStatement)('SELECT seal_audit_chain($1) AS sealed', [batchSize])) as { sealed: number }[]);
    return Number(rows[0].sealed);
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  /** The pass in progress (the loop's or a sealNow's): passes of one sequencer never overlap. */
  let running: Promise<number> | undefined;
  let failing = false;

  const drain = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const sealed = await sealBatch();
      total += sealed;
      if (sealed < batchSize || stopped) return total;
    }
  };

  const pass = (): Promise<number> => {
    const previous = running;
    const next = previous ? previous.then(drain, drain) : drain();
    running = next;
    const forget = (): void => {
      if (running === next) running = undefined;
    };
    next.then(forget, forget);
    return next;
  };

  const tick = async (): Promise<void> => {
    timer = undefined;
    if (stopped) return;
    try {
      const sealed = await pass();
      if (failing) logger.info({ sealed }, 'audit sequencer: sealing works again');
      else if (sealed > 0) logger.debug({ sealed }, 'audit sequencer: rows sealed');
      failing = false;
    } catch (error) {
      failing = true;
      logger.warn(
        { err: { message: (error as Error).message, code: (error as { code?: string }).code } },
        `audit sequencer: sealing failed; trying again in ${intervalMs} ms`,
      );
    }
    if (!stopped) {
      timer = setTimeout(() => void tick(), intervalMs);
      timer.unref();
    }
  };

  timer = setTimeout(() => void tick(), 0);
  timer.unref();

  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
    sealNow: () => (stopped ? Promise.reject(new Error('the audit sequencer is stopped')) : pass()),
  };
}
