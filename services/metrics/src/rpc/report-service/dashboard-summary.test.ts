import { metricsV1 } from '@cec/proto';
import { call, expectInvalid } from '@cec/testing';
import { todayUtc } from '@cec/validation';
import { useReportService } from './report-harness';
import { reportFixtures } from './report-fixtures';

const h = useReportService();
const f = reportFixtures(h);

const JANUARY = { startDate: '2026-01-01', endDate: '2026-02-01' };
const summary = (request: Partial<metricsV1.GetDashboardSummaryRequest>) =>
  call(h.reports, 'getDashboardSummary', metricsV1.GetDashboardSummaryRequest.fromPartial(request));
const usd = (amount: string) => ({ currencyCode: 'USD', amount });
const eur = (amount: string) => ({ currencyCode: 'EUR', amount });
const gbp = (amount: string) => ({ currencyCode: 'GBP', amount });

/*
 * The worked example: January 2026, [2026-01-01, 2026-02-01), 31 days.
 *
 * USD                                   issued      due         paid                      at 31 Dec  at 31 Jan
 *   A 1000.00                           2025-11-01  2025-12-01  600.00 on 2026-01-10      1000.00    400.00 (61 days past due)
 *   B 2000.00                           2025-12-15  2026-01-14  2000.00 on 2026-01-20     2000.00       0
 *   E  300.00                           2025-09-01  2025-10-01  -                          300.00    300.00 (122 days: over 90)
 *   C 1500.00 (sale)                    2026-01-05  2026-02-04  -                            -      1500.00 (current)
 *   D  500.00 (sale)                    2026-01-02  2026-01-16  100.00 on 2026-02-03         -       500.00 (15 days past due)
 *   F  800.00 (sale, cancelled)         2026-01-03  2026-02-02  -                            -          -  (void)
 *
 *   beginning receivables  1000 + 2000 + 300            = 3300.00
 *   credit sales           1500 + 500                   = 2000.00
 *   ending receivables     400 + 300 + 1500 + 500       = 2700.00
 *     current              1500                         = 1500.00
 *     overdue              400 + 300 + 500              = 1200.00
 *     over 90              300                          =  300.00
 *   collected              3300 + 2000 - 2700           = 2600.00  (= 600 + 2000 received in January)
 *   DSO (standard)         2700 / 2000 x 31 = 41.85      -> 41.9 days
 *   CEI                    (3300 + 2000 - 2700) / (3300 + 2000 - 1500) x 100 = 2600 / 3800 x 100 = 68.421... -> 68.42 %
 *   at-risk rate           300 / 2700 x 100 = 11.111...  -> 11.11 %
 *
 * EUR: G 1000.00 issued 2026-01-10 due 2026-03-01, unpaid; G2 300.00 issued 2026-01-02 due 2026-01-20,
 *   paid 300.00 on 2026-01-06.
 *   beginning 0, sales 1300.00, ending 1000.00 (all current), collected 300.00
 *   DSO 1000 / 1300 x 31 = 23.846... -> 23.8; CEI (0 + 1300 - 1000) / (0 + 1300 - 1000) x 100 = 100.00; at risk 0 / 1000 = 0.00
 *
 * GBP: I 250.00 issued 2025-12-01 due 2025-12-31, paid 250.00 on 2026-01-15.
 *   beginning 250.00, sales 0, ending 0, collected 250.00
 *   DSO none (no sales); CEI (250 + 0 - 0) / (250 + 0 - 0) x 100 = 100.00; at risk none (nothing owed)
 *
 * Contact attempts in January (and one either side, left out): email delivered, opened, replied,
 * bounced; phone answered, failed; sms sent, failed.
 *
 * Campaign steps (contact steps: a task created):
 *   K (USD, chases A and D): step 1 on 2026-01-05 09:00, step 2 on 2026-01-08 09:00, step 3 refused on 2026-01-12
 *   L (EUR, chases G2):       step 1 on 2026-01-06 08:00
 *   M (USD, chases E):        step 1 on 2025-12-20 (before the period)
 *   A's 600.00 on 01-10: the latest contact step of a campaign chasing A on or before 01-10 is K's
 *     step 2 (01-08), 2 days before: credited to step 2 when the window is 3 days or more
 *     (01-08 <= 01-10 < 01-08 + N), not with 2 days.
 *   D's 100.00 on 02-03: 26 days after K's step 2: not within 7 days.
 *   G2's 300.00 on 01-06: L's step 1 the same day: credited to step 1.
 *   B's 2000.00 (no campaign chases B): credited to no step.
 */
