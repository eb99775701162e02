import { status } from '@grpc/grpc-js';
import { useCustomersService } from '../../testing/customers-harness';
import { invoiceFixtures, UNKNOWN_ID } from './testing-fixtures';

const h = useCustomersService();
const { newCustomer, createInvoice, getInvoice, expectFailure, expectInvalid } = invoiceFixtures(h);

// ---------------------------------------------------------------------------------------------
// GetInvoice
// ---------------------------------------------------------------------------------------------

describe('GetInvoice', () => {
  it('refuses a malformed id', async () => {
    await expectInvalid(() => getInvoice('42'), 'invoice_id');
    await expectInvalid(() => getInvoice(''), 'invoice_id');
  });

  it('says NOT_FOUND for an unknown invoice', async () => {
    await expectFailure(() => getInvoice(UNKNOWN_ID), status.NOT_FOUND, `invoice ${UNKNOWN_ID} not found`);
  });

  it('finds an invoice by its id in upper case', async () => {
    const invoice = await createInvoice(await newCustomer());
    expect((await getInvoice(invoice.id.toUpperCase())).id).toBe(invoice.id);
  });
});
