import { useTestDatabase } from '@cec/testing';

/**
 * Migration 015: the business metrics feed reads the last minutes of four time columns every
 * minute; each has a BRIN index of its own (rows are written in time order), so the read
 * does not scan the whole table and the writes pay next to nothing for it.
 */
const db = useTestDatabase();

it.each([
  ['payments', 'recorded_at'],
  ['compliance_decisions', 'created_at'],
  ['tasks', 'created_at'],
  ['tasks', 'completed_at'],
])('%s.%s leads a BRIN index', async (table, column) => {
  const rows = await db.query<{ name: string; method: string }>(
    `SELECT c.relname AS name, am.amname AS method
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_am am ON am.oid = c.relam
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
      WHERE i.indrelid = $1::regclass AND a.attname = $2`,
    [table, column],
  );
  expect(rows).toEqual([{ name: `brin_${table}_${column}`, method: 'brin' }]);
});
