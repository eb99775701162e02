import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@cec/observability';

/** A logger whose JSON lines a test can read. */
export function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      raw.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('test', 'debug', sink), lines: () => raw.map((line) => JSON.parse(line)) };
}
