import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startThrowAwayPostgres, stopEmbeddedPostgres } from '@cec/db';
import { claimServer, reapAbandonedServers, SERVER_PREFIX } from './stale-servers';

describe('abandoned test servers', () => {
  it('stops and removes a server whose test run died, and leaves a live one alone', async () => {
    const abandoned = join(tmpdir(), `${SERVER_PREFIX}reaper-dead-${process.pid}`);
    const live = join(tmpdir(), `${SERVER_PREFIX}reaper-live-${process.pid}`);
    const url = await startThrowAwayPostgres(abandoned);
    const deadPid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(`${abandoned}.owner`, deadPid);
    claimServer(live);
    await startThrowAwayPostgres(live);
    try {
      await reapAbandonedServers();
      expect(existsSync(abandoned)).toBe(false);
      expect(existsSync(`${abandoned}.owner`)).toBe(false);
      const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
      await expect(client.connect()).rejects.toThrow();
      expect(existsSync(live)).toBe(true);
    } finally {
      await stopEmbeddedPostgres(abandoned, 'immediate').catch(() => undefined);
      await stopEmbeddedPostgres(live, 'immediate');
      spawnSync('rm', ['-rf', abandoned, live, `${abandoned}.owner`, `${live}.owner`]);
    }
  });
});
