import type { EntityManager } from '@mikro-orm/postgresql';

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
  await em.getConnection().execute(`SET LOCAL statement_timeout = ${Math.ceil(ms)}`, [], 'run', em.getTransactionContext());
}

/** Throws unless the database answers `SELECT 1`. For readiness checks. */
export async function pingDatabase(em: EntityManager): Promise<void> {
  await em.getConnection().execute('SELECT 1');
}
