import { credentials } from '@grpc/grpc-js';
import { createClient } from '@cec/grpc';
import { createServiceMetrics } from '@cec/observability';
import { metricsV1 } from '@cec/proto';
import { startMetricsFeed, startService, type RunningService } from '@cec/service-runtime';
import { capturingLogger, createTestDatabase, minuteSeries, startServiceProcess, startTestService, type ServiceProcess, type TestDatabase, type TestService } from '@cec/testing';
import { campaignsBusinessMetrics } from './business-metrics';
import { campaignsServiceSpec } from './campaigns-service';

/*
 * tasks_created, tasks_completed and tasks_failed per minute and task type, from the tasks
 * table through the campaigns service's collector and the feed to the real metrics service (its
 * own process). The feed's loop, outages and replicas are tested with the customers service
 * (business-metrics.test.ts there) and in libs/service-runtime.
 */

const MINUTE = 60_000;
const BASE = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
const t = (minutes: number, seconds = 0): Date => new Date(BASE + minutes * MINUTE + seconds * 1000);

describe('the business metrics of the campaigns service', () => {
  let db: TestDatabase;
  let metricsProcess: ServiceProcess;
  let campaigns: TestService<RunningService>;
  let query: metricsV1.MetricsServiceClient;
  let feedClient: metricsV1.MetricsServiceClient;
  let customerId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    metricsProcess = await startServiceProcess('metrics', db.url, { RETENTION_INTERVAL_MS: '0' });
    // Its customers and compliance peers are absent: nothing here asks them.
    campaigns = await startTestService(campaignsServiceSpec, {
      start: startService,
      database: db,
      env: {
        CUSTOMERS_ADDRESS: '127.0.0.1:1',
        COMPLIANCE_ADDRESS: '127.0.0.1:1',
        ENGINE_INTERVAL_MS: '0',
        METRICS_FEED_INTERVAL_MS: '0',
        METRICS_ADDRESS: metricsProcess.address,
      },
    });
    query = new metricsV1.MetricsServiceClient(metricsProcess.address, credentials.createInsecure());
    feedClient = createClient(metricsV1.MetricsServiceClient, metricsProcess.address, { caller: 'campaigns' });
    [{ id: customerId }] = await db.query<{ id: string }>("INSERT INTO customers (company_name, email) VALUES ('Tasks Ltd', 'ap@tasks.example') RETURNING id");
  }, 60_000);

  afterAll(async () => {
    query?.close();
    feedClient?.close();
    await campaigns?.stop();
    await metricsProcess?.stop();
    await db?.drop();
  });

  /** Tasks straight into the queue's table: made at `created`, ended (completed or failed) at `ended`. */
  async function tasks(rows: { type: string; created: Date; status?: 'pending' | 'completed' | 'failed'; ended?: Date }[]): Promise<void> {
    for (const row of rows) {
      await db.query('INSERT INTO tasks (customer_id, type, status, created_at, completed_at) VALUES ($1, $2, $3, $4, $5)', [
        customerId,
        row.type,
        row.status ?? 'pending',
        row.created,
        row.ended ?? null,
      ]);
    }
  }

  const series = (name: string, labels: Record<string, string>) => minuteSeries(query, { name, labels, from: t(0), to: t(10) });

  it('counts the tasks made, completed and failed in each whole minute by task type', async () => {
    await tasks([
      { type: 'send_email', created: t(0, 1) },
      { type: 'send_email', created: t(0, 59.999), status: 'completed', ended: t(1, 0) },
      { type: 'make_call', created: t(0, 10), status: 'completed', ended: t(0, 50) },
      { type: 'send_sms', created: t(0, 20), status: 'failed', ended: t(1, 59.999) },
      { type: 'send_sms', created: t(1, 5) },
    ]);
    const clock = { now: t(2, 30).getTime() };
    const feed = startMetricsFeed({
      service: 'campaigns',
      collector: campaignsBusinessMetrics(campaigns.service.orm),
      client: feedClient,
      logger: capturingLogger().logger,
      metrics: createServiceMetrics('campaigns'),
      intervalMs: 0,
      lookbackMs: 3_600_000,
      now: () => clock.now,
    });
    try {
      expect(await feed.runOnce()).toMatchObject({ sent: 7, recorded: 7 });
      expect(await series('tasks_created', { task_type: 'send_email' })).toEqual({ 0: [2, 1] });
      expect(await series('tasks_created', { task_type: 'make_call' })).toEqual({ 0: [1, 1] });
      expect(await series('tasks_created', { task_type: 'send_sms' })).toEqual({ 0: [1, 1], 1: [1, 1] });
      expect(await series('tasks_completed', {})).toEqual({ 0: [1, 1], 1: [1, 1] });
      expect(await series('tasks_completed', { task_type: 'send_email' })).toEqual({ 1: [1, 1] });
      expect(await series('tasks_failed', { task_type: 'send_sms' })).toEqual({ 1: [1, 1] });

      // A second run has nothing new; a task that ends later counts in the minute it ends.
      await db.query("UPDATE tasks SET status = 'completed', completed_at = $1 WHERE type = 'send_sms' AND status = 'pending'", [t(2, 10)]);
      clock.now = t(3, 30).getTime();
      expect(await feed.runOnce()).toMatchObject({ sent: 1, recorded: 1 });
      expect(await series('tasks_completed', {})).toEqual({ 0: [1, 1], 1: [1, 1], 2: [1, 1] });
      expect(await series('tasks_created', {})).toEqual({ 0: [4, 3], 1: [1, 1] });
    } finally {
      await feed.stop();
    }
  });
});
