import { FailedPreconditionError, NotFoundError, Violations, type InvalidArgumentError } from '@cec/errors';
import { checkCampaignFields, checkInvoiceIds } from './campaign';
import { anchorDueDate, campaignableInvoices, type InvoiceFacts } from './campaign-invoices';
import { firstStepDue } from './campaign-schedule';

const CUSTOMER = '11111111-0000-4000-8000-000000000001';
const OTHER = '11111111-0000-4000-8000-000000000002';
const id = (n: number) => `22222222-0000-4000-8000-${String(n).padStart(12, '0')}`;
const invoice = (n: number, overrides: Partial<InvoiceFacts> = {}): InvoiceFacts => ({
  id: id(n), customerId: CUSTOMER, invoiceNumber: `INV-${n}`, status: 'overdue', dueDate: '2026-03-01', ...overrides,
});

function violations(work: (v: Violations) => void): string[] {
  const v = new Violations();
  work(v);
  try {
    v.throwIfAny();
    return [];
  } catch (error) {
    return (error as InvalidArgumentError).violations.map((x) => `${x.field}: ${x.description}`);
  }
}

describe('campaign fields', () => {
  it.each<[string, { name: string; description: string }, string[]]>([
    ['a good one', { name: ' Acme overdue ', description: '' }, []],
    ['no name', { name: '', description: '' }, ['campaign.name: is required']],
    ['a long description', { name: 'x', description: 'd'.repeat(2001) }, ['campaign.description: must be at most 2000 characters, got 2001']],
  ])('%s', (_name, input, expected) => {
    expect(violations((v) => checkCampaignFields(v, input))).toEqual(expected);
  });

  it('trims the name and keeps an empty description as none', () => {
    expect(checkCampaignFields(new Violations(), { name: ' Acme ', description: ' ' })).toEqual({ name: 'Acme', description: null });
  });
});

describe('invoice ids', () => {
  it.each<[string, string[], string[]]>([
    ['none', [], ['campaign.invoice_ids: needs 1-100 invoice ids: the customer\'s unpaid invoices the campaign chases']],
    ['too many', Array.from({ length: 101 }, (_, i) => id(i)), ['campaign.invoice_ids: takes at most 100 invoices, got 101']],
    ['a bad one', [id(1), 'INV-7'], ['campaign.invoice_ids[1]: must be a UUID, got "INV-7"']],
    ['a repeat (any case)', [id(1), id(2), id(1).toUpperCase()], ['campaign.invoice_ids[2]: repeats campaign.invoice_ids[0]: name each invoice once']],
  ])('%s', (_name, ids, expected) => {
    expect(violations((v) => checkInvoiceIds(v, ids))).toEqual(expected);
  });

  it('returns them lower-cased in request order', () => {
    expect(checkInvoiceIds(new Violations(), [id(2).toUpperCase(), id(1)])).toEqual([id(2), id(1)]);
  });
});

describe('campaignableInvoices', () => {
  it('answers the customer\'s unpaid invoices in request order', () => {
    const found = new Map([invoice(1, { status: 'pending' }), invoice(2, { status: 'partial' }), invoice(3)].map((i) => [i.id, i]));
    expect(campaignableInvoices(CUSTOMER, [id(3), id(1), id(2)], found).map((i) => i.id)).toEqual([id(3), id(1), id(2)]);
  });

  it('an unknown invoice is NOT_FOUND, naming each', () => {
    const found = new Map([[id(1), invoice(1)]]);
    expect(() => campaignableInvoices(CUSTOMER, [id(1), id(2), id(3)], found)).toThrow(new NotFoundError(`invoices ${id(2)}, ${id(3)} not found`));
  });

  it('another customer\'s, a paid and a cancelled invoice are FAILED_PRECONDITION, each named', () => {
    const found = new Map([invoice(1, { customerId: OTHER }), invoice(2, { status: 'paid' }), invoice(3, { status: 'cancelled' }), invoice(4)].map((i) => [i.id, i]));
    const work = () => campaignableInvoices(CUSTOMER, [id(1), id(2), id(3), id(4)], found);
    expect(work).toThrow(FailedPreconditionError);
    expect(work).toThrow(
      `a campaign chases the customer's unpaid invoices only: invoice INV-1 (${id(1)}) belongs to another customer; ` +
        `invoice INV-2 (${id(2)}) is paid: nothing is owed on it; invoice INV-3 (${id(3)}) is cancelled: nothing is owed on it`,
    );
  });

  it('anchors due-date steps to the earliest due date', () => {
    expect(anchorDueDate([{ dueDate: '2026-03-10' }, { dueDate: '2025-12-31' }, { dueDate: '2026-01-15' }])).toBe('2025-12-31');
  });
});

describe('firstStepDue', () => {
  const now = new Date('2026-03-05T10:00:00Z');
  it.each<[number, string, string]>([
    [-3, '2026-03-10', '2026-03-07T00:00:00.000Z'],
    [1, '2026-03-10', '2026-03-11T00:00:00.000Z'],
    [0, '2026-03-05', '2026-03-05T10:00:00.000Z'], // today began before now: due now
    [1, '2026-02-01', '2026-03-05T10:00:00.000Z'], // long past: due now
    [-3, '2026-03-08', '2026-03-05T10:00:00.000Z'],
    [-3, '2026-03-09', '2026-03-06T00:00:00.000Z'],
  ])('delay %i from %s is due at %s', (delayDays, anchor, expected) => {
    expect(firstStepDue({ delayDays }, anchor, now).toISOString()).toBe(expected);
  });
});
