import { Server, ServerCredentials, status, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { createClient } from '@cec/grpc';
import { createServiceMetrics, type ServiceMetrics } from '@cec/observability';
import { metricsV1 } from '@cec/proto';
import { capturingLogger, eventually, parsePrometheusText, sampleValue } from '@cec/testing';
import { feedClientKey, startMetricsFeed, type FeedSample, type MetricsCollector, type MetricsFeed, type MetricsFeedOptions, type MinuteRange } from './metrics-feed';

/*
 * The feed against a small real gRPC server of escalation.metrics.v1.MetricsService (the
 * generated service definition; RecordMetrics only), which keeps what it is sent and is
 * idempotent by (client_key, time) as the metrics service is (source is the one caller here).
 * The end-to-end tests with the real metrics service and a service's own tables are in
 * services/customers/src/business-metrics.test.ts.
 */

/** RecordMetrics over a map; can be stopped and started again on the same port. */
class FakeMetricsService {
  readonly kept = new Map<string, metricsV1.MetricSample>();
  readonly batches: metricsV1.MetricSample[][] = [];
  /** Answer this code to the next calls while set. */
  refuse: status | undefined;
  /** Take this many more calls, then refuse the next ones UNAVAILABLE (undefined: no limit). */
  acceptCalls: number | undefined;
  port = 0;
  private server: Server | undefined;

  async start(): Promise<void> {
    const server = new Server();
    server.addService(metricsV1.MetricsServiceService, {
      recordMetrics: (call: ServerUnaryCall<metricsV1.RecordMetricsRequest, metricsV1.RecordMetricsResponse>, done: sendUnaryData<metricsV1.RecordMetricsResponse>) => {
        if (this.acceptCalls === 0) this.refuse = status.UNAVAILABLE;
        if (this.refuse !== undefined) return done({ code: this.refuse, details: 'refused by the test' });
        if (this.acceptCalls !== undefined) this.acceptCalls -= 1;
        this.batches.push(call.request.samples);
        let recordedCount = 0;
        for (const s of call.request.samples) {
          const key = `${s.clientKey}@${s.time?.toISOString()}`;
          if (this.kept.has(key)) continue;
          this.kept.set(key, s);
          recordedCount += 1;
        }
        done(null, { recordedCount, duplicateCount: call.request.samples.length - recordedCount });
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${this.port}`, ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    this.server = server;
  }

  stop(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }

  /** name{labels}@minute → value, of everything kept. */
  series(): Record<string, number> {
    return Object.fromEntries(
      [...this.kept.values()].map((s) => {
        const labels = Object.entries(s.labels)
          .sort()
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        return [`${s.name}{${labels}}@${s.time?.toISOString().slice(11, 16)}`, s.value];
      }),
    );
  }
}

/** An instant of 3 December 2026 UTC, e.g. at('11:59:59.999'). */
const at = (time: string): number => Date.parse(`2026-12-03T${time}Z`);

/** Rows of a pretend table: one event per row, at a time, of a type. */
interface Row {
  /** hh:mm:ss(.sss) of the day of at(). */
  at: string;
  type: string;
}

/** The collector a service writes, over an array instead of a table: count per minute and type, like its GROUP BY. */
function countingCollector(rows: Row[], asked: MinuteRange[]): MetricsCollector {
  return async (range) => {
    asked.push(range);
    const counts = new Map<string, FeedSample>();
    for (const row of rows) {
      const t = at(row.at);
      if (t < range.from.getTime() || t >= range.to.getTime()) continue;
      const minute = new Date(Math.floor(t / 60_000) * 60_000);
      const key = `${row.type}@${minute.toISOString()}`;
      const sample = counts.get(key) ?? { name: 'events', type: 'counter', value: 0, labels: { type: row.type }, minute };
      sample.value += 1;
      counts.set(key, sample);
    }
    return [...counts.values()];
  };
}

describe('the metrics feed', () => {
  const server = new FakeMetricsService();
  let client: metricsV1.MetricsServiceClient;
  const feeds: MetricsFeed[] = [];

  beforeAll(async () => {
    await server.start();
    client = createClient(metricsV1.MetricsServiceClient, `127.0.0.1:${server.port}`, { caller: 'customers' });
  });
  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((f) => f.stop()));
    server.kept.clear();
    server.batches.length = 0;
    server.refuse = undefined;
    server.acceptCalls = undefined;
  });
  afterAll(() => {
    client.close();
    server.stop();
  });

  /** A feed on a clock the test moves; no loop unless intervalMs says so. */
  function feed(options: Partial<MetricsFeedOptions> & { collector: MetricsCollector; clock: { now: number } }): { feed: MetricsFeed; metrics: ServiceMetrics; lines: () => Record<string, unknown>[] } {
    const { logger, lines } = capturingLogger();
    const metrics = createServiceMetrics('test');
    const started = startMetricsFeed({
      service: 'test',
      client,
      logger,
      metrics,
      intervalMs: 0,
      lookbackMs: 3_600_000,
      callTimeoutMs: 2_000,
      now: () => options.clock.now,
      ...options,
    });
    feeds.push(started);
    return { feed: started, metrics, lines };
  }

  it('sends the whole minutes that ended a settle delay ago, back to the lookback, one sample per name, labels and minute', async () => {
    const rows: Row[] = [
      { at: '10:59:59.999', type: 'a' }, // before the lookback (now 12:00:10 minus 1 h): never sent
      { at: '11:00:00', type: 'a' },
      { at: '11:30:05', type: 'a' },
      { at: '11:30:50', type: 'a' },
      { at: '11:30:59.999', type: 'b' },
      { at: '11:59:00', type: 'a' },
      { at: '11:59:59.999', type: 'a' }, // the last instant of 11:59
      { at: '12:00:00', type: 'a' },
    ];
    const asked: MinuteRange[] = [];
    const clock = { now: at('12:00:10') };
    const { feed: f } = feed({ collector: countingCollector(rows, asked), clock });

    const first = await f.runOnce();
    // 12:00:10 minus the 30 s settle delay is 11:59:40: 11:59 has not ended 30 s ago.
    expect(asked).toEqual([{ from: new Date(at('11:00:00')), to: new Date(at('11:59:00')) }]);
    expect(first).toMatchObject({ sent: 3, recorded: 3, duplicates: 0 });
    expect(server.series()).toEqual({ 'events{type=a}@11:00': 1, 'events{type=a}@11:30': 2, 'events{type=b}@11:30': 1 });
    const sample = [...server.kept.values()].find((s) => s.labels.type === 'b') as metricsV1.MetricSample;
    expect(sample).toMatchObject({ type: metricsV1.MetricType.METRIC_TYPE_COUNTER, unit: '', time: new Date(at('11:30:00')) });
    expect(sample.clientKey).toBe(feedClientKey({ name: 'events', labels: { type: 'b' }, minute: new Date(at('11:30:00')) }));
    expect(f.watermark()).toEqual(new Date(at('11:59:00')));

    // 11:59 ended 29.999 s ago: still not due, nothing asked.
    clock.now = at('12:00:29.999');
    expect(await f.runOnce()).toEqual({ sent: 0, recorded: 0, duplicates: 0 });
    expect(asked).toHaveLength(1);

    // 30 s after: 11:59 and only 11:59, with the row of its last millisecond.
    clock.now = at('12:00:30');
    expect(await f.runOnce()).toMatchObject({ sent: 1, recorded: 1 });
    expect(asked[1]).toEqual({ from: new Date(at('11:59:00')), to: new Date(at('12:00:00')) });
    expect(server.series()['events{type=a}@11:59']).toBe(2);
    expect(Object.keys(server.series())).toHaveLength(4);
  });

  it('a restart or a second replica sends the same minutes with the same keys: recorded once', async () => {
    const rows: Row[] = [
      { at: '11:10:00', type: 'a' },
      { at: '11:20:00', type: 'b' },
    ];
    const clock = { now: at('12:00:40') };
    const one = feed({ collector: countingCollector(rows, []), clock });
    expect(await one.feed.runOnce()).toMatchObject({ sent: 2, recorded: 2, duplicates: 0 });
    // Another process (a restart, a replica): its watermark is now minus the lookback.
    const other = feed({ collector: countingCollector(rows, []), clock });
    expect(await other.feed.runOnce()).toMatchObject({ sent: 2, recorded: 0, duplicates: 2 });
    expect(server.series()).toEqual({ 'events{type=a}@11:10': 1, 'events{type=b}@11:20': 1 });
  });

  it('sends in batches of batchSize; the watermark passes only minutes whose samples were all acknowledged', async () => {
    const rows: Row[] = [
      { at: '11:01:00', type: 'a' },
      { at: '11:01:00', type: 'b' },
      { at: '11:02:00', type: 'a' },
      { at: '11:02:00', type: 'b' },
      { at: '11:03:00', type: 'a' },
    ];
    const asked: MinuteRange[] = [];
    const clock = { now: at('11:10:00') };
    const { feed: f } = feed({ collector: countingCollector(rows, asked), clock, batchSize: 3 });
    // The first batch (11:01 a, b and 11:02 a) goes through; the second is refused.
    server.acceptCalls = 1;
    const failed = await f.runOnce();
    expect(failed).toMatchObject({ sent: 3, error: expect.stringContaining('refused by the test') });
    expect(server.batches.map((b) => b.length)).toEqual([3]);
    // 11:01 is done; 11:02 is not (its "b" was in the refused batch).
    expect(f.watermark()).toEqual(new Date(at('11:02:00')));

    server.refuse = undefined;
    server.acceptCalls = undefined;
    expect(await f.runOnce()).toMatchObject({ sent: 3, recorded: 2, duplicates: 1 });
    expect(asked[1]).toEqual({ from: new Date(at('11:02:00')), to: new Date(at('11:09:00')) });
    expect(server.series()).toEqual({
      'events{type=a}@11:01': 1,
      'events{type=b}@11:01': 1,
      'events{type=a}@11:02': 1,
      'events{type=b}@11:02': 1,
      'events{type=a}@11:03': 1,
    });
  });

  it('with the metrics service down: a warning once, counted, nothing lost; all sent when it is back', async () => {
    const rows: Row[] = [{ at: '11:30:00', type: 'a' }];
    const clock = { now: at('12:00:40') };
    const { feed: f, metrics, lines } = feed({ collector: countingCollector(rows, []), clock });
    server.stop();
    try {
      expect((await f.runOnce()).error).toBeDefined();
      rows.push({ at: '12:00:05', type: 'a' });
      clock.now = at('12:01:40');
      expect((await f.runOnce()).error).toBeDefined();
      expect(f.watermark()).toEqual(new Date(at('11:00:00')));
    } finally {
      await server.start();
    }
    const warnings = lines().filter((l) => l.level === 'warn' || l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0].msg)).toMatch(/could not send the business metrics.*nothing is lost/);

    await eventually(async () => !(await f.runOnce()).error, { what: 'the feed to reach the restarted server' });
    expect(server.series()).toEqual({ 'events{type=a}@11:30': 1, 'events{type=a}@12:00': 1 });
    expect(lines().some((l) => /takes the samples again/.test(String(l.msg)))).toBe(true);

    const scraped = parsePrometheusText(await metrics.registry.metrics());
    expect(sampleValue(scraped, 'metrics_feed_failures_total')).toBeGreaterThanOrEqual(2);
    expect(sampleValue(scraped, 'metrics_feed_samples_sent_total')).toBe(2);
    // Now (12:01:40) minus the watermark (12:01, the first minute not sent): 40 s.
    expect(f.watermark()).toEqual(new Date(at('12:01:00')));
    expect(sampleValue(scraped, 'metrics_feed_lag_seconds')).toBe(40);
  });

  it('after an outage longer than the lookback it starts at now minus the lookback (older minutes are past it)', async () => {
    const asked: MinuteRange[] = [];
    const clock = { now: at('11:00:40') };
    const { feed: f } = feed({ collector: countingCollector([], asked), clock, lookbackMs: 600_000 });
    server.refuse = status.UNAVAILABLE;
    await f.runOnce();
    server.refuse = undefined;
    clock.now = at('13:00:40');
    await f.runOnce();
    expect(asked).toEqual([
      { from: new Date(at('10:50:00')), to: new Date(at('11:00:00')) },
      { from: new Date(at('12:50:00')), to: new Date(at('13:00:00')) },
    ]);
  });

  it('a collector that fails or answers a minute outside the range: nothing sent, tried again from the same minute', async () => {
    const clock = { now: at('12:00:40') };
    let answer: () => Promise<FeedSample[]> = async () => {
      throw new Error('the database is down');
    };
    const { feed: f } = feed({ collector: () => answer(), clock });
    expect(await f.runOnce()).toMatchObject({ sent: 0, error: 'the database is down' });
    answer = async () => [{ name: 'events', type: 'counter', value: 1, labels: {}, minute: new Date(at('12:00:00')) }];
    expect((await f.runOnce()).error).toMatch(/not a whole minute of \[2026-12-03T11:00:00.000Z, 2026-12-03T12:00:00.000Z\)/);
    expect(server.batches).toHaveLength(0);
    expect(f.watermark()).toEqual(new Date(at('11:00:00')));
  });

  it('runs on its own every intervalMs (the real clock)', async () => {
    const minuteAgo = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 120_000);
    const collector: MetricsCollector = async (range) =>
      range.from <= minuteAgo && minuteAgo < range.to ? [{ name: 'events', type: 'gauge', value: 7, unit: 'EUR', labels: { currency: 'EUR' }, minute: minuteAgo }] : [];
    const { logger } = capturingLogger();
    feeds.push(startMetricsFeed({ service: 'test', collector, client, logger, metrics: createServiceMetrics('test'), intervalMs: 50, lookbackMs: 3_600_000 }));
    const kept = await eventually(() => [...server.kept.values()][0], { what: 'the loop to send the sample' });
    expect(kept).toMatchObject({ name: 'events', type: metricsV1.MetricType.METRIC_TYPE_GAUGE, value: 7, unit: 'EUR', time: minuteAgo });
  });
});
