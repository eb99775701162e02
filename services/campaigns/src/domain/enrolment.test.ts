import { enrollable, enrolmentDescription, enrolmentName, enrolmentRequestId, enrolmentsDue, type EnrolmentRules, type OverdueInvoice } from './enrolment';
import { meetsMinimumOverdue } from './step-conditions';

const TODAY = '2026-03-31';
const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';
const C = 'cccccccc-0000-4000-8000-000000000003';

let serial = 0;
function invoice(customerId: string, amount: string, currency = 'USD', daysOverdue = 10, overrides: Partial<OverdueInvoice> = {}): OverdueInvoice {
  serial += 1;
  const due = new Date(Date.parse(`${TODAY}T00:00:00Z`) - daysOverdue * 86_400_000).toISOString().slice(0, 10);
  return {
    id: `00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`,
    customerId,
    invoiceNumber: `INV-${serial}`,
    status: 'overdue',
    dueDate: due,
    balance: amount,
    currency,
    daysOverdue,
    ...overrides,
  };
}

const rules = (overrides: Partial<EnrolmentRules> = {}): EnrolmentRules => ({
  minOverdueAmounts: { USD: '100.00', EUR: '100.00' },
  minDaysOverdue: 7,
  excludedCustomerIds: [],
  ...overrides,
});

describe('meetsMinimumOverdue (the rule of step conditions and of the enrolment policy)', () => {
  it.each([
    ['exactly the minimum', { USD: '100.00' }, { USD: '100.00' }, true],
    ['a cent under it', { USD: '100.00' }, { USD: '99.99' }, false],
    ['another currency meets its own minimum', { USD: '100.00', EUR: '50.00' }, { USD: '10.00', EUR: '50.00' }, true],
    ['amounts are not added across currencies', { USD: '100.00', EUR: '100.00' }, { USD: '60.00', EUR: '60.00' }, false],
    ['a currency without a minimum: any amount', { USD: '100.00' }, { JPY: '1' }, true],
    ['no minimum at all: any amount', {}, { USD: '0.01' }, true],
    ['nothing overdue never meets it', {}, {}, false],
    ['a minimum of zero: any amount above zero', { USD: '0' }, { USD: '0.01' }, true],
  ])('%s', (_name, minimums, overdue, expected) => {
    expect(meetsMinimumOverdue(minimums, overdue)).toBe(expected);
  });
});

describe('enrollable', () => {
  const chased = new Set<string>();
  it.each([
    ['on the days edge', invoice(A, '500.00', 'USD', 7), rules(), true],
    ['a day short', invoice(A, '500.00', 'USD', 6), rules(), false],
    ['zero days asked: any overdue invoice', invoice(A, '500.00', 'USD', 1), rules({ minDaysOverdue: 0 }), true],
    ['an excluded customer', invoice(A, '500.00'), rules({ excludedCustomerIds: [A] }), false],
    ['nothing owed on it', invoice(A, '0.00'), rules(), false],
  ])('%s', (_name, inv, r, expected) => {
    expect(enrollable(r, inv, chased)).toBe(expected);
  });

  it('an invoice that ever had a campaign (running, cancelled or completed) is not enrolled again', () => {
    const inv = invoice(A, '500.00');
    expect(enrollable(rules(), inv, new Set([inv.id]))).toBe(false);
  });
});

describe('enrolmentsDue', () => {
  it('groups per customer, keeps customers meeting a currency minimum on the edge, drops the others', () => {
    const a1 = invoice(A, '60.00', 'USD', 20);
    const a2 = invoice(A, '40.00', 'USD', 8); // together 100.00 USD: on the edge
    const b1 = invoice(B, '99.99', 'USD'); // a cent short
    const c1 = invoice(C, '5.00', 'AUD'); // no AUD minimum: any amount
    const due = enrolmentsDue(rules(), [a2, b1, c1, a1], new Set(), TODAY);
    expect(due.map((e) => [e.customerId, e.invoices.map((i) => i.id), e.overdue])).toEqual([
      [A, [a1.id, a2.id], { USD: '100.00' }],
      [C, [c1.id], { AUD: '5.00' }],
    ]);
  });

  it('checks the minimum on the invoices the campaign would chase, not on ones already chased', () => {
    const big = invoice(A, '5000.00');
    const small = invoice(A, '10.00');
    expect(enrolmentsDue(rules(), [big, small], new Set([big.id]), TODAY)).toEqual([]);
    expect(enrolmentsDue(rules(), [big, small], new Set(), TODAY)[0].invoices).toHaveLength(2);
  });

  it('leaves out invoices too recent, then checks the minimum on the rest', () => {
    const old = invoice(A, '80.00', 'USD', 30);
    const recent = invoice(A, '80.00', 'USD', 3);
    expect(enrolmentsDue(rules(), [old, recent], new Set(), TODAY)).toEqual([]);
    expect(enrolmentsDue(rules({ minDaysOverdue: 3 }), [old, recent], new Set(), TODAY)[0].overdue).toEqual({ USD: '160.00' });
  });

  it('an invoice listed twice (pages moving under the listing) is taken once', () => {
    const a1 = invoice(A, '500.00');
    expect(enrolmentsDue(rules(), [a1, { ...a1 }], new Set(), TODAY)[0].invoices).toHaveLength(1);
  });

  it('more than 100 invoices: one campaign per 100, oldest first', () => {
    const many = Array.from({ length: 230 }, (_, i) => invoice(A, '1.00', 'USD', 300 - i));
    const due = enrolmentsDue(rules({ minOverdueAmounts: {} }), many, new Set(), TODAY);
    expect(due.map((e) => e.invoices.length)).toEqual([100, 100, 30]);
    expect(due[0].invoices[0].id).toBe(many[0].id);
    expect(new Set(due.map((e) => e.requestId)).size).toBe(3);
  });

  it('the request id: the same customer and invoices in any order give the same UUID (v5); other invoices another', () => {
    const id = enrolmentRequestId(A, ['2', '1']);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(enrolmentRequestId(A.toUpperCase(), ['1', '2'])).toBe(id);
    expect(enrolmentRequestId(A, ['1'])).not.toBe(id);
    expect(enrolmentRequestId(B, ['1', '2'])).not.toBe(id);
  });

  it('names and describes the campaign', () => {
    const [e] = enrolmentsDue(rules(), [invoice(A, '1200.50', 'USD', 12)], new Set(), TODAY);
    expect(enrolmentName('standard-b2b', e)).toBe(`standard-b2b: 1 overdue invoice since ${e.invoices[0].dueDate}`);
    expect(enrolmentDescription(e, 7)).toContain('Overdue: 1,200.50 USD. Invoices: INV-');
    const many = enrolmentsDue(rules(), Array.from({ length: 100 }, () => invoice(A, '10.00', 'USD', 10, { invoiceNumber: 'X'.repeat(64) })), new Set(), TODAY)[0];
    expect(enrolmentDescription(many, 7).length).toBeLessThanOrEqual(2000);
  });
});
