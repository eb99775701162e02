import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from './sql';

/**
 * Runs `work` in one transaction on a fork of `em`. When the RPC has a deadline, no statement
 * of the transaction may run past it (SET LOCAL statement_timeout), so a caller who gave up
 * does not leave work running in the database.
 */
export async function inTransaction<T>(em: EntityManager, deadline: Date | undefined, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  return em.transactional(async (tx) => {
    await applyDeadline(tx, deadline);
    return work(tx as EntityManager);
  });
}

export async function applyDeadline(em: EntityManager, deadline: Date | undefined): Promise<void> {
  if (!deadline) return;
  const ms = Math.max(1, deadline.getTime() - Date.now());
  await sql(em, `SET LOCAL statement_timeout = ${Math.ceil(ms)}`);
}

/** Throws unless the database answers `SELECT 1`. For readiness checks. */
export async function pingDatabase(em: EntityManager): Promise<void> {
  await sql(em, 'SELECT 1');
}