describe('GetDashboardSummary', () => {
  beforeAll(async () => {
    const x = await f.customer('Worked Example Inc');
    const a = await f.invoice({ customerId: x, amount: '1000.00', issued: '2025-11-01', due: '2025-12-01', amountPaid: '600.00', status: 'partial' });
    await f.payment(a, '600.00', '2026-01-10');
    const b = await f.invoice({ customerId: x, amount: '2000.00', issued: '2025-12-15', due: '2026-01-14', amountPaid: '2000.00', status: 'paid', paidDate: '2026-01-20' });
    await f.payment(b, '2000.00', '2026-01-20');
    const e = await f.invoice({ customerId: x, amount: '300.00', issued: '2025-09-01', due: '2025-10-01' });
    await f.invoice({ customerId: x, amount: '1500.00', issued: '2026-01-05', due: '2026-02-04' });
    const d = await f.invoice({ customerId: x, amount: '500.00', issued: '2026-01-02', due: '2026-01-16', amountPaid: '100.00', status: 'partial' });
    await f.payment(d, '100.00', '2026-02-03');
    await f.invoice({ customerId: x, amount: '800.00', issued: '2026-01-03', due: '2026-02-02', status: 'cancelled' });

    const y = await f.customer('Euro GmbH');
    await f.invoice({ customerId: y, amount: '1000.00', currency: 'EUR', issued: '2026-01-10', due: '2026-03-01' });
    const g2 = await f.invoice({ customerId: y, amount: '300.00', currency: 'EUR', issued: '2026-01-02', due: '2026-01-20', amountPaid: '300.00', status: 'paid', paidDate: '2026-01-06' });
    await f.payment(g2, '300.00', '2026-01-06');

    const z = await f.customer('Sterling plc');
    const i = await f.invoice({ customerId: z, amount: '250.00', currency: 'GBP', issued: '2025-12-01', due: '2025-12-31', amountPaid: '250.00', status: 'paid', paidDate: '2026-01-15' });
    await f.payment(i, '250.00', '2026-01-15');

    for (const [channel, status, at] of [
      ['email', 'delivered', '2026-01-01T00:00:00Z'],
      ['email', 'opened', '2026-01-10T12:00:00Z'],
      ['email', 'replied', '2026-01-11T12:00:00Z'],
      ['email', 'bounced', '2026-01-31T23:59:59Z'],
      ['phone', 'answered', '2026-01-12T15:00:00Z'],
      ['phone', 'failed', '2026-01-13T15:00:00Z'],
      ['sms', 'sent', '2026-01-14T09:00:00Z'],
      ['sms', 'failed', '2026-01-15T09:00:00Z'],
      ['email', 'replied', '2025-12-31T23:59:59Z'], // before the period
      ['email', 'replied', '2026-02-01T00:00:00Z'], // the end is exclusive
    ] as const) {
      await f.attempt({ customerId: x, channel, status, at, duration: channel === 'phone' ? 60 : undefined });
    }

    const k = await f.campaign(x, 'K', [a, d], '2026-01-05T09:00:00Z');
    await f.stepRun(k, x, 0, 'task_created', '2026-01-05T09:00:00Z');
    await f.stepRun(k, x, 1, 'task_created', '2026-01-08T09:00:00Z');
    await f.stepRun(k, x, 2, 'refused', '2026-01-12T09:00:00Z');
    const l = await f.campaign(y, 'L', [g2], '2026-01-06T08:00:00Z');
    await f.stepRun(l, y, 0, 'task_created', '2026-01-06T08:00:00Z');
    const m = await f.campaign(x, 'M', [e], '2025-12-20T08:00:00Z');
    await f.stepRun(m, x, 0, 'task_created', '2025-12-20T08:00:00Z');
  });

  it('gives the worked example: receivables, DSO, CEI and at-risk rate per currency, never summed across currencies', async () => {
    const res = await summary({ ...JANUARY });
    expect(res).toMatchObject({ ...JANUARY, daysInPeriod: 31, recoveryWindowDays: 7 });
    expect(res.currencies).toEqual([
      {
        currencyCode: 'EUR',
        beginningReceivables: eur('0.00'),
        creditSales: eur('1300.00'),
        endingReceivables: eur('1000.00'),
        endingCurrent: eur('1000.00'),
        endingOverdue: eur('0.00'),
        endingOver90: eur('0.00'),
        collected: eur('300.00'),
        dsoDays: '23.8',
        ceiPercent: '100.00',
        atRiskPercent: '0.00',
      },
      {
        currencyCode: 'GBP',
        beginningReceivables: gbp('250.00'),
        creditSales: gbp('0.00'),
        endingReceivables: gbp('0.00'),
        endingCurrent: gbp('0.00'),
        endingOverdue: gbp('0.00'),
        endingOver90: gbp('0.00'),
        collected: gbp('250.00'),
        dsoDays: '',
        ceiPercent: '100.00',
        atRiskPercent: '',
      },
      {
        currencyCode: 'USD',
        beginningReceivables: usd('3300.00'),
        creditSales: usd('2000.00'),
        endingReceivables: usd('2700.00'),
        endingCurrent: usd('1500.00'),
        endingOverdue: usd('1200.00'),
        endingOver90: usd('300.00'),
        collected: usd('2600.00'),
        dsoDays: '41.9',
        ceiPercent: '68.42',
        atRiskPercent: '11.11',
      },
    ]);
  });

  it('counts contact outcomes per channel over [start 00:00 UTC, end 00:00 UTC)', async () => {
    const res = await summary({ ...JANUARY });
    const zero = { sent: '0', delivered: '0', opened: '0', answered: '0', replied: '0', bounced: '0', failed: '0' };
    expect(res.contactOutcomes).toEqual([
      { ...zero, channel: 'email', attempts: '4', delivered: '1', opened: '1', replied: '1', bounced: '1', reached: '3', responded: '1' },
      { ...zero, channel: 'phone', attempts: '2', answered: '1', failed: '1', reached: '1', responded: '1' },
      { ...zero, channel: 'sms', attempts: '2', sent: '1', failed: '1', reached: '0', responded: '0' },
    ]);
  });

  it('credits each payment to the latest contact step within the window, per step number and currency', async () => {
    const week = await summary({ ...JANUARY });
    expect(week.stepRecovery).toEqual([
      { stepNumber: 1, stepsTaken: '2', recovered: [{ amount: eur('300.00'), payments: '1' }] },
      { stepNumber: 2, stepsTaken: '1', recovered: [{ amount: usd('600.00'), payments: '1' }] },
    ]);
    // 3 days: 01-08, 01-09, 01-10 — A's payment is in; 2 days: 01-08, 01-09 — it is not.
    expect((await summary({ ...JANUARY, recoveryWindowDays: 3 })).stepRecovery[1].recovered).toEqual([{ amount: usd('600.00'), payments: '1' }]);
    expect((await summary({ ...JANUARY, recoveryWindowDays: 2 })).stepRecovery).toEqual([
      { stepNumber: 1, stepsTaken: '2', recovered: [{ amount: eur('300.00'), payments: '1' }] },
      { stepNumber: 2, stepsTaken: '1', recovered: [] },
    ]);
    // December: only M's step 1, and E was never paid.
    expect((await summary({ startDate: '2025-12-01', endDate: '2026-01-01' })).stepRecovery).toEqual([{ stepNumber: 1, stepsTaken: '1', recovered: [] }]);
  });

  it('a one-day period: beginning is the close of the day before, ending the close of the day itself', async () => {
    // 2026-01-10: USD beginning 3300 + 500 (D) + 1500 (C, issued 01-05) = 5300.00; A's 600.00
    // arrives: ending 4700.00; no sales that day: no DSO.
    const res = await summary({ startDate: '2026-01-10', endDate: '2026-01-11' });
    const day = res.currencies.find((c) => c.currencyCode === 'USD') as metricsV1.CurrencySummary;
    expect(day).toMatchObject({ beginningReceivables: usd('5300.00'), creditSales: usd('0.00'), endingReceivables: usd('4700.00'), collected: usd('600.00'), dsoDays: '' });
    expect(res.daysInPeriod).toBe(1);
  });

  it('refuses bad periods, naming the fields', async () => {
    await expectInvalid(summary({}), ['start_date', 'end_date']);
    await expectInvalid(summary({ startDate: '2026-1-1', endDate: '2026-02-30' }), ['start_date', 'end_date']);
    await expectInvalid(summary({ startDate: '2026-01-31', endDate: '2026-01-31' }), ['end_date']);
    await expectInvalid(summary({ startDate: '2026-02-01', endDate: '2026-01-01' }), ['end_date']);
    await expectInvalid(summary({ startDate: '2000-01-01', endDate: '2011-01-01' }), ['end_date']);
    const tomorrow = new Date(Date.parse(`${todayUtc()}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    await expectInvalid(summary({ startDate: tomorrow, endDate: '2100-01-01' }), ['start_date']);
    await expectInvalid(summary({ ...JANUARY, recoveryWindowDays: 367 }), ['recovery_window_days']);
    await expectInvalid(summary({ ...JANUARY, recoveryWindowDays: -1 }), ['recovery_window_days']);
  });
});
