import { Counter } from 'prom-client';
import type { ServiceMetrics } from '@cec/observability';
import type { Payment } from './entities';

/**
 * `customers_payments_recorded_total{currency}`: payments recorded (RecordPayment), counted in
 * memory once committed; a retry given its payment again is not counted. The currency is an
 * ISO 4217 code (few values); amounts are not metrics here (the metrics service and the
 * reports sum them per currency).
 */
export function paymentMetrics(metrics: ServiceMetrics): (payment: Payment) => void {
  const recorded = new Counter({
    name: 'customers_payments_recorded_total',
    help: 'Payments recorded against invoices, by currency (a retry given its payment again is not counted).',
    labelNames: ['currency'] as const,
    registers: [metrics.registry],
  });
  return (payment) => recorded.inc({ currency: payment.currency });
}
