import { campaignsV1 } from '@cec/proto';
import { useCampaignsService } from '../../testing/campaigns-harness';
import { queueFixtures } from './queue-fixtures';

const h = useCampaignsService();
const { newCustomer, newAgent, newTemplate, insertTasks, claim, complete } = queueFixtures(h);

const TASKS = 10_000;
const CLAIMERS = 32;

describe('TaskService under concurrent claimers', () => {
  it(`${CLAIMERS} agents claiming and completing ${TASKS.toLocaleString('en')} tasks at once: every task is claimed exactly once`, async () => {
    const customers = await Promise.all([newCustomer(), newCustomer(), newCustomer()]);
    const templateId = await newTemplate();
    for (const [i, customerId] of customers.entries()) {
      const count = i < customers.length - 1 ? Math.floor(TASKS / customers.length) : TASKS - Math.floor(TASKS / customers.length) * (customers.length - 1);
      await insertTasks({ customerId, count, templateId, priority: ['low', 'medium', 'urgent'][i] });
    }
    const agents = await Promise.all(Array.from({ length: CLAIMERS }, () => newAgent({ maxConcurrentTasks: 25 })));

    const claimedBy = new Map<string, string[]>();
    const claimer = async (agent: campaignsV1.Agent): Promise<void> => {
      for (;;) {
        const batch = await claim(agent.id, 1 + Math.floor(Math.random() * 25), 300);
        if (!batch.length) return;
        for (const task of batch) claimedBy.set(task.id, [...(claimedBy.get(task.id) ?? []), agent.id]);
        for (const task of batch) await complete(task.id, agent.id);
      }
    };
    await Promise.all(agents.map(claimer));

    expect(claimedBy.size).toBe(TASKS);
    expect([...claimedBy.values()].filter((holders) => holders.length !== 1)).toEqual([]);
    const [db] = await h.db.query<{ completed: number; once: number; attempts: number; distinct_tasks: number }>(
      `SELECT (SELECT count(*)::int FROM tasks WHERE status = 'completed') AS completed,
              (SELECT count(*)::int FROM tasks WHERE attempts = 1) AS once,
              (SELECT count(*)::int FROM contact_attempts) AS attempts,
              (SELECT count(DISTINCT task_id)::int FROM contact_attempts) AS distinct_tasks`,
    );
    expect(db).toEqual({ completed: TASKS, once: TASKS, attempts: TASKS, distinct_tasks: TASKS });
    // Every agent took part, and none ever held more than its capacity (the claim counts under the agent's lock).
    expect(new Set([...claimedBy.values()].flat()).size).toBe(CLAIMERS);
  }, 180_000);
});
