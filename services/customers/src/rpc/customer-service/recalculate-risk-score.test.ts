import { useCustomersService } from '../../testing/customers-harness';
import { customerFixtures, RiskLevel, UNKNOWN_ID, TODAY, present } from './testing-fixtures';

describe('CustomerService', () => {
  const h = useCustomersService();
  const { createCustomer, getCustomer, recalculate, expectInvalid, expectNotFound, auditOf, addInvoice } = customerFixtures(h);

  // ---------------------------------------------------------------- RecalculateRiskScore

  describe('RecalculateRiskScore', () => {
    async function riskFactorsRow(id: string): Promise<Record<string, string | number | null>> {
      const [row] = await h.db.query(`SELECT * FROM customer_risk_factors($1, ${TODAY})`, [id]);
      return row;
    }

    it('scores payment behaviour as customer_risk_factors does, and stores it', async () => {
      const c = await createCustomer();
      await addInvoice(c.id, { amount: '1000', status: 'overdue', dueInDays: -60 });
      await addInvoice(c.id, { amount: '500', amountPaid: '200', status: 'partial', dueInDays: -30 });
      await addInvoice(c.id, { amount: '300', amountPaid: '300', status: 'paid', dueInDays: -20, paidDaysAfterDue: 10 });
      await addInvoice(c.id, { amount: '200', status: 'pending', dueInDays: 30 });
      await addInvoice(c.id, { amount: '999', status: 'cancelled', dueInDays: -90 });
      const [stored] = await h.db.query('SELECT risk_calculated_at FROM customer_profiles WHERE customer_id = $1', [c.id]);

      const { profile } = await recalculate(c.id);
      const expected = await riskFactorsRow(c.id);

      // delay 35*43.33/90 = 16.85, exposure 25*1300/2000 = 16.25, age 15*60/120 = 7.5, broken 5, responsiveness 5
      expect(expected).toMatchObject({ score: 51, risk_level: 'high' });
      expect(profile).toMatchObject({ customerId: c.id, riskScore: 51, riskLevel: RiskLevel.RISK_LEVEL_HIGH, averagePaymentDelayDays: 43.33 });
      expect(profile.riskFactors).toEqual({
        weightedDaysLate: Number(expected.weighted_days_late),
        delayPoints: Number(expected.delay_points),
        totalInvoiced: expect.stringMatching(/^\d+(\.\d+)?$/),
        overdueBalance: expect.stringMatching(/^\d+(\.\d+)?$/),
        overdueRatio: Number(expected.overdue_ratio),
        exposurePoints: Number(expected.exposure_points),
        oldestDaysOverdue: expected.oldest_days_overdue,
        agePoints: Number(expected.age_points),
        brokenPayments: expected.broken_payments,
        brokenPoints: Number(expected.broken_points),
        responseRate: undefined,
        responsivenessPoints: Number(expected.responsiveness_points),
      });
      expect(Number(present(profile.riskFactors).totalInvoiced)).toBe(Number(expected.total_invoiced));
      expect(Number(present(profile.riskFactors).overdueBalance)).toBe(Number(expected.overdue_balance));
      expect(profile.riskFactors).toMatchObject({ weightedDaysLate: 43.33, totalInvoiced: '2000', overdueBalance: '1300', oldestDaysOverdue: 60, brokenPayments: 1 });

      const [row] = await h.db.query(
        'SELECT risk_score, risk_level, average_payment_delay, risk_calculated_at, risk_factors FROM customer_profiles WHERE customer_id = $1',
        [c.id],
      );
      expect(row).toMatchObject({ risk_score: 51, risk_level: 'high', average_payment_delay: '43.33' });
      expect(row.risk_calculated_at.getTime()).toBeGreaterThan(stored.risk_calculated_at.getTime());
      expect(profile.riskCalculateTime).toEqual(row.risk_calculated_at);
      expect(row.risk_factors).toMatchObject({ delay_points: 16.85, exposure_points: 16.25, age_points: 7.5, broken_points: 5, responsiveness_points: 5 });

      // Customer reads show the stored score.
      expect(await getCustomer(c.id)).toMatchObject({ riskScore: 51, riskLevel: RiskLevel.RISK_LEVEL_HIGH });
    });

    it('uses a known response rate', async () => {
      const c = await createCustomer();
      await h.db.query('UPDATE customer_profiles SET response_rate = 0.8 WHERE customer_id = $1', [c.id]);
      const { profile } = await recalculate(c.id);
      expect(profile).toMatchObject({ riskScore: 2, riskLevel: RiskLevel.RISK_LEVEL_LOW, responseRate: 0.8 });
      expect(profile.riskFactors).toMatchObject({ responseRate: 0.8, responsivenessPoints: 2, totalInvoiced: '0' });
    });

    it('writes one audit event with the score before and after', async () => {
      const c = await createCustomer();
      await addInvoice(c.id, { amount: '100', status: 'overdue', dueInDays: -200 });
      await recalculate(c.id);
      const events = await auditOf(c.id);
      expect(events.map((e) => [e.entity_type, e.action])).toEqual([
        ['customer', 'created'],
        ['customer_profile', 'risk_recalculated'],
      ]);
      // delay 35, exposure 25, age 15, responsiveness 5 = 80
      expect(events[1]).toMatchObject({
        entity_id: c.id,
        actor_type: 'user',
        actor_id: 'ops@example.com',
        details: { before: { score: 5, level: 'low' }, after: { score: 80, level: 'critical' } },
      });
    });

    it('refuses a malformed id', async () => {
      await expectInvalid(() => recalculate('123e4567'), ['customer_id'], 'customer_id: must be a UUID, got "123e4567"');
    });

    it('says NOT_FOUND for an unknown id', async () => {
      await expectNotFound(() => recalculate(UNKNOWN_ID), `customer ${UNKNOWN_ID} not found`);
    });
  });
});
