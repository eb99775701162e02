import { status } from '@grpc/grpc-js';
import { useCustomersService } from '../../testing/customers-harness';
import { invoiceFixtures, InvoiceStatus, UNKNOWN_ID, usd, type Invoice } from './testing-fixtures';

const h = useCustomersService();
const { newCustomer, createInvoice, createOverdue, pay, cancel, getInvoice, databaseState, expectFailure, expectInvalid, auditEvents, profile } = invoiceFixtures(h);

// ---------------------------------------------------------------------------------------------
// CancelInvoice
// ---------------------------------------------------------------------------------------------

describe('CancelInvoice', () => {
  let customer: string;
  beforeAll(async () => {
    customer = await newCustomer('Cancel Co');
  });

  it.each([
    ['pending', () => createInvoice(customer), InvoiceStatus.INVOICE_STATUS_PENDING],
    ['overdue', () => createOverdue(customer, 5), InvoiceStatus.INVOICE_STATUS_OVERDUE],
    [
      'partial',
      async () => {
        const invoice = await createInvoice(customer, { amount: usd('100') });
        return (await pay(invoice.id, '25')).invoice as Invoice;
      },
      InvoiceStatus.INVOICE_STATUS_PARTIAL,
    ],
  ])('cancels a %s invoice with its reason and time', async (_label, make, statusBefore) => {
    const invoice = await make();
    expect(invoice.status).toBe(statusBefore);
    const started = Date.now();
    const cancelled = await cancel(invoice.id, '  duplicate of another invoice ');
    expect(cancelled).toMatchObject({
      id: invoice.id,
      status: InvoiceStatus.INVOICE_STATUS_CANCELLED,
      cancellationReason: 'duplicate of another invoice',
      amountPaid: invoice.amountPaid,
    });
    expect(Math.abs((cancelled.cancelTime as Date).getTime() - started)).toBeLessThan(60_000);
    expect(await getInvoice(invoice.id)).toEqual(cancelled);
    const events = await auditEvents(invoice.id, 'cancelled');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor_type: 'user', actor_id: 'ops@example.com', details: { reason: 'duplicate of another invoice', after: { status: 'cancelled' } } });
  });

  it('refreshes the risk: cancelling the only overdue invoice leaves only the unknown responsiveness', async () => {
    const fresh = await newCustomer();
    const invoice = await createOverdue(fresh, 30, { amount: usd('1000') });
    expect((await profile(fresh)).risk_score).toBe(45);
    await cancel(invoice.id);
    expect(await profile(fresh)).toMatchObject({ risk_score: 5, risk_level: 'low' });
  });

  it('refuses to cancel a paid invoice', async () => {
    const invoice = await createInvoice(customer, { amount: usd('10') });
    await pay(invoice.id, '10');
    await expectFailure(() => cancel(invoice.id), status.FAILED_PRECONDITION, `invoice ${invoice.id} is paid: a paid invoice cannot be cancelled`);
  });

  it('returns a cancelled invoice unchanged when cancelled again', async () => {
    const invoice = await createInvoice(customer);
    const first = await cancel(invoice.id, 'first reason');
    const before = await databaseState();
    const again = await cancel(invoice.id, 'second reason');
    expect(again).toEqual(first);
    expect(again.cancellationReason).toBe('first reason');
    expect(await databaseState()).toEqual(before);
    expect(await auditEvents(invoice.id, 'cancelled')).toHaveLength(1);
  });

  it('says NOT_FOUND for an unknown invoice', async () => {
    await expectFailure(() => cancel(UNKNOWN_ID), status.NOT_FOUND, `invoice ${UNKNOWN_ID} not found`);
  });

  it.each([
    ['no reason', '', 'reason'],
    ['a blank reason', '   ', 'reason'],
    ['a reason of 1001 characters', 'r'.repeat(1001), 'reason'],
  ])('refuses %s', async (_label, reason, field) => {
    const invoice = await createInvoice(customer);
    await expectInvalid(() => cancel(invoice.id, reason), field);
  });

  it('refuses a malformed invoice_id', async () => {
    await expectInvalid(() => cancel('inv-1'), 'invoice_id');
  });
});
