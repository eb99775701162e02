import { Client } from 'pg';
import { createTestDatabase, useTestDatabase } from './index';

describe('test databases', () => {
  const db = useTestDatabase();

  it('is migrated', async () => {
    const rows = await db.query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations');
    expect(Number(rows[0].n)).toBeGreaterThanOrEqual(6);
  });

  it('is not shared with another test database', async () => {
    const other = await createTestDatabase();
    try {
      expect(other.name).not.toBe(db.name);
      await db.query("INSERT INTO agents (name, type) VALUES ('only-here', 'email')");
      expect(await other.query("SELECT 1 FROM agents WHERE name = 'only-here'")).toHaveLength(0);
    } finally {
      await other.drop();
    }
  });

  it('is gone after drop', async () => {
    const other = await createTestDatabase();
    await other.drop();
    const client = new Client({ connectionString: other.url });
    await expect(client.connect()).rejects.toMatchObject({ code: '3D000' });
  });

  it('survives the server ending one of its idle connections (as DROP DATABASE … WITH (FORCE) does)', async () => {
    const other = await createTestDatabase();
    try {
      const [{ pid }] = await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const removed = new Promise((resolve) => other.pool.once('remove', resolve));
      await db.query('SELECT pg_terminate_backend($1)', [pid]);
      await removed; // the pool saw the error and let the connection go, without an unhandled 'error'
      expect(await other.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await other.drop();
    }
  });

  it('lets a service role log in', async () => {
    const client = new Client({ connectionString: db.urlAs('customers_svc') });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT current_user AS who');
      expect(rows[0].who).toBe('customers_svc');
    } finally {
      await client.end();
    }
  });
});
