/**
 * The customers service's /metrics as Prometheus scrapes it: valid text, the calls made
 * counted, payments recorded by currency (a retry not counted twice).
 */
import { randomUUID } from 'node:crypto';
import { customersV1 } from '@cec/proto';
import { call, sampleValue, scrapeMetrics } from '@cec/testing';
import { useCustomersService } from './testing/customers-harness';

const h = useCustomersService();
const RECORD_PAYMENT = '/escalation.customers.v1.InvoiceService/RecordPayment';

describe('the customers service /metrics', () => {
  it('counts RecordPayment calls and the payments recorded by currency, a retry once', async () => {
    const { customer } = await call(h.customers, 'createCustomer', {
      customer: customersV1.Customer.fromPartial({ companyName: 'Metrics GmbH', contactName: 'Erika Muster', email: 'ap@metrics.example', phone: '+4930123456' }),
      profile: customersV1.CustomerProfile.fromPartial({ timeZone: 'Europe/Berlin', countryCode: 'DE' }),
      requestId: randomUUID(),
    });
    const { invoice } = await call(h.invoices, 'createInvoice', {
      invoice: customersV1.Invoice.fromPartial({
        customerId: customer?.id,
        invoiceNumber: 'MET-1',
        amount: { currencyCode: 'EUR', amount: '100.00' },
        issuedDate: '2026-09-01',
        dueDate: '2026-10-01',
      }),
      requestId: randomUUID(),
    });
    const before = await scrapeMetrics(h.kit.metricsAddress);
    const pay = (amount: string, requestId: string) =>
      call(h.invoices, 'recordPayment', { invoiceId: invoice?.id as string, amount: { currencyCode: 'EUR', amount }, paidDate: '', reference: '', requestId });
    const first = randomUUID();
    await pay('30.00', first);
    await pay('30.00', first); // a retry: the same payment
    await pay('20.00', randomUUID());

    const after = await scrapeMetrics(h.kit.metricsAddress);
    expect(after.get('customers_payments_recorded_total')?.type).toBe('counter');
    expect(sampleValue(after, 'customers_payments_recorded_total', { currency: 'EUR' }) - sampleValue(before, 'customers_payments_recorded_total', { currency: 'EUR' })).toBe(2);
    expect(sampleValue(after, 'grpc_server_handled_total', { method: RECORD_PAYMENT, code: 'OK' }) - sampleValue(before, 'grpc_server_handled_total', { method: RECORD_PAYMENT, code: 'OK' })).toBe(3);
    expect(sampleValue(after, 'grpc_server_handling_seconds_bucket', { method: RECORD_PAYMENT, code: 'OK', le: '+Inf' })).toBe(3);
  });
});
