import { currentCall, runInCall, systemCall } from './index';

describe('the call context', () => {
  it('is the call the running code works for, across awaits, and nothing outside', async () => {
    const call = systemCall('customers.overdue_sweeper', 'sweep-1');
    expect(currentCall()).toBeUndefined();
    await runInCall(call, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      expect(currentCall()).toBe(call);
    });
    expect(currentCall()).toBeUndefined();
  });

  it('describes work a service does on its own as a system actor', () => {
    const deadline = new Date(Date.now() + 1000);
    expect(systemCall('sweeper', 'r-1', { deadline })).toEqual({ actor: { type: 'system', id: 'sweeper' }, requestId: 'r-1', deadline });
  });

  it('aborts the signal of work with a deadline and a signal when either says so (the database layer sets no timer then)', async () => {
    const atDeadline = systemCall('sweeper', 'r-2', { deadline: new Date(Date.now() + 50), signal: new AbortController().signal });
    expect(atDeadline.signal?.aborted).toBe(false);
    await new Promise((resolve) => atDeadline.signal?.addEventListener('abort', resolve, { once: true }));
    expect(atDeadline.signal?.aborted).toBe(true);

    const stop = new AbortController();
    const stopped = systemCall('sweeper', 'r-3', { deadline: new Date(Date.now() + 60_000), signal: stop.signal });
    stop.abort();
    expect(stopped.signal?.aborted).toBe(true);
  });
});
