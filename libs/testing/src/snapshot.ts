import { Client, type Pool } from 'pg';
import { quoteIdent } from '@cec/db';
import type { TestDatabase } from './test-database';

/** One table as snapshot() sees it. */
export interface TableState {
  rows: number;
  /** md5 of every row's text, in the C collation order of that text (so independent of the physical order). */
  md5: string;
}

/** What snapshot() answers: one entry per table, under the name it was asked by. */
export type DatabaseSnapshot = Record<string, TableState>;

const quoteTable = (table: string): string => table.split('.').map(quoteIdent).join('.');

/**
 * The row count and a digest of every row of `tables`, read in one statement (one MVCC
 * snapshot), to prove that a call changed nothing:
 *
 *   const before = await snapshot(db, ['customers', 'payment_records', 'audit_logs']);
 *   await expectInvalid(call(...), ['invoice.amount']);
 *   expect(await snapshot(db, ['customers', 'payment_records', 'audit_logs'])).toEqual(before);
 *
 * `db` is a database URL (a connection is opened and closed), a TestDatabase or a pg Pool.
 * A table that differs shows by name in the diff of toEqual.
 */
export async function snapshot(db: string | TestDatabase | Pool, tables: readonly string[]): Promise<DatabaseSnapshot> {
  if (tables.length === 0) throw new Error('snapshot: name at least one table');
  const columns = tables.map(
    (table, i) =>
      `(SELECT json_build_object('rows', count(*), 'md5', md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text COLLATE "C"), '')))
          FROM ${quoteTable(table)} t) AS t${i}`,
  );
  const text = `SELECT ${columns.join(',\n       ')}`;
  let row: Record<string, TableState>;
  if (typeof db === 'string') {
    const client = new Client({ connectionString: db });
    await client.connect();
    try {
      [row] = (await client.query<Record<string, TableState>>(text)).rows;
    } finally {
      await client.end();
    }
  } else if ('pool' in db) {
    [row] = (await db.pool.query<Record<string, TableState>>(text)).rows;
  } else {
    [row] = (await db.query<Record<string, TableState>>(text)).rows;
  }
  return Object.fromEntries(tables.map((table, i) => [table, row[`t${i}`]]));
}
