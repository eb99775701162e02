import { metricsV1 } from '@cec/proto';
import { call, expectInvalid } from '@cec/testing';
import { todayUtc } from '@cec/validation';
import { agingBucketOf } from '../../domain/reports/aging-buckets';
import { useReportService } from './report-harness';
import { reportFixtures } from './report-fixtures';

const h = useReportService();
const f = reportFixtures(h);
const { AGING_BUCKET_CURRENT, AGING_BUCKET_DAYS_1_TO_30, AGING_BUCKET_DAYS_31_TO_60, AGING_BUCKET_DAYS_61_TO_90, AGING_BUCKET_DAYS_OVER_90 } = metricsV1.AgingBucket;

/** The day the receivables are taken at (its close), and a date `days` before it. */
const AS_OF = '2026-03-31';
const before = (days: number): string => new Date(Date.parse(`${AS_OF}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

describe('GetOverdueAging', () => {
  beforeAll(async () => {
    const c = await f.customer('Aging Ltd');
    const unpaid = (amount: string, daysPastDue: number, currency = 'USD') =>
      f.invoice({ customerId: c, amount, currency, issued: before(daysPastDue + 30), due: before(daysPastDue) });
    // One USD invoice on each bucket edge; its amount says how many days past due it is.
    await unpaid('1000.00', 0); //   due on AS_OF itself: current
    await unpaid('1.00', 1); //      1-30
    await unpaid('30.00', 30); //    1-30
    await unpaid('31.00', 31); //    31-60
    await unpaid('60.00', 60); //    31-60
    await unpaid('61.00', 61); //    61-90
    await unpaid('90.00', 90); //    61-90
    await unpaid('91.00', 91); //    over 90
    await unpaid('5000.00', -5); //  due in 5 days: current
    // 200.00 due 120 days before, 50.00 received 10 days before AS_OF and 70.00 the day after:
    // 150.00 owed at the close of AS_OF (over 90).
    const partial = await f.invoice({ customerId: c, amount: '200.00', issued: before(150), due: before(120), amountPaid: '120.00', status: 'partial' });
    await f.payment(partial, '50.00', before(10));
    await f.payment(partial, '70.00', before(-1));
    // 400.00 due 45 days before, 100.00 paid before the payments ledger existed (last payment 5
    // days before AS_OF): 300.00 owed (31-60).
    await f.invoice({ customerId: c, amount: '400.00', issued: before(75), due: before(45), amountPaid: '100.00', status: 'partial', lastPaymentAt: `${before(5)}T10:30:00Z` });
    // Paid in full 2 days before AS_OF: nothing owed.
    await f.invoice({ customerId: c, amount: '500.00', issued: before(50), due: before(20), amountPaid: '500.00', status: 'paid', paidDate: before(2) });
    // Paid in full 3 days after AS_OF: all 700.00 owed at AS_OF, 10 days past due (1-30).
    await f.invoice({ customerId: c, amount: '700.00', issued: before(40), due: before(10), amountPaid: '700.00', status: 'paid', paidDate: before(-3) });
    // Cancelled: in no figure. Issued after AS_OF: not yet a receivable.
    await f.invoice({ customerId: c, amount: '999.00', issued: before(80), due: before(50), status: 'cancelled' });
    await f.invoice({ customerId: c, amount: '888.00', issued: before(-1), due: before(-30) });
    // Other currencies, kept apart: EUR 31 days past due, JPY (no minor units) 95 days.
    await unpaid('250.50', 31, 'EUR');
    await unpaid('1500', 95, 'JPY');
  });

  it('puts every invoice owed at the close of the day in its bucket by days past due, per currency', async () => {
    const res = await call(h.reports, 'getOverdueAging', { asOfDate: AS_OF });
    expect(res.asOfDate).toBe(AS_OF);
    const usd = (bucket: metricsV1.AgingBucket, invoices: string, amount: string) => ({ bucket, invoices, balance: { currencyCode: 'USD', amount } });
    expect(res.currencies.map((c) => c.currencyCode)).toEqual(['EUR', 'JPY', 'USD']);
    expect(res.currencies[2]).toEqual({
      currencyCode: 'USD',
      buckets: [
        usd(AGING_BUCKET_CURRENT, '2', '6000.00'), //     1000.00 (0 days) + 5000.00 (not yet due)
        usd(AGING_BUCKET_DAYS_1_TO_30, '3', '731.00'), // 1.00 + 30.00 + 700.00 (paid after AS_OF)
        usd(AGING_BUCKET_DAYS_31_TO_60, '3', '391.00'), // 31.00 + 60.00 + 300.00 (400.00 less 100.00 paid)
        usd(AGING_BUCKET_DAYS_61_TO_90, '2', '151.00'), // 61.00 + 90.00
        usd(AGING_BUCKET_DAYS_OVER_90, '2', '241.00'), //  91.00 + 150.00 (200.00 less 50.00 received by AS_OF)
      ],
      total: { currencyCode: 'USD', amount: '7514.00' }, // 6000 + 731 + 391 + 151 + 241
      overdue: { currencyCode: 'USD', amount: '1514.00' }, // all but current
      invoices: '12',
    });
    const zero = (currencyCode: string, amount: string) => ({ currencyCode, amount });
    expect(res.currencies[0]).toEqual({
      currencyCode: 'EUR',
      buckets: [
        { bucket: AGING_BUCKET_CURRENT, invoices: '0', balance: zero('EUR', '0.00') },
        { bucket: AGING_BUCKET_DAYS_1_TO_30, invoices: '0', balance: zero('EUR', '0.00') },
        { bucket: AGING_BUCKET_DAYS_31_TO_60, invoices: '1', balance: zero('EUR', '250.50') },
        { bucket: AGING_BUCKET_DAYS_61_TO_90, invoices: '0', balance: zero('EUR', '0.00') },
        { bucket: AGING_BUCKET_DAYS_OVER_90, invoices: '0', balance: zero('EUR', '0.00') },
      ],
      total: zero('EUR', '250.50'),
      overdue: zero('EUR', '250.50'),
      invoices: '1',
    });
    expect(res.currencies[1].buckets[4]).toEqual({ bucket: AGING_BUCKET_DAYS_OVER_90, invoices: '1', balance: zero('JPY', '1500') });
    expect(res.currencies[1].total).toEqual(zero('JPY', '1500'));
  });

  it('moves with the day: a day later every invoice is a day older', async () => {
    const res = await call(h.reports, 'getOverdueAging', { asOfDate: before(-1) });
    const usd = res.currencies.find((c) => c.currencyCode === 'USD') as metricsV1.CurrencyAging;
    // 1000.00 (now 1 day past due) leaves current; 30.00 -> 31-60, 60.00 -> 61-90, 90.00 -> over 90;
    // the 70.00 received on that day is in, the 888.00 issued that day too (current).
    expect(usd.buckets.map((b) => b.balance?.amount)).toEqual([
      '5888.00', // 5000.00 + 888.00
      '1701.00', // 1000.00 + 1.00 + 700.00
      '361.00', //  30.00 + 31.00 + 300.00
      '121.00', //  60.00 + 61.00
      '261.00', //  90.00 + 91.00 + 80.00 (200.00 less 120.00)
    ]);
  });

  it('uses the same bucket edges as the SQL (report_aging_bucket) from -5 to 100 days', async () => {
    const rows = await h.db.query<{ d: number; bucket: string }>('SELECT d, report_aging_bucket(d) AS bucket FROM generate_series(-5, 100) d ORDER BY d');
    expect(rows.map((r) => r.bucket)).toEqual(rows.map((r) => agingBucketOf(r.d)));
    expect([0, 1, 30, 31, 60, 61, 90, 91].map(agingBucketOf)).toEqual(['current', '1_30', '1_30', '31_60', '31_60', '61_90', '61_90', 'over_90']);
  });

  it('takes today (UTC) when no date is given, and refuses a date that is not one', async () => {
    expect((await call(h.reports, 'getOverdueAging', metricsV1.GetOverdueAgingRequest.fromPartial({}))).asOfDate).toBe(todayUtc());
    await expectInvalid(call(h.reports, 'getOverdueAging', { asOfDate: '2026-02-30' }), ['as_of_date']);
    await expectInvalid(call(h.reports, 'getOverdueAging', { asOfDate: '31/03/2026' }), ['as_of_date']);
  });
});
