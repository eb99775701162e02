import type { CallContext } from '@cec/context';
import { sql, type SqlTarget } from '@cec/orm';

/** Who a row says did it ("user:dana", "service:campaigns"): the call's actor. */
export const actorName = (call: CallContext): string => `${call.actor.type}:${call.actor.id}`;

/**
 * Takes the transaction-scoped lock of each customer, in id order (so two batches never wait
 * for each other in a cycle). Every check and every attempt of a customer is decided under it,
 * so two of them never count the same history at once.
 */
export async function lockCustomers(tx: SqlTarget, customerIds: readonly string[]): Promise<void> {
  await sql(tx, `SELECT ${LOCK_CUSTOMERS}`, [lockOrder(customerIds)]);
}

/**
 * The expression that takes the locks of lockCustomers (its one parameter: lockOrder(ids)), for
 * a statement that does more in the same round trip. Only what that statement reads *after*
 * the locks are taken may count on them: rows read in the same statement come from a snapshot
 * taken before it waited for them.
 */
export const LOCK_CUSTOMERS =
  "(SELECT count(pg_advisory_xact_lock(hashtext('compliance_customer'), hashtext(id))) FROM (SELECT id FROM unnest(?::text[]) id ORDER BY id) ids)";

/** The customer ids as LOCK_CUSTOMERS takes them: once each, in id order. */
export const lockOrder = (customerIds: readonly string[]): string[] => [...new Set(customerIds)].sort();
