import { register } from '@cec/grpc';
import { intInRange, readEnv } from '@cec/config';
import { customersV1 } from '@cec/proto';
import type { ServiceSpec } from '@cec/service-runtime';
import { ENTITIES } from './entities';
import { startOverdueSweeper } from './overdue-sweeper';
import { customerService } from './rpc/customer-service';
import { invoiceService } from './rpc/invoice-service';
import { CustomerStore } from './store/customer-store';
import { InvoiceStore } from './store/invoice-store';

const customersEnv = {
  OVERDUE_SWEEP_INTERVAL_MS: intInRange(0, 7 * 86_400_000)({
    default: 3_600_000,
    desc: 'How often the service marks pending invoices past due as overdue (0: never; SweepOverdueInvoices still works).',
  }),
};

/** The customers service: what it serves, as which database role, on which default ports. */
export const customersServiceSpec: ServiceSpec = {
  name: 'customers',
  role: 'customers_svc',
  defaultGrpcPort: 50051,
  defaultMetricsPort: 9451,
  entities: ENTITIES,
  services: ({ orm }) => [
    register(customersV1.CustomerServiceService, customerService(new CustomerStore(orm))),
    register(customersV1.InvoiceServiceService, invoiceService(new InvoiceStore(orm))),
  ],
  background: ({ orm, logger, env }) => [
    startOverdueSweeper(new InvoiceStore(orm), readEnv(customersEnv, env).OVERDUE_SWEEP_INTERVAL_MS, logger),
  ],
};
