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
});
