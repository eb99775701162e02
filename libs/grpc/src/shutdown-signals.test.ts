import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { workspaceRoot } from '@cec/db';

/** Starts the fixture and resolves once it printed "ready"; `exited` resolves with its exit code and output. */
async function startFixture() {
  // Plain node with tsx as a loader, as a bundled service runs: no tsx parent process relaying signals.
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'shutdown-signals.fixture.ts')], {
    cwd: workspaceRoot(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<{ code: number | null; out: string }>((resolve) => child.on('exit', (code) => resolve({ code, out })));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve();
    });
    child.on('exit', () => reject(new Error(`fixture exited early: ${out}`)));
  });
  return { child, exited };
}

describe('exitOnSignal', () => {
  it('stops gracefully on SIGTERM and exits 0', async () => {
    const { child, exited } = await startFixture();
    child.kill('SIGTERM');
    const { code, out } = await exited;
    expect(code).toBe(0);
    expect(out).toContain('"msg":"shutting down"');
    expect(out).toContain('stopped');
  });

  it('treats SIGINT and SIGTERM arriving together (Ctrl-C under nx) as one request: still a graceful stop', async () => {
    const { child, exited } = await startFixture();
    child.kill('SIGINT');
    child.kill('SIGTERM');
    const { code, out } = await exited;
    expect(code).toBe(0);
    expect(out).toContain('stopped');
    expect(out).not.toContain('second signal');
  });
});
