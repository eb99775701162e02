import { credentials } from '@grpc/grpc-js';
import { createClient } from '@cec/grpc';
import { createServiceMetrics } from '@cec/observability';
import { customersV1, metricsV1 } from '@cec/proto';
import { startMetricsFeed, startService, type MetricsFeed, type RunningService } from '@cec/service-runtime';
import { call, capturingLogger, minuteSeries, createTestDatabase, eventually, startServiceProcess, startTestService, type ServiceProcess, type TestDatabase, type TestService } from '@cec/testing';
import { customersBusinessMetrics } from './business-metrics';
import { customersServiceSpec } from './customers-service';

/*
 * The customers service's business metrics end to end: payments in its own tables, the feed
 * over its collector, the real metrics service (its own process) recording them, and
 * QueryMetrics answering the exact sums and counts per minute and currency. Most tests drive
 * one feed on a clock they move (runOnce); the last one lets the service's own loop send.
 */

const MINUTE = 60_000;
/** A whole UTC minute 10 minutes ago: every row of the tests is in the 5 minutes after it. */
const BASE = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
const t = (minutes: number, seconds = 0): Date => new Date(BASE + minutes * MINUTE + seconds * 1000);

describe('the business metrics feed of the customers service', () => {
  let db: TestDatabase;
  let metricsProcess: ServiceProcess;
  let customers: TestService<RunningService>;
  let query: metricsV1.MetricsServiceClient;
  let feedClient: metricsV1.MetricsServiceClient;
  const feeds: MetricsFeed[] = [];
  let invoiceId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    metricsProcess = await startServiceProcess('metrics', db.url, { RETENTION_INTERVAL_MS: '0' });
    customers = await startTestService(customersServiceSpec, {
      start: startService,
      database: db,
      env: { OVERDUE_SWEEP_INTERVAL_MS: '0', METRICS_FEED_INTERVAL_MS: '0', METRICS_ADDRESS: metricsProcess.address },
    });
    query = new metricsV1.MetricsServiceClient(metricsProcess.address, credentials.createInsecure());
    // What connectPeers gives the service: the client of the metrics service, as "customers".
    feedClient = createClient(metricsV1.MetricsServiceClient, metricsProcess.address, { caller: 'customers' });
    const [{ id }] = await db.query<{ id: string }>(
      `WITH c AS (INSERT INTO customers (company_name, email) VALUES ('Feed Ltd', 'ap@feed.example') RETURNING id),
            p AS (INSERT INTO customer_profiles (customer_id) SELECT id FROM c)
       INSERT INTO payment_records (customer_id, invoice_number, amount, currency, due_date)
       SELECT id, 'INV-FEED-1', 1000000, 'USD', current_date + 30 FROM c RETURNING id`,
    );
    invoiceId = id;
  }, 60_000);

  afterAll(async () => {
    await Promise.all(feeds.map((f) => f.stop()));
    query?.close();
    feedClient?.close();
    await customers?.stop();
    await metricsProcess?.stop();
    await db?.drop();
  });

  /** Payments entered at `at` (recorded_at), straight into the ledger. */
  async function pay(rows: { at: Date; amount: string; currency: string }[]): Promise<void> {
    for (const row of rows) {
      await db.query('INSERT INTO payments (payment_record_id, amount, currency, paid_date, recorded_at) VALUES ($1, $2, $3, current_date, $4)', [
        invoiceId,
        row.amount,
        row.currency,
        row.at,
      ]);
    }
  }

  /** A feed as the service makes it (its collector, over its database pool), on a clock the test sets. */
  function feed(clock: { now: number }): MetricsFeed {
    const { logger } = capturingLogger();
    const started = startMetricsFeed({
      service: 'customers',
      collector: customersBusinessMetrics(customers.service.orm),
      client: feedClient,
      logger,
      metrics: createServiceMetrics('customers'),
      intervalMs: 0,
      lookbackMs: 3_600_000,
      now: () => clock.now,
    });
    feeds.push(started);
    return started;
  }

  /** Per minute after BASE: [value, samples], of what QueryMetrics answers. */
  const series = (name: string, labels: Record<string, string>) => minuteSeries(query, { name, labels, from: t(0), to: t(10) });

  it('sends the sums and counts of each whole minute per currency once it ended 30 s ago; a row at the minute end is in its minute', async () => {
    await pay([
      { at: t(0, 5), amount: '100.50', currency: 'USD' },
      { at: t(0, 40), amount: '20.25', currency: 'USD' },
      { at: t(0, 59.999), amount: '7.0000', currency: 'EUR' },
      { at: t(1, 0), amount: '1.00', currency: 'USD' },
    ]);
    // Minute 0 is due once it ended 30 s ago: not at 1:29.999, at 1:30.
    const clock = { now: t(1, 29.999).getTime() };
    const f = feed(clock);
    expect(await f.runOnce()).toMatchObject({ sent: 0 });
    clock.now = t(1, 30).getTime();
    expect(await f.runOnce()).toMatchObject({ sent: 4, recorded: 4, duplicates: 0 });
    expect(await series('payments_recovered', { currency: 'USD' })).toEqual({ 0: [120.75, 1] });
    expect(await series('payments_recovered', { currency: 'EUR' })).toEqual({ 0: [7, 1] });
    expect(await series('payments_recorded', { currency: 'USD' })).toEqual({ 0: [2, 1] });
    expect(await series('payments_recorded', { currency: 'EUR' })).toEqual({ 0: [1, 1] });

    clock.now = t(2, 30).getTime();
    expect(await f.runOnce()).toMatchObject({ sent: 2, recorded: 2 });
    expect(await series('payments_recovered', { currency: 'USD' })).toEqual({ 0: [120.75, 1], 1: [1, 1] });
    expect(await series('payments_recorded', {})).toEqual({ 0: [3, 2], 1: [1, 1] });

    const { metricNames } = await call(query, 'listMetricNames', { pageSize: 10, pageToken: '' });
    expect(metricNames.filter((n) => n.name.startsWith('payments_')).map((n) => [n.name, n.type])).toEqual([
      ['payments_recorded', metricsV1.MetricType.METRIC_TYPE_COUNTER],
      ['payments_recovered', metricsV1.MetricType.METRIC_TYPE_COUNTER],
    ]);
  });

  it('a second run, a restart or another replica sends the same minutes again: nothing is doubled', async () => {
    const again = await feed({ now: t(2, 30).getTime() }).runOnce();
    expect(again).toMatchObject({ sent: 6, recorded: 0, duplicates: 6 });
    expect(await series('payments_recovered', { currency: 'USD' })).toEqual({ 0: [120.75, 1], 1: [1, 1] });
    expect(await series('payments_recorded', {})).toEqual({ 0: [3, 2], 1: [1, 1] });
  });

  it('with the metrics service down nothing is lost: the minutes are sent once it is back', async () => {
    const clock = { now: t(2, 30).getTime() };
    const f = feed(clock);
    await f.runOnce();
    await pay([{ at: t(3, 10), amount: '50.00', currency: 'EUR' }]);
    const port = metricsProcess.address.split(':')[1];
    await metricsProcess.stop();
    clock.now = t(4, 30).getTime();
    expect((await f.runOnce()).error).toBeDefined();
    expect(f.watermark()).toEqual(t(2));

    metricsProcess = await startServiceProcess('metrics', db.url, { RETENTION_INTERVAL_MS: '0', METRICS_GRPC_PORT: port });
    // The client reconnects with a backoff: the run succeeds once it has.
    await eventually(async () => !(await f.runOnce()).error, { what: 'the feed to reach the metrics service again', timeoutMs: 20_000 });
    expect(f.watermark()).toEqual(t(4));
    expect(await series('payments_recovered', { currency: 'EUR' })).toEqual({ 0: [7, 1], 3: [50, 1] });
  }, 60_000);

  it("the service's own loop sends them (METRICS_FEED_INTERVAL_MS), a second replica adds nothing", async () => {
    await pay([{ at: t(5, 0), amount: '3.50', currency: 'GBP' }]);
    const replica = await startTestService(customersServiceSpec, {
      start: startService,
      database: db,
      env: { OVERDUE_SWEEP_INTERVAL_MS: '0', METRICS_FEED_INTERVAL_MS: '200', METRICS_ADDRESS: metricsProcess.address },
    });
    try {
      await eventually(async () => (await series('payments_recovered', { currency: 'GBP' }).catch((): Record<number, [number, number]> => ({})))[5], { what: 'the GBP payment to be recorded by the loop' });
      expect(await series('payments_recovered', { currency: 'GBP' })).toEqual({ 5: [3.5, 1] });
      // The replica re-sent the lookback's minutes the other feeds had sent: each is still one sample.
      expect(await series('payments_recovered', { currency: 'EUR' })).toEqual({ 0: [7, 1], 3: [50, 1] });
      expect(await series('payments_recorded', {})).toEqual({ 0: [3, 2], 1: [1, 1], 3: [1, 1], 5: [1, 1] });
    } finally {
      await replica.stop();
    }
  });

  it('starts and serves without the metrics service, with one warning', async () => {
    const { logger, lines } = capturingLogger();
    const alone = await startTestService(customersServiceSpec, {
      start: startService,
      database: db,
      clients: { customers: customersV1.CustomerServiceClient },
      env: { OVERDUE_SWEEP_INTERVAL_MS: '0', METRICS_FEED_INTERVAL_MS: '100', METRICS_ADDRESS: '127.0.0.1:1' },
      logger,
    });
    try {
      const warnings = (): string[] => lines().filter((l) => l.level === 40 || l.level === 'warn').map((l) => String(l.msg));
      await eventually(() => warnings().some((m) => m.includes('metrics feed: could not send')), { what: 'the feed to warn' });
      const { customers: list } = await call(alone.clients.customers, 'listCustomers', customersV1.ListCustomersRequest.fromPartial({ pageSize: 10 }));
      expect(list.map((c) => c.companyName)).toContain('Feed Ltd');
      // More failing runs come and go: the warning stays one.
      await eventually(() => lines().filter((l) => l.msg === 'metrics feed: still failing').length >= 2, { what: 'two more failing runs' });
      expect(warnings().filter((m) => m.includes('metrics feed'))).toHaveLength(1);
    } finally {
      await alone.stop();
    }
  });
});
