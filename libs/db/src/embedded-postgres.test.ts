import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres, stopEmbeddedPostgres } from './embedded-postgres';

describe('embedded PostgreSQL', () => {
  const dataDir = join(tmpdir(), `cec-embedded-test-${process.pid}-${Date.now()}`);

  afterAll(async () => {
    await stopEmbeddedPostgres(dataDir, 'immediate');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('initialises, starts, is shared by a second caller, and stops', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const first = await startEmbeddedPostgres({ dataDir, port, ephemeral: true });
    expect(first).toMatchObject({ port, startedHere: true, adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres` });

    const client = new Client({ connectionString: first.adminUrl });
    await client.connect();
    const { rows } = await client.query("SELECT current_setting('server_version_num')::int AS v");
    await client.end();
    expect(rows[0].v).toBeGreaterThanOrEqual(150000);

    // A second process asking for the same data directory uses the running server, whatever port it asks for.
    const second = await startEmbeddedPostgres({ dataDir, port: port + 1 });
    expect(second).toMatchObject({ port, startedHere: false });

    expect(await stopEmbeddedPostgres(dataDir)).toBe(true);
    expect(await stopEmbeddedPostgres(dataDir)).toBe(false);
  });
});
