import { intInRange } from '@cec/config';
import { register } from '@cec/grpc';
import { customersV1 } from '@cec/proto';
import { defineService, METRICS_FEED_CLIENT, METRICS_FEED_ENV, metricsFeedOf } from '@cec/service-runtime';
import { customersBusinessMetrics } from './business-metrics';
import { ENTITIES } from './entities';
import { startOverdueSweeper } from './overdue-sweeper';
import { paymentMetrics } from './payment-metrics';
import { customerService } from './rpc/customer-service';
import { invoiceService } from './rpc/invoice-service';
import { BalanceStore } from './store/balance-store';
import { ContactOutcomeStore } from './store/contact-outcome-store';
import { CustomerStore } from './store/customer-store';
import { InvoiceStore } from './store/invoice-store';
import { OverdueStore } from './store/overdue-store';
import { PaymentStore } from './store/payment-store';

/** The customers service: what it serves and the variables of its own (ports and role: the service directory). */
export const customersServiceSpec = defineService({
  name: 'customers',
  entities: ENTITIES,
  env: {
    OVERDUE_SWEEP_INTERVAL_MS: intInRange(0, 7 * 86_400_000)({
      default: 3_600_000,
      desc: 'How often the service marks pending invoices past due as overdue (0: never; SweepOverdueInvoices still works).',
    }),
    ...METRICS_FEED_ENV,
  },
  clients: { metricsService: METRICS_FEED_CLIENT },
  services: ({ orm, metrics }) => [
    register(customersV1.CustomerServiceService, customerService(new CustomerStore(orm), new ContactOutcomeStore(orm))),
    register(
      customersV1.InvoiceServiceService,
      invoiceService({ invoices: new InvoiceStore(orm), payments: new PaymentStore(orm, paymentMetrics(metrics)), overdue: new OverdueStore(orm), balances: new BalanceStore(orm) }),
    ),
  ],
  background: (deps) => [
    startOverdueSweeper(new OverdueStore(deps.orm), deps.settings.OVERDUE_SWEEP_INTERVAL_MS, deps.logger),
    metricsFeedOf('customers', deps, customersBusinessMetrics(deps.orm)),
  ],
});
