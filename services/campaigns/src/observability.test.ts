/**
 * The campaigns service's /metrics as Prometheus scrapes it: valid text, the gRPC call made
 * counted, the task queue and the outbox backlog read from the database at the scrape.
 */
import { randomUUID } from 'node:crypto';
import { campaignsV1 } from '@cec/proto';
import { call, sampleValue, scrapeMetrics } from '@cec/testing';
import { useCampaignsService } from './testing/campaigns-harness';
import { queueFixtures } from './rpc/task-service/queue-fixtures';

const h = useCampaignsService();
const { newCustomer } = queueFixtures(h);
const CREATE_TASK = '/escalation.campaigns.v1.TaskService/CreateTask';

describe('the campaigns service /metrics', () => {
  it('counts a CreateTask call and shows the new pending task in the queue depth and the oldest pending age', async () => {
    const customerId = await newCustomer();
    const before = await scrapeMetrics(h.kit.metricsAddress);
    expect(sampleValue(before, 'campaigns_task_queue_depth', { type: 'research', status: 'pending' })).toBe(0);
    expect(sampleValue(before, 'campaigns_task_oldest_pending_age_seconds', { type: 'research' })).toBe(0);

    await call(h.tasks, 'createTask', {
      task: campaignsV1.Task.fromPartial({ customerId, type: campaignsV1.TaskType.TASK_TYPE_RESEARCH, instructions: 'find the new address' }),
      requestId: randomUUID(),
    });
    // A row 2 minutes old: its age is what the gauge reads.
    await h.db.query("UPDATE tasks SET created_at = now() - interval '120 seconds' WHERE customer_id = $1", [customerId]);
    const after = await scrapeMetrics(h.kit.metricsAddress);

    expect(sampleValue(after, 'grpc_server_handled_total', { method: CREATE_TASK, code: 'OK' }) - sampleValue(before, 'grpc_server_handled_total', { method: CREATE_TASK, code: 'OK' })).toBe(1);
    expect(sampleValue(after, 'grpc_server_handling_seconds_count', { method: CREATE_TASK, code: 'OK' })).toBe(1);
    expect(after.get('campaigns_task_queue_depth')?.type).toBe('gauge');
    expect(sampleValue(after, 'campaigns_task_queue_depth', { type: 'research', status: 'pending' })).toBe(1);
    expect(sampleValue(after, 'campaigns_task_queue_depth', { type: 'research', status: 'assigned' })).toBe(0);
    expect(sampleValue(after, 'campaigns_task_queue_depth', { type: 'send_email', status: 'pending' })).toBe(0);
    const age = sampleValue(after, 'campaigns_task_oldest_pending_age_seconds', { type: 'research' });
    expect(age).toBeGreaterThanOrEqual(120);
    expect(age).toBeLessThan(180);
    // The outbox backlog, per destination, is there (nothing waits in this test).
    for (const destination of ['compliance.contact_attempts', 'customers.contact_outcomes']) {
      expect(after.get('campaigns_outbox_pending_messages')?.samples.some((s) => s.labels.destination === destination)).toBe(true);
      expect(after.get('campaigns_outbox_parked_messages')?.samples.some((s) => s.labels.destination === destination)).toBe(true);
    }
  });

  it('shows a cancelled task leaving the queue', async () => {
    await h.db.query("UPDATE tasks SET status = 'cancelled' WHERE status = 'pending'");
    const metrics = await scrapeMetrics(h.kit.metricsAddress);
    expect(metrics.get('campaigns_task_queue_depth')?.samples.length).toBeGreaterThan(0);
    expect(sampleValue(metrics, 'campaigns_task_queue_depth', { status: 'pending' })).toBe(0);
    expect(sampleValue(metrics, 'campaigns_task_oldest_pending_age_seconds')).toBe(0);
  });
});
