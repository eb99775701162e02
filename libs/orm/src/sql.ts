import type { EntityManager } from '@mikro-orm/postgresql';
import { limitStatement, type StatementLimit } from './statement-limits';
import { query, SqlTransaction, type KnexClient } from './sql-transaction';

/** Where sql() runs a statement: an entity manager (in its transaction, if it has one) or a plain transaction (inSqlTransaction). */
export type SqlTarget = EntityManager | SqlTransaction;

/**
 * Runs one SQL statement with `?` placeholders on the ORM's pool, in `em`'s transaction when
 * there is one (or in the plain transaction `em` is), and returns its rows.
 *
 * - Parameters travel as bind values (the extended protocol; `?` becomes `$n`).
 * - The statement runs under the current call's deadline and is cancelled with the call
 *   (statement-limits.ts), reads included.
 * - It goes straight to the pg connection: knex's query runner and MikroORM's logging would
 *   add a formatting pass per call on the hottest path of every service.
 *
 * Rows come back as the connection's type parsers make them: timestamps and dates as text
 * (see raw-values.ts), numerics as strings, json parsed.
 */
export async function sql<Row = Record<string, unknown>>(em: SqlTarget, text: string, params: readonly unknown[] = []): Promise<Row[]> {
  if (em instanceof SqlTransaction) return (await em.run(positional(text), params)) as Row[];
  const transaction = em.getTransactionContext<{ client: KnexClient }>();
  const client = (transaction ?? em.getConnection().getKnex()).client as unknown as KnexClient;
  const connection = await client.acquireConnection();
  let limit: StatementLimit | undefined;
  try {
    limit = limitStatement(client, connection);
    return (await query(connection, positional(text), params)) as Row[];
  } finally {
    // A cancel sent runs before the connection goes back to the pool (statement-limits.ts).
    const cancelling = limit?.end();
    if (cancelling) await cancelling;
    void client.releaseConnection(connection);
  }
}

/**
 * `?` placeholders as PostgreSQL's `$1`, `$2`, … — what knex's positionBindings does, without
 * a regular expression and a callback per placeholder. knex's `\?` (a literal question mark)
 * is left to knex itself; no statement of ours has one.
 */
function positional(text: string): string {
  if (text.includes('\\')) return knexPositional(text);
  let out = '';
  let from = 0;
  let n = 0;
  for (let at = text.indexOf('?'); at !== -1; at = text.indexOf('?', from)) {
    n += 1;
    out += `${text.slice(from, at)}$${n}`;
    from = at + 1;
  }
  return n === 0 ? text : out + text.slice(from);
}

/** knex's positionBindings (dialects/postgres): `\?` stays a question mark. */
function knexPositional(text: string): string {
  let n = 0;
  return text.replace(/(\\*)(\?)/g, (_match, escapes: string) => {
    if (escapes.length % 2) return '?';
    n += 1;
    return `$${n}`;
  });
}
