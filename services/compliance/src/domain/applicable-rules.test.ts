import { applicableRules } from './applicable-rules';
import { customerZones, countryZones } from './customer-zones';
import { customer, rule } from './test-fixtures';
import type { CustomerFacts, Rule } from './types';

const codesAt = (rules: Rule[], c: CustomerFacts, iso: string, channel: 'email' | 'phone' | 'sms' = 'phone'): string[] =>
  applicableRules(rules, c, channel, new Date(iso), customerZones(c).zones).map((r) => r.code);

describe('applicableRules: effective on the customer\'s local date', () => {
  const from15 = rule('channel_block', {}, { code: 'from_jan_15', effectiveFrom: '2026-01-15' });
  const until14 = rule('channel_block', {}, { code: 'until_jan_14', effectiveTo: '2026-01-14' });
  const only15 = rule('channel_block', {}, { code: 'only_jan_15', effectiveFrom: '2026-01-15', effectiveTo: '2026-01-15' });
  const rules = [from15, until14, only15];

  it.each([
    // 2026-01-14T12:00Z is 2026-01-15 01:00 NZDT (UTC+13:00) in Auckland but 07:00 EST on the 14th in New York.
    ['Auckland, already the 15th', 'Pacific/Auckland', '2026-01-14T12:00:00Z', ['from_jan_15', 'only_jan_15']],
    ['New York, still the 14th', 'America/New_York', '2026-01-14T12:00:00Z', ['until_jan_14']],
    // 2026-01-16T04:59Z is 23:59 EST on the 15th.
    ['New York, last minute of the 15th', 'America/New_York', '2026-01-16T04:59:00Z', ['from_jan_15', 'only_jan_15']],
    ['New York, the 16th', 'America/New_York', '2026-01-16T05:00:00Z', ['from_jan_15']],
  ])('%s (%s at %s)', (_what, timeZone, at, expected) => {
    expect(codesAt(rules, customer({ timeZone }), at)).toEqual(expected);
  });

  it('with no zone, applies a rule in force on any date the customer could be on (strictest)', () => {
    // US zones run from UTC-05:00 (EST) to UTC-10:00 (HST). 2026-01-15T06:00Z is 01:00 EST on the
    // 15th but 20:00 HST on the 14th: both rules apply.
    expect(codesAt(rules, customer({ timeZone: '', countryCode: 'US' }), '2026-01-15T06:00:00Z')).toEqual(['from_jan_15', 'until_jan_14', 'only_jan_15']);
    // No zone and no country: anywhere from UTC-12:00 to UTC+14:00. 2026-01-14T10:00Z is already
    // 2026-01-15 00:00 at UTC+14:00.
    expect(codesAt(rules, customer({ timeZone: '', countryCode: '' }), '2026-01-14T10:00:00Z')).toEqual(['from_jan_15', 'until_jan_14', 'only_jan_15']);
    expect(codesAt(rules, customer({ timeZone: '', countryCode: '' }), '2026-01-14T09:59:59Z')).toEqual(['until_jan_14']);
  });
});

describe('applicableRules: active, channel and scope', () => {
  const c = customer({ customerId: 'cust-1', countryCode: 'US', regionCode: 'MA' });
  it.each([
    ['global', rule('channel_block', {}, { code: 'x' }), ['x']],
    ['inactive', rule('channel_block', {}, { code: 'x', active: false }), []],
    ['another channel', rule('channel_block', {}, { code: 'x', channels: ['email', 'sms'] }), []],
    ['the country', rule('channel_block', {}, { code: 'x', scope: { kind: 'country', country: 'US' } }), ['x']],
    ['another country', rule('channel_block', {}, { code: 'x', scope: { kind: 'country', country: 'CA' } }), []],
    ['the region', rule('channel_block', {}, { code: 'x', scope: { kind: 'region', country: 'US', region: 'MA' } }), ['x']],
    ['same region code, other country', rule('channel_block', {}, { code: 'x', scope: { kind: 'region', country: 'MX', region: 'MA' } }), []],
    ['another region', rule('channel_block', {}, { code: 'x', scope: { kind: 'region', country: 'US', region: 'NY' } }), []],
    ['the customer', rule('channel_block', {}, { code: 'x', scope: { kind: 'customer', customerId: 'cust-1' } }), ['x']],
    ['another customer', rule('channel_block', {}, { code: 'x', scope: { kind: 'customer', customerId: 'cust-2' } }), []],
  ] as const)('%s', (_what, r, expected) => {
    expect(codesAt([r], c, '2026-01-14T12:00:00Z')).toEqual(expected);
  });

  it('a customer with no country gets no country or region rules', () => {
    const none = customer({ countryCode: '', regionCode: '' });
    const rules = [rule('channel_block', {}, { code: 'us', scope: { kind: 'country', country: 'US' } }), rule('channel_block', {}, { code: 'g' })];
    expect(codesAt(rules, none, '2026-01-14T12:00:00Z')).toEqual(['g']);
  });
});

describe('customerZones', () => {
  it.each([
    ['own zone', { timeZone: 'Asia/Kathmandu', countryCode: 'NP' }, 'customer', ['Asia/Kathmandu']],
    ['unknown zone: the country\'s zones', { timeZone: 'Mars/Olympus', countryCode: 'NP' }, 'country', ['Asia/Kathmandu']],
    ['no zone: the country\'s zones', { timeZone: '', countryCode: 'NZ' }, 'country', ['Pacific/Auckland', 'Pacific/Chatham']],
    ['nothing known', { timeZone: '', countryCode: '' }, 'none', []],
  ] as const)('%s', (_what, facts, source, zones) => {
    const z = customerZones(customer(facts));
    expect(z.source).toBe(source);
    expect(z.zones).toEqual(zones);
  });

  it('knows every US zone, Honolulu included', () => {
    expect(countryZones('US')).toEqual(expect.arrayContaining(['America/New_York', 'America/Los_Angeles', 'America/Anchorage', 'America/Adak', 'Pacific/Honolulu']));
    expect(countryZones('US')).toHaveLength(29);
  });
});
