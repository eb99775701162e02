import { createServer, connect, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /**
   * Arms a one-time cut of the next connection whose client sends `marker` (e.g. "COMMIT"):
   * - 'before': the chunk is not forwarded and both sides are closed (the server never sees it);
   * - 'after': the chunk is forwarded, the server's answer is swallowed, then both sides are
   *   closed (the server did it; the client never learns).
   * Resolves once the cut happened.
   */
  cutAt(marker: string, when: 'before' | 'after'): Promise<void>;
  close(): Promise<void>;
}

/** A TCP proxy to host:port on a free loopback port, for tests that lose a connection at a chosen moment. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let armed: { marker: Buffer; when: 'before' | 'after'; done: () => void } | undefined;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const cut = (): void => {
      client.destroy();
      upstream.destroy();
    };
    let swallowNextAnswer: (() => void) | undefined;
    client.on('data', (chunk: Buffer) => {
      const trap = armed;
      if (trap && chunk.includes(trap.marker)) {
        armed = undefined;
        if (trap.when === 'before') {
          cut();
          trap.done();
          return;
        }
        swallowNextAnswer = () => {
          cut();
          trap.done();
        };
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (swallowNextAnswer) {
        swallowNextAnswer();
        swallowNextAnswer = undefined;
        return;
      }
      client.write(chunk);
    });
    const end = (): void => cut();
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    port,
    cutAt: (marker, when) => new Promise<void>((resolve) => (armed = { marker: Buffer.from(marker), when, done: resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
