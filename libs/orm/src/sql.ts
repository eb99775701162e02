import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs one SQL statement with `?` placeholders on the ORM's pool, in `em`'s transaction when
 * there is one, and returns its rows. Parameters travel as bind values (the extended
 * protocol): MikroORM's own `execute()` inlines them into the SQL text, which costs a
 * formatting pass per call and gives up server-side parameters. Rows come back as the
 * connection's type parsers make them: timestamps and dates as text (see raw-values.ts),
 * numerics as strings, json parsed.
 */
export async function sql<Row = Record<string, unknown>>(em: EntityManager, text: string, params: readonly unknown[] = []): Promise<Row[]> {
  const query = em.getConnection().getKnex().raw(text, params as unknown[]);
  const transaction = em.getTransactionContext();
  if (transaction) query.transacting(transaction);
  const result = (await query) as { rows: Row[] };
  return result.rows;
}
