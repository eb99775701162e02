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
