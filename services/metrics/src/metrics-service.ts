import { intInRange } from '@cec/config';
import { register } from '@cec/grpc';
import { customersV1, metricsV1 } from '@cec/proto';
import { defineService } from '@cec/service-runtime';
import { ENTITIES } from './entities';
import { startRetentionJob } from './retention-job';
import { metricsService } from './rpc/metrics-service';
import { RetentionStore } from './store/retention-store';
import { SampleStore } from './store/sample-store';
import { customerDirectoryFrom } from './rpc/customer-directory';
import { reportService } from './rpc/report-service';
import { ReportStore } from './store/report-store';

/** The metrics service: what it serves, the peer it asks whether a customer exists, its background work, its own variables. */
export const metricsServiceSpec = defineService({
  name: 'metrics',
  entities: ENTITIES,
  env: {
    RETENTION_INTERVAL_MS: intInRange(0, 86_400_000)({
      default: 3_600_000,
      desc: 'How often the retention job drops the days past the retention and makes the next 7 days\' partitions of system_metrics (0: never); safe on every replica.',
    }),
  },
  clients: {
    customers: { peer: 'customers', client: customersV1.CustomerServiceClient },
  },
  services: ({ orm, clients }) => [
    register(metricsV1.MetricsServiceService, metricsService({ samples: new SampleStore(orm), retention: new RetentionStore(orm) })),
    register(metricsV1.ReportServiceService, reportService(new ReportStore(orm), customerDirectoryFrom(clients.customers))),
  ],
  background: ({ orm, logger, metrics, settings }) => [startRetentionJob(orm, logger, metrics, settings.RETENTION_INTERVAL_MS)],
});
