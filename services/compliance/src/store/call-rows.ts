import type { EntityManager } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { sql } from '@cec/orm';

/** Who a row says did it ("user:dana", "service:campaigns"): the call's actor. */
export const actorName = (call: CallContext): string => `${call.actor.type}:${call.actor.id}`;

/**
 * Takes the transaction-scoped lock of each customer, in id order (so two batches never wait
 * for each other in a cycle). Every check and every attempt of a customer is decided under it,
 * so two of them never count the same history at once.
 */
export async function lockCustomers(tx: EntityManager, customerIds: readonly string[]): Promise<void> {
  await sql(
    tx,
    "SELECT count(pg_advisory_xact_lock(hashtext('compliance_customer'), hashtext(id))) FROM (SELECT id FROM unnest(?::text[]) id ORDER BY id) ids",
    [[...new Set(customerIds)].sort()],
  );
}
