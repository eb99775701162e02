import { metricsV1 } from '@cec/proto';
import { call, expectInvalid } from '@cec/testing';
import { useMetricsService } from '../../testing/metrics-harness';

const h = useMetricsService();
const { MetricType } = metricsV1;
const AS_CAMPAIGNS = { metadata: { 'x-actor': 'service:campaigns' } };

const sample = (overrides: Partial<metricsV1.MetricSample> = {}): metricsV1.MetricSample =>
  metricsV1.MetricSample.fromPartial({
    name: 'tasks_created',
    type: MetricType.METRIC_TYPE_COUNTER,
    value: 1,
    labels: { channel: 'sms' },
    time: new Date(Date.now() - 60_000),
    clientKey: `k-${Math.random()}`,
    ...overrides,
  });

const rows = (name: string) =>
  h.db.query<{ metric_type: string; value: string; unit: string | null; labels: object; source: string; client_key: string; recorded_at: Date }>(
    'SELECT metric_type, value::text, unit, labels, source, client_key, recorded_at FROM system_metrics WHERE metric_name = $1 ORDER BY recorded_at, client_key',
    [name],
  );

describe('MetricsService.RecordMetrics', () => {
  it('records a batch as the calling service, and a retried batch once (by source, client key and time)', async () => {
    const t = new Date(Date.now() - 120_000);
    const batch = [
      sample({ name: 'payments_recovered', type: MetricType.METRIC_TYPE_COUNTER, value: 1250.5, unit: 'EUR', labels: { currency: 'EUR' }, time: t, clientKey: 'pay-1' }),
      sample({ name: 'payments_recovered', type: MetricType.METRIC_TYPE_COUNTER, value: 99.25, unit: 'USD', labels: { currency: 'USD' }, time: t, clientKey: 'pay-2' }),
    ];
    expect(await call(h.metrics, 'recordMetrics', { samples: batch }, AS_CAMPAIGNS)).toEqual({ recordedCount: 2, duplicateCount: 0 });
    expect(await call(h.metrics, 'recordMetrics', { samples: batch }, AS_CAMPAIGNS)).toEqual({ recordedCount: 0, duplicateCount: 2 });
    // One new sample in a retried batch is recorded; the old ones are not.
    const third = sample({ name: 'payments_recovered', value: 10, unit: 'EUR', labels: { currency: 'EUR' }, time: t, clientKey: 'pay-3' });
    expect(await call(h.metrics, 'recordMetrics', { samples: [...batch, third] }, AS_CAMPAIGNS)).toEqual({ recordedCount: 1, duplicateCount: 2 });
    // The same key from another source is another sample.
    expect(await call(h.metrics, 'recordMetrics', { samples: [batch[0]] }, { metadata: { 'x-actor': 'service:customers' } })).toEqual({ recordedCount: 1, duplicateCount: 0 });
    expect(await rows('payments_recovered')).toEqual([
      { metric_type: 'counter', value: '1250.5', unit: 'EUR', labels: { currency: 'EUR' }, source: 'service:campaigns', client_key: 'pay-1', recorded_at: t },
      { metric_type: 'counter', value: '1250.5', unit: 'EUR', labels: { currency: 'EUR' }, source: 'service:customers', client_key: 'pay-1', recorded_at: t },
      { metric_type: 'counter', value: '99.25', unit: 'USD', labels: { currency: 'USD' }, source: 'service:campaigns', client_key: 'pay-2', recorded_at: t },
      { metric_type: 'counter', value: '10', unit: 'EUR', labels: { currency: 'EUR' }, source: 'service:campaigns', client_key: 'pay-3', recorded_at: t },
    ]);
  });

  it('records a key twice in one batch once', async () => {
    const s = sample({ name: 'decisions_made', clientKey: 'twice' });
    expect(await call(h.metrics, 'recordMetrics', { samples: [s, s] }, AS_CAMPAIGNS)).toEqual({ recordedCount: 1, duplicateCount: 1 });
  });

  it('refuses a batch with one bad sample, naming the sample and its field, and records none of it', async () => {
    const [{ n: before }] = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM system_metrics');
    const good = sample({ name: 'steps_taken' });
    const cases: [Partial<metricsV1.MetricSample>, string][] = [
      [{ name: 'Bad-Name' }, 'samples[1].name'],
      [{ name: '' }, 'samples[1].name'],
      [{ type: MetricType.METRIC_TYPE_UNSPECIFIED }, 'samples[1].type'],
      [{ type: 42 as metricsV1.MetricType }, 'samples[1].type'],
      [{ value: Number.NaN }, 'samples[1].value'],
      [{ value: Number.POSITIVE_INFINITY }, 'samples[1].value'],
      [{ unit: 'u'.repeat(33) }, 'samples[1].unit'],
      [{ labels: { 'Bad Key': 'x' } }, 'samples[1].labels[Bad Key]'],
      [{ labels: { channel: 'x'.repeat(201) } }, 'samples[1].labels[channel]'],
      [{ labels: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`l${i}`, 'x'])) }, 'samples[1].labels'],
      [{ time: undefined }, 'samples[1].time'],
      // Older than the retention (90 days), more than an hour ahead.
      [{ time: new Date(Date.now() - 91 * 86_400_000) }, 'samples[1].time'],
      [{ time: new Date(Date.now() + 3_700_000) }, 'samples[1].time'],
      [{ clientKey: '' }, 'samples[1].client_key'],
      [{ clientKey: 'k'.repeat(201) }, 'samples[1].client_key'],
    ];
    for (const [bad, field] of cases) {
      await expectInvalid(call(h.metrics, 'recordMetrics', { samples: [good, sample(bad), sample({ name: 'steps_taken' })] }, AS_CAMPAIGNS), [field]);
    }
    await expectInvalid(call(h.metrics, 'recordMetrics', { samples: [] }, AS_CAMPAIGNS), ['samples']);
    await expectInvalid(call(h.metrics, 'recordMetrics', { samples: Array.from({ length: 1001 }, () => sample()) }, AS_CAMPAIGNS), ['samples']);
    expect(await h.db.query('SELECT count(*)::int AS n FROM system_metrics')).toEqual([{ n: before }]);
  });

  it('takes a batch of 1,000, and a late sample of a day whose partition is missing (made, then recorded)', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => sample({ name: 'queue_depth', type: MetricType.METRIC_TYPE_GAUGE, value: i, clientKey: `q-${i}` }));
    expect(await call(h.metrics, 'recordMetrics', { samples: many }, AS_CAMPAIGNS)).toEqual({ recordedCount: 1000, duplicateCount: 0 });
    // 40 days back: the test database's partitions start on the day it was migrated.
    const day = new Date(Date.now() - 40 * 86_400_000);
    const partition = `system_metrics_p${day.toISOString().slice(0, 10).replace(/-/g, '')}`;
    expect(await h.db.query('SELECT to_regclass($1) AS t', [partition])).toEqual([{ t: null }]);
    expect(await call(h.metrics, 'recordMetrics', { samples: [sample({ name: 'late_sample', time: day, clientKey: 'late' })] }, AS_CAMPAIGNS)).toEqual({
      recordedCount: 1,
      duplicateCount: 0,
    });
    expect(await h.db.query("SELECT tableoid::regclass::text AS t FROM system_metrics WHERE metric_name = 'late_sample'")).toEqual([{ t: partition }]);
  });

  it('accepts times within the retention it is set to', async () => {
    await h.db.query('UPDATE metrics_retention SET days = 2');
    try {
      await expectInvalid(call(h.metrics, 'recordMetrics', { samples: [sample({ time: new Date(Date.now() - 3 * 86_400_000) })] }, AS_CAMPAIGNS), ['samples[0].time']);
      expect((await call(h.metrics, 'recordMetrics', { samples: [sample({ time: new Date(Date.now() - 86_400_000) })] }, AS_CAMPAIGNS)).recordedCount).toBe(1);
    } finally {
      await h.db.query('UPDATE metrics_retention SET days = 90');
    }
  });
});
