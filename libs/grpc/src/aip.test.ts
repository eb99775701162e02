import { InvalidArgumentError } from '@cec/errors';
import { decodePageToken, encodePageToken, filterFingerprint, pageSize, paginate } from './pagination';
import { resolveUpdateMask } from './field-mask';

describe('page size', () => {
  it('defaults, caps and refuses negatives', () => {
    expect(pageSize(0)).toBe(50);
    expect(pageSize(10)).toBe(10);
    expect(pageSize(5000)).toBe(1000);
    expect(() => pageSize(-1)).toThrow('page_size: must not be negative, got -1');
  });
});

describe('page tokens', () => {
  const f = filterFingerprint({ risk: 'high' });

  const id = '6f1c0a52-98a5-4b59-8f0c-111111111111';

  it('round-trips the last key', () => {
    expect(decodePageToken(encodePageToken(['Acme', id], f), f, ['text', 'uuid'])).toEqual(['Acme', id]);
    expect(decodePageToken(encodePageToken(['2026-02-28', id], f), f, ['date', 'uuid'])).toEqual(['2026-02-28', id]);
    expect(decodePageToken('', f, ['text'])).toBeUndefined();
  });

  it('refuses garbage and tokens from other filters', () => {
    expect(() => decodePageToken('not-a-token', f, ['text'])).toThrow(InvalidArgumentError);
    expect(() => decodePageToken(encodePageToken(['x'], filterFingerprint({ risk: 'low' })), f, ['text'])).toThrow(/different filters/);
  });

  it.each([
    [['Acme'], ['text', 'uuid']],
    [['Acme', 'not-a-uuid'], ['text', 'uuid']],
    [['2026-02-30', id], ['date', 'uuid']],
    [[42, id], ['text', 'uuid']],
    [['nul\u0000', id], ['text', 'uuid']],
  ] as const)('refuses a doctored key %j', (key, shape) => {
    expect(() => decodePageToken(encodePageToken([...key], f), f, shape)).toThrow('page_token: is not a token this API issued');
  });

  it('paginates rows fetched with one extra', () => {
    const rows = ['a', 'b', 'c'];
    expect(paginate(rows, 3, (r) => [r], f)).toEqual({ page: ['a', 'b', 'c'], nextPageToken: '' });
    const { page, nextPageToken } = paginate(rows, 2, (r) => [r], f);
    expect(page).toEqual(['a', 'b']);
    expect(decodePageToken(nextPageToken, f, ['text'])).toEqual(['b']);
  });
});

describe('update masks', () => {
  const allowed = ['company_name', 'email', 'phone'] as const;
  const options = { allowed, resource: 'customer', populated: () => ['email' as const] };

  it('accepts snake_case, camelCase and prefixed paths', () => {
    expect([...resolveUpdateMask(['company_name', 'customer.email'], options)]).toEqual(['company_name', 'email']);
    expect([...resolveUpdateMask(['companyName'], options)]).toEqual(['company_name']);
    expect([...resolveUpdateMask(['*'], options)]).toEqual([...allowed]);
  });

  it('uses the populated fields without a mask', () => {
    expect([...resolveUpdateMask(undefined, options)]).toEqual(['email']);
    expect(() => resolveUpdateMask([], { ...options, populated: () => [] })).toThrow(/nothing to update/);
  });

  it('names what cannot be updated', () => {
    expect(() => resolveUpdateMask(['id', 'email'], options)).toThrow('update_mask: cannot update "id"; updatable: company_name, email, phone');
  });
});
