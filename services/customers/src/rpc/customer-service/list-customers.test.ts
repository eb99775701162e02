import { randomUUID } from 'node:crypto';
import { customersV1 } from '@cec/proto';
import { useCustomersService } from '../../testing/customers-harness';
import { customerFixtures, RiskLevel, newTag, byNameThenId, type Customer } from './testing-fixtures';

describe('CustomerService', () => {
  const h = useCustomersService();
  const { createCustomer, list, recalculate, expectInvalid, addInvoice } = customerFixtures(h);

  // ---------------------------------------------------------------- ListCustomers

  describe('ListCustomers', () => {
    it('pages through customers by company name, then id, without gaps or duplicates', async () => {
      const tag = newTag();
      const names = ['Echo', 'Bravo', 'Alpha', 'Bravo', 'Delta', 'Bravo', 'Charlie'].map((n) => `${tag} ${n}`);
      const created: Customer[] = [];
      for (const companyName of names) created.push(await createCustomer({ companyName }));
      const expected = [...created].sort(byNameThenId).map((c) => c.id);

      const pages: string[][] = [];
      let pageToken = '';
      do {
        const page = await list({ search: tag, pageSize: 3, pageToken });
        pages.push(page.customers.map((c) => c.id));
        pageToken = page.nextPageToken;
        expect(pages.length).toBeLessThanOrEqual(3);
      } while (pageToken);

      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      expect(pages.flat()).toEqual(expected);
    });

    it('orders the unfiltered list as the database orders company names, then ids', async () => {
      await createCustomer({ companyName: 'aaa first' });
      await createCustomer({ companyName: 'aaa first' });
      // More than one page of its own, whatever else the file's database holds.
      for (let i = 0; i < 4; i += 1) await createCustomer();
      const expected = await h.db.query<{ id: string }>('SELECT id FROM customers ORDER BY company_name, id LIMIT 5');
      const page = await list({ pageSize: 5 });
      expect(page.customers.map((c) => c.id)).toEqual(expected.map((r) => r.id));
      expect(page.nextPageToken).not.toBe('');
    });

    it('answers a page with the full customers, as GetCustomer does', async () => {
      const tag = newTag();
      const created = await createCustomer({ companyName: `${tag} Full`, contactName: 'Fay', phone: '+14155550142' });
      const page = await list({ search: tag });
      expect(page).toEqual({ customers: [created], nextPageToken: '' });
    });

    it('gives an empty next_page_token when the last page is exactly full', async () => {
      const tag = newTag();
      await createCustomer({ companyName: `${tag} One` });
      await createCustomer({ companyName: `${tag} Two` });
      const page = await list({ search: tag, pageSize: 2 });
      expect(page.customers).toHaveLength(2);
      expect(page.nextPageToken).toBe('');
    });

    it('uses the default page size for 0 and lowers a page size above 1000', async () => {
      const tag = newTag();
      await createCustomer({ companyName: `${tag} A` });
      await createCustomer({ companyName: `${tag} B` });
      expect((await list({ search: tag, pageSize: 0 })).customers).toHaveLength(2);
      expect((await list({ search: tag, pageSize: 5000 })).customers).toHaveLength(2);
    });

    it('searches company names, contact names and emails in any case', async () => {
      const tag = newTag();
      const byCompany = await createCustomer({ companyName: `Northwind ${tag.toUpperCase()} Traders` });
      const byContact = await createCustomer({ companyName: 'Unrelated Name', contactName: `Pat ${tag}` });
      const byEmail = await createCustomer({ companyName: 'Another Unrelated', email: `billing.${tag}@example.com` });
      await createCustomer({ companyName: 'Not a match', email: 'nobody@example.com' });

      const ids = (await list({ search: tag.toUpperCase() })).customers.map((c) => c.id);
      expect(ids.sort()).toEqual([byCompany.id, byContact.id, byEmail.id].sort());
      expect((await list({ search: `  ${tag.toLowerCase()} traders ` })).customers.map((c) => c.id)).toEqual([byCompany.id]);
    });

    it('takes % and _ in a search term literally', async () => {
      const tag = newTag();
      const literal = await createCustomer({ companyName: `${tag} 100% Pure_Co` });
      await createCustomer({ companyName: `${tag} 100X PureXCo` });
      expect((await list({ search: `${tag} 100% P` })).customers.map((c) => c.id)).toEqual([literal.id]);
      expect((await list({ search: 'e_Co' })).customers.map((c) => c.id)).toEqual([literal.id]);
      expect((await list({ search: `${tag}%` })).customers).toEqual([]);
      const backslash = await createCustomer({ companyName: `${tag} C:\\Temp` });
      await createCustomer({ companyName: `${tag} C:Temp` });
      expect((await list({ search: 'C:\\T' })).customers.map((c) => c.id)).toEqual([backslash.id]);
    });

    it('filters by risk level', async () => {
      const tag = newTag();
      const risky = await createCustomer({ companyName: `${tag} Risky` });
      const calm = await createCustomer({ companyName: `${tag} Calm` });
      await addInvoice(risky.id, { amount: '1000', status: 'overdue', dueInDays: -45 }); // 17.5 + 25 + 5.63 + 5 = 53
      expect((await recalculate(risky.id)).profile.riskLevel).toBe(RiskLevel.RISK_LEVEL_HIGH);

      expect((await list({ search: tag, riskLevel: RiskLevel.RISK_LEVEL_HIGH })).customers.map((c) => [c.id, c.riskLevel])).toEqual([
        [risky.id, RiskLevel.RISK_LEVEL_HIGH],
      ]);
      expect((await list({ search: tag, riskLevel: RiskLevel.RISK_LEVEL_LOW })).customers.map((c) => c.id)).toEqual([calm.id]);
      expect((await list({ search: tag, riskLevel: RiskLevel.RISK_LEVEL_CRITICAL })).customers).toEqual([]);
    });

    it('refuses a negative page_size', async () => {
      await expectInvalid(() => list({ pageSize: -1 }), ['page_size'], 'page_size: must not be negative, got -1');
    });

    it('refuses an unknown risk level', async () => {
      await expectInvalid(() => list({ riskLevel: 42 as customersV1.RiskLevel }), ['risk_level'], 'risk_level: unknown value 42');
    });

    it('refuses a page_token it did not issue', async () => {
      await expectInvalid(() => list({ pageToken: 'not-a-token' }), ['page_token'], 'page_token: is not a token this API issued');
    });

    it('refuses a page_token reused with different filters', async () => {
      const tag = newTag();
      for (const n of ['A', 'B', 'C']) await createCustomer({ companyName: `${tag} ${n}` });
      const first = await list({ search: tag, pageSize: 1 });
      expect(first.nextPageToken).not.toBe('');
      await expectInvalid(
        () => list({ search: `${tag} B`, pageSize: 1, pageToken: first.nextPageToken }),
        ['page_token'],
        'page_token: was issued for different filters',
      );
      await expectInvalid(
        () => list({ search: tag, riskLevel: RiskLevel.RISK_LEVEL_LOW, pageSize: 1, pageToken: first.nextPageToken }),
        ['page_token'],
        'page_token: was issued for different filters',
      );
      // The same filters with another page size are fine.
      expect((await list({ search: tag, pageSize: 5, pageToken: first.nextPageToken })).customers).toHaveLength(2);
    });

    it('refuses a tampered page_token as bad input, not as an internal error', async () => {
      const tag = newTag();
      for (const n of ['A', 'B']) await createCustomer({ companyName: `${tag} ${n}` });
      const { nextPageToken } = await list({ search: tag, pageSize: 1 });
      const body = JSON.parse(Buffer.from(nextPageToken, 'base64url').toString('utf8')) as { k: unknown[] };
      for (const k of [[`${tag} A`, 'not-a-uuid'], [`${tag} A`], [1, 2], [`${tag}\u0000`, randomUUID()]]) {
        const tampered = Buffer.from(JSON.stringify({ ...body, k })).toString('base64url');
        await expectInvalid(() => list({ search: tag, pageSize: 1, pageToken: tampered }), ['page_token'], 'page_token: is not a token this API issued');
      }
    });
  });
});
