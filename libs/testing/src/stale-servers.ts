import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopEmbeddedPostgres } from '@cec/db';

export const SERVER_PREFIX = 'cec-test-pg-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Records which process owns a throw-away server, so a later run can tell when it was abandoned. */
export function claimServer(dataDir: string): void {
  writeFileSync(`${dataDir}.owner`, String(process.pid));
}

/**
 * Stops and removes throw-away test servers whose test run died without its teardown (killed
 * jest, Ctrl-C): the owner process is gone, or an unowned one is over an hour old.
 */
export async function reapAbandonedServers(): Promise<void> {
  const dir = tmpdir();
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(SERVER_PREFIX) || name.endsWith('.owner') || name.includes('.init-')) continue;
    const dataDir = join(dir, name);
    const ownerFile = `${dataDir}.owner`;
    const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : undefined;
    const abandoned = owner !== undefined ? !alive(owner) : Date.now() - statSync(dataDir).mtimeMs > 3_600_000;
    if (!abandoned) continue;
    await stopEmbeddedPostgres(dataDir, 'immediate').catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    await rm(ownerFile, { force: true });
  }
}
