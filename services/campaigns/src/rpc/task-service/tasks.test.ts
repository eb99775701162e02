import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { campaignsV1 } from '@cec/proto';
import { call, eventually, expectInvalid, rejectionOf } from '@cec/testing';
import { useCampaignsService } from '../../testing/campaigns-harness';
import { queueFixtures } from './queue-fixtures';

const h = useCampaignsService({ env: { TASK_LEASE_SWEEP_INTERVAL_MS: '200' } });
const { newCustomer, newAgent, newTemplate, insertTasks, claim, complete, state, auditEvents } = queueFixtures(h);
const { AgentType, TaskType, TaskStatus, Priority, ContactStatus, Channel } = campaignsV1;

// Each test starts with an empty queue: what an earlier test left pending is not claimable.
afterEach(async () => {
  await h.db.query("UPDATE tasks SET status = 'cancelled' WHERE status = 'pending'");
});

const taskRow = async (id: string) =>
  (await h.db.query<{ status: string; agent_id: string | null; attempts: number; scheduled_for: Date; last_error: string | null; contact_attempt_id: string | null }>(
    'SELECT status, agent_id, attempts, scheduled_for, last_error, contact_attempt_id FROM tasks WHERE id = $1',
    [id],
  ))[0];

describe('TaskService: manual tasks, reads and lists', () => {
  it('creates a manual research task with the endpoint from the customers service; a retry returns it', async () => {
    const customerId = await newCustomer();
    const requestId = randomUUID();
    const request = {
      task: campaignsV1.Task.fromPartial({ customerId, type: TaskType.TASK_TYPE_RESEARCH, instructions: 'research the new address', requiredCapabilities: ['skiptrace'], priority: Priority.PRIORITY_HIGH }),
      requestId,
    };
    const { task } = await call(h.tasks, 'createTask', request);
    expect(task).toMatchObject({
      customerId,
      campaignId: '',
      stepIndex: -1,
      type: TaskType.TASK_TYPE_RESEARCH,
      priority: Priority.PRIORITY_HIGH,
      status: TaskStatus.TASK_STATUS_PENDING,
      channel: 0,
      requiredCapabilities: ['skiptrace'],
      instructions: 'research the new address',
      endpoint: { email: expect.stringContaining('@example.com'), phone: '+15550100200', contactName: 'Ada Payable', timeZone: 'America/Chicago' },
      decisionId: '',
      attempts: 0,
      maxAttempts: 3,
      agentId: '',
    });
    expect((await call(h.tasks, 'createTask', request)).task?.id).toBe(task?.id);
    expect((await call(h.tasks, 'getTask', { taskId: task?.id as string })).task).toEqual(task);
    expect((await auditEvents(task?.id as string)).map((e) => e.action)).toEqual(['created']);
  });

  it('refuses bad input naming each field, an unknown customer with NOT_FOUND, and stores nothing', async () => {
    const customerId = await newCustomer();
    const before = await state();
    await expectInvalid(
      call(h.tasks, 'createTask', {
        task: campaignsV1.Task.fromPartial({
          customerId: 'nope',
          type: 0,
          priority: 9 as campaignsV1.Priority,
          requiredCapabilities: ['Not OK'],
          maxAttempts: 101,
          campaignId: 'x',
          decisionId: randomUUID(),
          content: { body: 'pay' },
        }),
        requestId: 'r',
      }),
      ['task.customer_id', 'task.type', 'task.priority', 'task.required_capabilities[0]', 'task.max_attempts', 'task.campaign_id', 'task.decision_id', 'task.content', 'request_id'],
    );
    await expectInvalid(call(h.tasks, 'createTask', { task: campaignsV1.Task.fromPartial({ customerId, type: TaskType.TASK_TYPE_MANUAL_REVIEW }), requestId: '' }), ['task.instructions']);
    await expectInvalid(call(h.tasks, 'createTask', { task: undefined, requestId: '' }), ['task']);
    expect((await rejectionOf(call(h.tasks, 'createTask', { task: campaignsV1.Task.fromPartial({ customerId: randomUUID(), type: TaskType.TASK_TYPE_SEND_EMAIL }), requestId: '' }))).code).toBe(
      status.NOT_FOUND,
    );
    const campaignless = await rejectionOf(
      call(h.tasks, 'createTask', { task: campaignsV1.Task.fromPartial({ customerId, type: TaskType.TASK_TYPE_SEND_EMAIL, campaignId: randomUUID() }), requestId: '' }),
    );
    expect(campaignless.code).toBe(status.NOT_FOUND);
    await expectInvalid(call(h.tasks, 'getTask', { taskId: '' }), ['task_id']);
    expect((await rejectionOf(call(h.tasks, 'getTask', { taskId: randomUUID() }))).code).toBe(status.NOT_FOUND);
    await expectInvalid(
      call(h.tasks, 'listTasks', { pageSize: 0, pageToken: '', statuses: [0], types: [99 as campaignsV1.TaskType], customerId: 'x', campaignId: '', agentId: 'y', dueOnly: false }),
      ['statuses[0]', 'types[0]', 'customer_id', 'agent_id'],
    );
    await expectInvalid(call(h.tasks, 'listTasks', { pageSize: -1, pageToken: '', statuses: [], types: [], customerId: '', campaignId: '', agentId: '', dueOnly: false }), ['page_size']);
    expect(await state()).toEqual(before);
  });

  it('a text or call task needs a phone number', async () => {
    const customerId = await newCustomer('');
    const refused = await rejectionOf(call(h.tasks, 'createTask', { task: campaignsV1.Task.fromPartial({ customerId, type: TaskType.TASK_TYPE_SEND_SMS }), requestId: '' }));
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    const email = await call(h.tasks, 'createTask', { task: campaignsV1.Task.fromPartial({ customerId, type: TaskType.TASK_TYPE_SEND_EMAIL }), requestId: '' });
    expect(email.task).toMatchObject({ channel: Channel.CHANNEL_EMAIL, endpoint: { phone: '' } });
  });

  it('lists in queue order (urgent first, then oldest), filtered, page by page', async () => {
    const customerId = await newCustomer();
    const low = await insertTasks({ customerId, priority: 'low', scheduledFor: '2020-01-01T00:00:00Z' });
    const urgentNew = await insertTasks({ customerId, priority: 'urgent', scheduledFor: '2021-01-01T00:00:00Z' });
    const urgentOld = await insertTasks({ customerId, priority: 'urgent', scheduledFor: '2020-06-01T00:00:00Z' });
    const future = await insertTasks({ customerId, priority: 'urgent', scheduledFor: '2999-01-01T00:00:00Z', type: 'make_call' });
    const ids: string[] = [];
    let pageToken = '';
    do {
      const page = await call(h.tasks, 'listTasks', { pageSize: 2, pageToken, statuses: [], types: [], customerId, campaignId: '', agentId: '', dueOnly: false });
      ids.push(...page.tasks.map((t) => t.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(ids).toEqual([...urgentOld, ...urgentNew, ...future, ...low]);
    const due = await call(h.tasks, 'listTasks', { pageSize: 0, pageToken: '', statuses: [TaskStatus.TASK_STATUS_PENDING], types: [TaskType.TASK_TYPE_SEND_EMAIL], customerId, campaignId: '', agentId: '', dueOnly: true });
    expect(due.tasks.map((t) => t.id)).toEqual([...urgentOld, ...urgentNew, ...low]);
    const calls = await call(h.tasks, 'listTasks', { pageSize: 0, pageToken: '', statuses: [], types: [TaskType.TASK_TYPE_MAKE_CALL], customerId, campaignId: '', agentId: '', dueOnly: false });
    expect(calls.tasks.map((t) => t.id)).toEqual(future);
  });
});

describe('TaskService: the queue', () => {
  it('claims urgent first then oldest, within capacity, capabilities and type; each with content, endpoint and decision', async () => {
    const customerId = await newCustomer();
    const templateId = await newTemplate();
    const decisionId = randomUUID();
    const tag = `cap${randomUUID().slice(0, 6).replace(/-/g, '')}`;
    // Only tasks that require this test's capability, so other tests' tasks never interfere.
    const medium = await insertTasks({ customerId, count: 2, templateId, decisionId, requiredCapabilities: [tag], scheduledFor: '2020-01-01T00:00:00Z' });
    const urgent = await insertTasks({ customerId, priority: 'urgent', templateId, decisionId, requiredCapabilities: [tag] });
    const needsMore = await insertTasks({ customerId, priority: 'urgent', templateId, requiredCapabilities: [tag, 'legal'] });
    const notYet = await insertTasks({ customerId, priority: 'urgent', templateId, requiredCapabilities: [tag], scheduledFor: '2999-01-01T00:00:00Z' });
    const agent = await newAgent({ capabilities: [tag], maxConcurrentTasks: 2 });

    const first = await claim(agent.id, 10, 120);
    expect(first.map((t) => t.id)).toEqual([urgent[0], medium[0]]);
    expect(first[0]).toMatchObject({
      status: TaskStatus.TASK_STATUS_ASSIGNED,
      agentId: agent.id,
      attempts: 1,
      decisionId,
      channel: Channel.CHANNEL_EMAIL,
      content: { channel: Channel.CHANNEL_EMAIL, subject: 'Invoice INV-1', body: 'Please pay INV-1', templateId, templateVersion: 1 },
      endpoint: { email: 'ap@example.com', phone: '+15550100200', timeZone: 'America/Chicago' },
    });
    const lease = (first[0].leaseExpireTime as Date).getTime() - Date.now();
    expect(lease).toBeGreaterThan(100_000);
    expect(lease).toBeLessThanOrEqual(121_000);
    // At capacity: nothing more until one is done.
    expect(await claim(agent.id, 10)).toEqual([]);
    await complete(first[0].id, agent.id);
    expect((await claim(agent.id, 10)).map((t) => t.id)).toEqual([medium[1]]);
    // An agent with the extra capability takes the task that needs it.
    const legal = await newAgent({ capabilities: [tag, 'legal'], maxConcurrentTasks: 5 });
    expect((await claim(legal.id, 10)).map((t) => t.id)).toEqual(needsMore);
    expect((await taskRow(notYet[0])).status).toBe('pending');
    expect((await auditEvents(agent.id)).filter((e) => e.action === 'tasks_claimed').map((e) => e.details.task_ids)).toEqual([[urgent[0], medium[0]], [medium[1]]]);
  });

  it('claims only the types the agent does; an unknown agent is NOT_FOUND; bad claims change nothing', async () => {
    const agent = await newAgent({ type: AgentType.AGENT_TYPE_SMS });
    const before = await state();
    await expectInvalid(claim(agent.id, 1, 60, [TaskType.TASK_TYPE_SEND_SMS, TaskType.TASK_TYPE_SEND_EMAIL]), ['types[1]']);
    await expectInvalid(call(h.tasks, 'claimTasks', { agentId: 'x', types: [0], maxTasks: 0, lease: { seconds: '5', nanos: 0 } }), ['agent_id', 'types[0]', 'max_tasks', 'lease']);
    await expectInvalid(call(h.tasks, 'claimTasks', { agentId: agent.id, types: [], maxTasks: 101, lease: { seconds: '3601', nanos: 0 } }), ['max_tasks', 'lease']);
    expect((await rejectionOf(claim(randomUUID()))).code).toBe(status.NOT_FOUND);
    expect(await state()).toEqual(before);
  });

  it('only the lease holder extends, completes or fails a task; others are refused and nothing changes', async () => {
    const customerId = await newCustomer();
    const [taskId] = await insertTasks({ customerId, requiredCapabilities: ['holder-test'] });
    const holder = await newAgent({ capabilities: ['holder-test'] });
    const other = await newAgent({ capabilities: ['holder-test'] });
    expect((await claim(holder.id)).map((t) => t.id)).toEqual([taskId]);
    const before = await state();
    for (const work of [
      call(h.tasks, 'extendTaskLease', { taskId, agentId: other.id, lease: undefined }),
      complete(taskId, other.id),
      call(h.tasks, 'failTask', { taskId, agentId: other.id, error: 'no', retryable: true, contactStatus: 0 }),
    ]) {
      const refused = await rejectionOf(work);
      expect({ code: refused.code, details: refused.details }).toEqual({ code: status.FAILED_PRECONDITION, details: expect.stringContaining('only the lease holder') });
    }
    await expectInvalid(complete(taskId, holder.id, { contactStatus: ContactStatus.CONTACT_STATUS_ANSWERED }), ['result.contact_status']);
    await expectInvalid(complete(taskId, holder.id, { contactStatus: 0 }), ['result.contact_status']);
    await expectInvalid(call(h.tasks, 'completeTask', { taskId, agentId: holder.id, result: undefined }), ['result']);
    await expectInvalid(call(h.tasks, 'failTask', { taskId: 'x', agentId: holder.id, error: ' ', retryable: true, contactStatus: 0 }), ['task_id', 'error']);
    await expectInvalid(call(h.tasks, 'extendTaskLease', { taskId, agentId: holder.id, lease: { seconds: '1', nanos: 0 } }), ['lease']);
    expect((await rejectionOf(complete(randomUUID(), holder.id))).code).toBe(status.NOT_FOUND);
    expect(await state()).toEqual(before);

    const extended = await call(h.tasks, 'extendTaskLease', { taskId, agentId: holder.id, lease: { seconds: '600', nanos: 0 } });
    expect(extended.task?.status).toBe(TaskStatus.TASK_STATUS_IN_PROGRESS);
    expect((extended.task?.leaseExpireTime as Date).getTime() - Date.now()).toBeGreaterThan(590_000);
  });

  it('completion records the contact attempt in the same transaction, once: completing again returns the first result', async () => {
    const customerId = await newCustomer();
    const templateId = await newTemplate();
    const decisionId = randomUUID();
    const [taskId] = await insertTasks({ customerId, templateId, decisionId, requiredCapabilities: ['once-test'] });
    const agent = await newAgent({ capabilities: ['once-test'] });
    await claim(agent.id);
    const result = { contactStatus: ContactStatus.CONTACT_STATUS_OPENED, outcome: 'promise_to_pay', notes: 'will pay Friday', details: { provider_id: 'msg-1' } };
    const done = await complete(taskId, agent.id, result);
    expect(done).toMatchObject({ status: TaskStatus.TASK_STATUS_COMPLETED, result: { ...result, contactAttemptId: expect.any(String) }, completeTime: expect.any(Date) });
    const attemptId = done.result?.contactAttemptId as string;
    const attempts = await h.db.query('SELECT id, task_id, agent_id, template_id, decision_id, channel, status, outcome FROM contact_attempts WHERE task_id = $1', [taskId]);
    expect(attempts).toEqual([{ id: attemptId, task_id: taskId, agent_id: agent.id, template_id: templateId, decision_id: decisionId, channel: 'email', status: 'opened', outcome: 'promise_to_pay' }]);
    expect((await taskRow(taskId)).contact_attempt_id).toBe(attemptId);
    // What compliance and customers are told (ComplianceAttemptMessage, CustomerOutcomeMessage).
    const [{ attempted_at }] = await h.db.query<{ attempted_at: string }>('SELECT attempted_at::text FROM contact_attempts WHERE id = $1', [attemptId]);
    const told = { attempt_id: attemptId, customer_id: customerId, channel: 'email', attempted_at };
    expect(await h.db.query('SELECT destination, payload FROM campaigns_outbox WHERE message_key = $1 ORDER BY destination', [attemptId])).toEqual([
      { destination: 'compliance.contact_attempts', payload: { ...told, status: 'opened', decision_id: decisionId, outcome: 'promise_to_pay' } },
      { destination: 'customers.contact_outcomes', payload: { ...told, reached: true, responded: false } },
    ]);

    const before = await state();
    const again = await Promise.all([complete(taskId, agent.id, { contactStatus: ContactStatus.CONTACT_STATUS_BOUNCED }), complete(taskId, agent.id, result)]);
    for (const task of again) expect(task).toEqual(done);
    expect(await state()).toEqual(before);
    const other = await newAgent();
    expect((await rejectionOf(complete(taskId, other.id))).code).toBe(status.FAILED_PRECONDITION);
    expect((await auditEvents(taskId)).map((e) => e.action)).toEqual(['completed']);
  });

  it('a retryable failure goes back to the queue after a backoff; the last attempt fails for good with the error', async () => {
    const customerId = await newCustomer();
    const [taskId] = await insertTasks({ customerId, maxAttempts: 2, requiredCapabilities: ['retry-test'] });
    const agent = await newAgent({ capabilities: ['retry-test'] });
    await claim(agent.id);
    const before = Date.now();
    const retried = await call(h.tasks, 'failTask', { taskId, agentId: agent.id, error: 'SMTP timeout', retryable: true, contactStatus: 0 });
    expect(retried.task).toMatchObject({ status: TaskStatus.TASK_STATUS_PENDING, agentId: '', attempts: 1, lastError: 'SMTP timeout' });
    const delay = (retried.task?.scheduledTime as Date).getTime() - before;
    expect(delay).toBeGreaterThanOrEqual(15_000 - 1_000);
    expect(delay).toBeLessThanOrEqual(30_000 + 1_000);
    expect(await claim(agent.id)).toEqual([]); // not due yet
    await h.db.query("UPDATE tasks SET scheduled_for = now() - interval '1 second' WHERE id = $1", [taskId]);
    expect((await claim(agent.id)).map((t) => t.attempts)).toEqual([2]);
    const failed = await call(h.tasks, 'failTask', { taskId, agentId: agent.id, error: 'mailbox full', retryable: true, contactStatus: ContactStatus.CONTACT_STATUS_BOUNCED });
    expect(failed.task).toMatchObject({ status: TaskStatus.TASK_STATUS_FAILED, agentId: agent.id, attempts: 2, lastError: 'mailbox full', completeTime: expect.any(Date) });
    expect(await h.db.query('SELECT status FROM contact_attempts WHERE task_id = $1', [taskId])).toEqual([{ status: 'bounced' }]);
    // Failing it again is answered with the task as it is.
    expect((await call(h.tasks, 'failTask', { taskId, agentId: agent.id, error: 'mailbox full', retryable: true, contactStatus: 0 })).task).toEqual(failed.task);
    expect((await auditEvents(taskId)).map((e) => e.action)).toEqual(['retry_scheduled', 'failed']);
  });

  it('cancels unfinished tasks; the holder can then neither complete nor extend', async () => {
    const customerId = await newCustomer();
    const [taskId] = await insertTasks({ customerId, requiredCapabilities: ['cancel-test'] });
    const agent = await newAgent({ capabilities: ['cancel-test'] });
    await claim(agent.id);
    await expectInvalid(call(h.tasks, 'cancelTask', { taskId, reason: '' }), ['reason']);
    const cancelled = await call(h.tasks, 'cancelTask', { taskId, reason: 'customer paid in full' });
    expect(cancelled.task).toMatchObject({ status: TaskStatus.TASK_STATUS_CANCELLED, lastError: 'cancelled: customer paid in full' });
    expect((await call(h.tasks, 'cancelTask', { taskId, reason: 'again' })).task).toEqual(cancelled.task);
    expect((await rejectionOf(complete(taskId, agent.id))).code).toBe(status.FAILED_PRECONDITION);
    expect((await rejectionOf(call(h.tasks, 'extendTaskLease', { taskId, agentId: agent.id, lease: undefined }))).code).toBe(status.FAILED_PRECONDITION);
    expect((await auditEvents(taskId)).map((e) => [e.action, e.details.reason])).toEqual([['cancelled', 'customer paid in full']]);
  });

  it('a claimer that dies holding leases: its tasks come back after the lease and are done once by another', async () => {
    const customerId = await newCustomer();
    const ids = await insertTasks({ customerId, count: 5, requiredCapabilities: ['dead-test'] });
    const [last] = await insertTasks({ customerId, maxAttempts: 1, requiredCapabilities: ['dead-test'], priority: 'low' });
    const dead = await newAgent({ capabilities: ['dead-test'], maxConcurrentTasks: 10 });
    const claimed = await claim(dead.id, 10, 10);
    expect(claimed.map((t) => t.id).sort()).toEqual([...ids, last].sort());
    // The agent is gone; its leases run out (made to, rather than waited for).
    await h.db.query("UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE agent_id = $1", [dead.id]);
    await eventually(async () => (await h.db.query("SELECT 1 FROM tasks WHERE agent_id = $1 AND status IN ('assigned', 'in_progress')", [dead.id])).length === 0, {
      what: 'the sweeper to take the expired leases back',
    });
    // A task on its last attempt fails with the reason; the others are pending again.
    expect(await taskRow(last)).toMatchObject({ status: 'failed', agent_id: dead.id, last_error: expect.stringContaining('lease ran out on each of its 1 attempt') });
    for (const id of ids) expect(await taskRow(id)).toMatchObject({ status: 'pending', agent_id: null, attempts: 1 });
    // The dead agent's late completion is refused; a live agent does each task once.
    expect((await rejectionOf(complete(ids[0], dead.id))).code).toBe(status.FAILED_PRECONDITION);
    const live = await newAgent({ capabilities: ['dead-test'], maxConcurrentTasks: 10 });
    const again = await claim(live.id, 10);
    expect(again.map((t) => t.id).sort()).toEqual([...ids].sort());
    for (const task of again) await complete(task.id, live.id);
    expect(await claim(live.id, 10)).toEqual([]);
    const attempts = await h.db.query<{ task_id: string; n: number }>('SELECT task_id, count(*)::int AS n FROM contact_attempts WHERE task_id = ANY($1) GROUP BY task_id', [ids]);
    expect(attempts).toHaveLength(5);
    expect(attempts.every((a) => a.n === 1)).toBe(true);
    expect((await auditEvents(ids[0])).map((e) => e.action)).toEqual(['lease_expired', 'completed']);
  });
});

describe('TaskService: races', () => {
  it("concurrent claims of one agent never take more than its capacity (each claim counts what the others took)", async () => {
    const customerId = await newCustomer();
    await insertTasks({ customerId, count: 20, requiredCapabilities: ['same-agent-test'] });
    const agent = await newAgent({ capabilities: ['same-agent-test'], maxConcurrentTasks: 3 });
    const claims = await Promise.all(Array.from({ length: 8 }, () => claim(agent.id, 2)));
    const ids = claims.flat().map((t) => t.id);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect(await h.db.query("SELECT count(*)::int AS n FROM tasks WHERE agent_id = $1 AND status = 'assigned'", [agent.id])).toEqual([{ n: 3 }]);
  });

  it('the holder completing while its lease runs out, the sweeper and another agent: one of holder and sweeper wins, the other agent never', async () => {
    const customerId = await newCustomer();
    const ids = await insertTasks({ customerId, count: 12, requiredCapabilities: ['expiry-race-test'] });
    const holder = await newAgent({ capabilities: ['expiry-race-test'], maxConcurrentTasks: 20 });
    const other = await newAgent({ capabilities: ['expiry-race-test'] });
    expect(await claim(holder.id, 20)).toHaveLength(ids.length);
    // Every lease runs out now: the sweeper (every 200 ms) races the completions below.
    await h.db.query("UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = ANY($1)", [ids]);
    const outcomes = await Promise.all(
      ids.map(async (id) => {
        const [mine, theirs] = await Promise.allSettled([complete(id, holder.id), complete(id, other.id)]);
        return { id, mine, theirs };
      }),
    );
    await eventually(async () => (await h.db.query("SELECT 1 FROM tasks WHERE id = ANY($1) AND status = 'assigned'", [ids])).length === 0, {
      what: 'the sweeper to take back the leases nobody completed',
    });
    for (const { id, mine, theirs } of outcomes) {
      expect(theirs.status === 'rejected' && (theirs.reason as { code: number }).code).toBe(status.FAILED_PRECONDITION);
      const row = await taskRow(id);
      const attempts = await h.db.query('SELECT id FROM contact_attempts WHERE task_id = $1', [id]);
      if (mine.status === 'fulfilled') {
        expect(row).toMatchObject({ status: 'completed', agent_id: holder.id, contact_attempt_id: attempts[0]?.id });
        expect(attempts).toHaveLength(1);
      } else {
        expect((mine.reason as { code: number }).code).toBe(status.FAILED_PRECONDITION);
        expect(row).toMatchObject({ status: 'pending', agent_id: null, contact_attempt_id: null });
        expect(attempts).toHaveLength(0);
      }
    }
  });
});
