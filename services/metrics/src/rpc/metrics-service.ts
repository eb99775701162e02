import type { CallContext } from '@cec/context';
import { InvalidArgumentError, Violations } from '@cec/errors';
import { decodePageToken, filterFingerprint, pageSize, paginate, type AsyncService } from '@cec/grpc';
import type { metricsV1 } from '@cec/proto';
import { checkRange, type Aggregate, type Bucket, type MetricQuery } from '../domain/queries';
import { checkRetentionDays } from '../domain/retention';
import { acceptedTimes, checkLabels, checkName, checkSample, MAX_SAMPLES, type MetricType, type Sample } from '../domain/samples';
import type { RetentionRecord, RetentionStore } from '../store/retention-store';
import type { SampleStore } from '../store/sample-store';
import { aggregates, buckets, metricTypes } from './enums';

/** Who recorded a sample: the service that made the call (also when it called on someone's behalf), else the caller. */
const sourceOf = (call: CallContext): string => (call.actor.via ?? `${call.actor.type}:${call.actor.id}`).slice(0, 100);

const retentionToProto = (r: RetentionRecord): metricsV1.Retention => ({ days: r.days, updateTime: r.setAt, updatedBy: r.setBy ?? '' });

/** escalation.metrics.v1.MetricsService over system_metrics and metrics_retention. */
export function metricsService(deps: { samples: SampleStore; retention: RetentionStore }): AsyncService<metricsV1.MetricsServiceServer> {
  const { samples, retention } = deps;
  return {
    async recordMetrics(request, context) {
      if (request.samples.length === 0 || request.samples.length > MAX_SAMPLES) {
        throw InvalidArgumentError.field('samples', `must hold 1-${MAX_SAMPLES} samples, got ${request.samples.length}`);
      }
      const { days } = await retention.get();
      const accepted = acceptedTimes(new Date(), days);
      const v = new Violations();
      const batch = request.samples.map((s, i): Sample => {
        const field = `samples[${i}]`;
        const type = metricTypes.from(s.type, v, `${field}.type`, 'metric type');
        checkSample(v, field, { name: s.name, value: s.value, unit: s.unit, labels: s.labels, time: s.time, clientKey: s.clientKey }, accepted, days);
        return { name: s.name, type: type as MetricType, value: s.value, unit: s.unit || null, labels: s.labels, time: s.time as Date, clientKey: s.clientKey };
      });
      v.throwIfAny();
      const recorded = await samples.record(batch, sourceOf(context));
      return { recordedCount: recorded, duplicateCount: batch.length - recorded };
    },

    async queryMetrics(request) {
      const v = new Violations();
      checkName(v, 'name', request.name);
      checkLabels(v, 'label_filters', request.labelFilters);
      const bucket = buckets.from(request.bucket, v, 'bucket', 'time bucket');
      const aggregate = aggregates.from(request.aggregate, v, 'aggregate', 'aggregate');
      checkRange(v, request.startTime, request.endTime, bucket);
      v.throwIfAny();
      const query: MetricQuery = { name: request.name, labels: request.labelFilters, start: request.startTime as Date, end: request.endTime as Date, bucket: bucket as Bucket, aggregate: aggregate as Aggregate };
      const points = await samples.query(query);
      // No bucket: a name nothing was recorded under is a mistake, not an empty series.
      if (points.length === 0 && !(await samples.hasName(query.name))) {
        throw InvalidArgumentError.field('name', `no samples of "${query.name}" are kept; ListMetricNames lists the names that have some`);
      }
      return { points: points.map((p) => ({ startTime: p.start, value: p.value, sampleCount: String(p.count) })) };
    },

    async listMetricNames(request) {
      const size = pageSize(request.pageSize, { default: 100, max: 1000 });
      const fingerprint = filterFingerprint({});
      const after = decodePageToken(request.pageToken, fingerprint, ['text']);
      const rows = await samples.listNames(after?.[0] ?? '', size + 1);
      const { page, nextPageToken } = paginate(rows, size, (r) => [r.name], fingerprint);
      return {
        metricNames: page.map((r) => ({ name: r.name, type: metricTypes.to(r.type), unit: r.unit ?? '', lastSampleTime: r.lastSampleTime })),
        nextPageToken,
      };
    },

    async getRetention() {
      return { retention: retentionToProto(await retention.get()) };
    },

    async updateRetention(request, context) {
      const v = new Violations();
      checkRetentionDays(v, 'days', request.days);
      v.throwIfAny();
      return { retention: retentionToProto(await retention.update(request.days, context)) };
    },
  };
}
