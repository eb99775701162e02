import { credentials } from '@grpc/grpc-js';
import { createClient } from '@cec/grpc';
import { createServiceMetrics } from '@cec/observability';
import { metricsV1 } from '@cec/proto';
import { startMetricsFeed, startService, type RunningService } from '@cec/service-runtime';
import { capturingLogger, createTestDatabase, minuteSeries, startServiceProcess, startTestService, type ServiceProcess, type TestDatabase, type TestService } from '@cec/testing';
import { complianceBusinessMetrics } from './business-metrics';
import { complianceServiceSpec } from './compliance-service';

/*
 * compliance_decisions per minute, result and channel, from the compliance service's table
 * through its collector and the feed to the real metrics service (its own process). The feed's
 * loop, outages and replicas are tested with the customers service (business-metrics.test.ts
 * there) and in libs/service-runtime.
 */

const MINUTE = 60_000;
const BASE = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
const t = (minutes: number, seconds = 0): Date => new Date(BASE + minutes * MINUTE + seconds * 1000);
const CUSTOMER = '00000000-0000-4000-8000-0000000000c1';

describe('the business metrics of the compliance service', () => {
  let db: TestDatabase;
  let metricsProcess: ServiceProcess;
  let compliance: TestService<RunningService>;
  let query: metricsV1.MetricsServiceClient;
  let feedClient: metricsV1.MetricsServiceClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    metricsProcess = await startServiceProcess('metrics', db.url, { RETENTION_INTERVAL_MS: '0' });
    // Its customers peer is absent: nothing here asks it.
    compliance = await startTestService(complianceServiceSpec, {
      start: startService,
      database: db,
      env: { CUSTOMERS_ADDRESS: '127.0.0.1:1', METRICS_FEED_INTERVAL_MS: '0', METRICS_ADDRESS: metricsProcess.address },
    });
    query = new metricsV1.MetricsServiceClient(metricsProcess.address, credentials.createInsecure());
    feedClient = createClient(metricsV1.MetricsServiceClient, metricsProcess.address, { caller: 'compliance' });
  }, 60_000);

  afterAll(async () => {
    query?.close();
    feedClient?.close();
    await compliance?.stop();
    await metricsProcess?.stop();
    await db?.drop();
  });

  async function decide(rows: { at: Date; result: 'allow' | 'defer' | 'deny'; channel: string }[]): Promise<void> {
    for (const row of rows) {
      await db.query(
        `INSERT INTO compliance_decisions (customer_id, channel, proposed_at, result, not_before, created_at)
         VALUES ($1, $2, $3, $4, CASE WHEN $4 = 'defer' THEN $3::timestamptz + interval '1 day' END, $3)`,
        [CUSTOMER, row.channel, row.at, row.result],
      );
    }
  }

  /** A feed as the service makes it (its collector over its pool), on a clock the test sets. */
  const feedOn = (clock: { now: number }) =>
    startMetricsFeed({
      service: 'compliance',
      collector: complianceBusinessMetrics(compliance.service.orm),
      client: feedClient,
      logger: capturingLogger().logger,
      metrics: createServiceMetrics('compliance'),
      intervalMs: 0,
      lookbackMs: 3_600_000,
      now: () => clock.now,
    });

  const series = (labels: Record<string, string>) => minuteSeries(query, { name: 'compliance_decisions', labels, from: t(0), to: t(10) });

  it('counts the decisions of each whole minute by result and channel, once', async () => {
    await decide([
      { at: t(0, 1), result: 'allow', channel: 'email' },
      { at: t(0, 2), result: 'allow', channel: 'email' },
      { at: t(0, 3), result: 'allow', channel: 'sms' },
      { at: t(0, 30), result: 'deny', channel: 'phone' },
      { at: t(0, 59.999), result: 'defer', channel: 'email' }, // the last instant of minute 0
      { at: t(1, 0), result: 'deny', channel: 'phone' }, // the first of minute 1
    ]);
    const clock = { now: t(1, 30).getTime() };
    const feed = feedOn(clock);
    try {
      expect(await feed.runOnce()).toMatchObject({ sent: 4, recorded: 4 });
      expect(await series({ result: 'ALLOW' })).toEqual({ 0: [3, 2] }); // email 2 and sms 1: two samples
      expect(await series({ result: 'ALLOW', channel: 'email' })).toEqual({ 0: [2, 1] });
      expect(await series({ result: 'ALLOW', channel: 'sms' })).toEqual({ 0: [1, 1] });
      expect(await series({ result: 'DEFER' })).toEqual({ 0: [1, 1] });
      expect(await series({ result: 'DENY', channel: 'phone' })).toEqual({ 0: [1, 1] });

      clock.now = t(2, 30).getTime();
      expect(await feed.runOnce()).toMatchObject({ sent: 1, recorded: 1 });
      expect(await series({ result: 'DENY', channel: 'phone' })).toEqual({ 0: [1, 1], 1: [1, 1] });

      // Sent again (a restart looks back an hour): recorded once.
      const again = feedOn(clock);
      expect(await again.runOnce()).toMatchObject({ sent: 5, recorded: 0, duplicates: 5 });
      expect(await series({})).toEqual({ 0: [5, 4], 1: [1, 1] });
      await again.stop();
    } finally {
      await feed.stop();
    }
  });
});
