import { InvalidArgumentError, Violations } from '@cec/errors';
import { enumList, idList, MAX_ENUM_FILTER, optionalUuid, requireUuid } from './index';

const messages = (v: Violations): string[] => {
  try {
    v.throwIfAny();
    return [];
  } catch (error) {
    return (error as InvalidArgumentError).violations.map((x) => `${x.field}: ${x.description}`);
  }
};
const fromProto = (value: number, v: Violations, field: string) => (value === 1 ? 'pending' : value === 2 ? 'paid' : (v.add(field, `unknown value ${value}`), undefined));

describe('enumList', () => {
  it('maps, drops duplicates, refuses UNSPECIFIED and unknown values by position', () => {
    const v = new Violations();
    expect(enumList(v, 'statuses', [1, 2, 1, 0, 9], fromProto)).toEqual(['pending', 'paid']);
    expect(messages(v)).toEqual(['statuses[3]: must not be UNSPECIFIED', 'statuses[4]: unknown value 9']);
  });

  it(`takes at most ${MAX_ENUM_FILTER} values, in one violation`, () => {
    const v = new Violations();
    expect(enumList(v, 'statuses', new Array(10_001).fill(1), fromProto)).toEqual([]);
    expect(messages(v)).toEqual([`statuses: takes at most ${MAX_ENUM_FILTER} values, got 10001`]);
  });
});

describe('ids', () => {
  const id = '10000000-0000-4000-8000-000000000002';

  it('lower-cases UUIDs and names a bad one', () => {
    const v = new Violations();
    expect(requireUuid(v, 'customer_id', id.toUpperCase())).toBe(id);
    expect(optionalUuid(v, 'request_id', '')).toBeUndefined();
    optionalUuid(v, 'request_id', 'nope');
    expect(messages(v)).toEqual(['request_id: must be a UUID, got "nope"']);
  });

  it('idList: 1..max ids, duplicates once, in request order', () => {
    expect(idList('customer_ids', [id, id.toUpperCase()])).toEqual([id]);
    expect(() => idList('customer_ids', [])).toThrow('customer_ids: needs at least one id');
    expect(() => idList('customer_ids', [id, id, id], 2)).toThrow('customer_ids: takes at most 2 ids, got 3');
    expect(() => idList('customer_ids', [id, 'x'])).toThrow('customer_ids[1]: must be a UUID, got "x"');
  });
});
